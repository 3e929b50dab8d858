import type { DataFactoryManagementClient } from "@azure/arm-datafactory";
import { PIPELINES } from "../../components/factory/definitions";
import type { FactoryTarget } from "../factory/target";
import { type RetryOptions, sleep, withRetry } from "../lib/retry";
import { type CopyTotals, type RunTimes, copyTotals } from "./copyActivities";
import { type FileListWriter, listTexts } from "./gen1Lists";
import type { Journal } from "./journal";
import type { CopyAction } from "./plan";
import { type CopyCheckOptions, checkCopied } from "./verifyCopy";

/**
 * The files to copy go to Data Factory, never through this process: one
 * list file per folder (or per 4 MB of paths) in Gen1, then one run of the
 * `catch-up` pipeline with an item per list, monitored until it ends. The
 * run id is journaled the moment ADF accepts the run, so a resumed
 * reconcile waits for that run instead of copying again. A Succeeded run is
 * checked before anything is counted (verifyCopy.ts), a batch of the list
 * at a time: the files not read back from Gen2 as the report expects are
 * journaled notCopied, and the run is journaled ended after that check (its
 * `copied` record then covers the others), so a reconcile stopped during it
 * checks again on --resume.
 */
export interface CatchUpOptions {
  factory: { client: DataFactoryManagementClient; target: FactoryTarget };
  lists: FileListWriter;
  /** Gen1 folder the lists go to (absolute), below it one folder per reconcile run. */
  listFolder: string;
  /** How often the run's status is read, in ms. */
  pollIntervalMs: number;
  /** Longest wait for the run, in ms. */
  timeoutMs: number;
  retry: RetryOptions;
  /** Where a Succeeded run's files are read back (the retry and signal are this call's). */
  readBack: Omit<CopyCheckOptions, "retry" | "signal">;
  signal?: AbortSignal;
  /** Told once ADF accepted the run (after its id is journaled). */
  onStarted?: (runId: string) => void;
  /** Told of each file of a Succeeded run once read back: `notCopied` says why it does not count as copied. */
  onChecked?: (file: CopyAction, notCopied: string | undefined) => void;
}

/** The files to copy, read from the report's list on each pass (none of it held). */
export interface CopyList {
  /** The plan's folders; a file's `folder` is its index here. */
  folders: readonly { source: string; filesystem: string; target: string }[];
  /** The files, each folder's together, in batches; a new pass each call. */
  batches(): AsyncIterable<CopyAction[]>;
  /** How many files a pass yields. */
  count: number;
}

export interface CatchUpOutcome {
  runId: string;
  status: string;
  message: string;
  files: number;
  lists: number;
  /** A Succeeded run's Copy activities, as their outputs report them. */
  copyActivities?: CopyTotals;
  /** Of a Succeeded run's files, those found on Gen2 with the Gen1 size of the report. */
  confirmed?: number;
  /** ARM calls (createRun, status reads, activity run pages) and Gen2 read-backs made. */
  requests: number;
}

const FINAL = new Set(["Succeeded", "Failed", "Cancelled"]);

/** The run that copies `copies`; undefined when there is nothing to copy. */
export async function catchUp(copies: CopyList, journal: Journal, opts: CatchUpOptions): Promise<CatchUpOutcome | undefined> {
  const open = journal.state.openCopy;
  if (!open && copies.count === 0) return undefined;
  let requests = 0;
  const arm = <T>(fn: () => Promise<T>) => withRetry(() => (requests++, fn()), { ...opts.retry, signal: opts.signal });
  const { client, target } = opts.factory;
  let runId: string;
  let files: number;
  let lists = 0;
  if (open) ({ runId, files } = open);
  else {
    const items = await writeLists(copies, journal.state.planHash, opts);
    lists = items.length;
    files = copies.count;
    runId = (await arm(() => client.pipelines.createRun(target.resourceGroupName, target.factoryName, PIPELINES.catchUp, { parameters: { lists: items } }))).runId;
    journal.record({ t: "copy", runId, files });
    opts.onStarted?.(runId);
  }
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const run = await arm(() => client.pipelineRuns.get(target.resourceGroupName, target.factoryName, runId));
    if (run.status && FINAL.has(run.status)) {
      const outcome: CatchUpOutcome = { runId, status: run.status, message: run.message ?? "", files, lists, requests: 0 };
      if (run.status === "Succeeded") await readBack(copies, { runId, runStart: run.runStart, runEnd: run.runEnd }, outcome, journal, arm, opts);
      outcome.requests += requests;
      journal.record({ t: "copied", runId, status: run.status });
      return outcome;
    }
    if (Date.now() + opts.pollIntervalMs > deadline) {
      return { runId, status: run.status ?? "InProgress", message: "still running when reconcile stopped waiting; run reconcile --resume to wait for it", files, lists, requests };
    }
    await sleep(opts.pollIntervalMs, opts.signal);
  }
}

/**
 * Sums the run's Copy outputs and reads every file back from Gen2, a batch
 * of the list at a time; journals each file not copied, and `done` for one
 * an earlier run had left not copied (the run's `copied` record covers the rest).
 */
async function readBack(
  copies: CopyList,
  run: RunTimes,
  outcome: CatchUpOutcome,
  journal: Journal,
  arm: <T>(fn: () => Promise<T>) => Promise<T>,
  opts: CatchUpOptions,
): Promise<void> {
  const totals = await copyTotals(opts.factory, run, arm);
  outcome.copyActivities = totals;
  outcome.confirmed = 0;
  for await (const batch of copies.batches()) {
    const check = await checkCopied(batch, run.runId, totals, { ...opts.readBack, retry: opts.retry, signal: opts.signal });
    outcome.requests += check.requests;
    for (const c of batch) {
      const reason = check.notCopied.get(c.id);
      if (reason) journal.record({ t: "notCopied", id: c.id, runId: run.runId, reason });
      else {
        outcome.confirmed++;
        if (journal.state.notCopied.has(c.id)) journal.record({ t: "done", id: c.id });
      }
      opts.onChecked?.(c, reason);
    }
  }
}

interface ListItem {
  source: string;
  filesystem: string;
  target: string;
  fileListPath: string;
}

async function writeLists(copies: CopyList, tag: string, opts: CatchUpOptions): Promise<ListItem[]> {
  const items: ListItem[] = [];
  const dir = `${opts.listFolder.replace(/\/+$/, "")}/${tag.slice(0, 16)}`;
  const parts = new Map<number, number>();
  for await (const { folder, text } of listTexts(copies.batches())) {
    const part = parts.get(folder) ?? 0;
    parts.set(folder, part + 1);
    const f = copies.folders[folder];
    const path = `${dir}/folder-${folder}-${part}.txt`;
    await opts.lists.write(path, text, opts.signal);
    // Dataset folder paths and the list path are written without the leading '/', as the other pipelines' folders are.
    items.push({ source: f.source.replace(/^\//, ""), filesystem: f.filesystem, target: f.target, fileListPath: path.replace(/^\//, "") });
  }
  return items;
}
