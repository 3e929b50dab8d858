import type { DataFactoryManagementClient } from "@azure/arm-datafactory";
import { PIPELINES } from "../../components/factory/definitions";
import type { FactoryTarget } from "../factory/target";
import { type RetryOptions, sleep, withRetry } from "../lib/retry";
import { type CopyTotals, type RunTimes, copyTotals } from "./copyActivities";
import { type FileListWriter, listTexts } from "./gen1Lists";
import type { Journal } from "./journal";
import type { ReconcilePlan } from "./plan";
import { type CopyCheckOptions, checkCopied } from "./verifyCopy";

/**
 * The files to copy go to Data Factory, never through this process: one
 * list file per folder (or per 4 MB of paths) in Gen1, then one run of the
 * `catch-up` pipeline with an item per list, monitored until it ends. The
 * run id is journaled the moment ADF accepts the run, so a resumed
 * reconcile waits for that run instead of copying again. A Succeeded run is
 * checked before anything is counted (verifyCopy.ts): only the files read
 * back from Gen2 are journaled done, and the run is journaled ended after
 * that check, so a reconcile stopped during it checks again on --resume.
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

export interface CatchUpResult {
  outcome: CatchUpOutcome;
  /** Copy action id → why a file of a Succeeded run is not counted as copied. */
  notCopied: Map<string, string>;
}

const FINAL = new Set(["Succeeded", "Failed", "Cancelled"]);

export async function catchUp(plan: ReconcilePlan, journal: Journal, opts: CatchUpOptions): Promise<CatchUpResult | undefined> {
  const open = journal.state.openCopy;
  const pending = plan.copy.filter((c) => !journal.state.done.has(c.id));
  if (!open && pending.length === 0) return undefined;
  let requests = 0;
  const arm = <T>(fn: () => Promise<T>) => withRetry(() => (requests++, fn()), { ...opts.retry, signal: opts.signal });
  const { client, target } = opts.factory;
  let runId: string;
  let files: number;
  let lists = 0;
  if (open) ({ runId, files } = open);
  else {
    const items = await writeLists(plan, pending, journal.state.planHash, opts);
    lists = items.length;
    files = pending.length;
    runId = (await arm(() => client.pipelines.createRun(target.resourceGroupName, target.factoryName, PIPELINES.catchUp, { parameters: { lists: items } }))).runId;
    journal.record({ t: "copy", runId, files });
    opts.onStarted?.(runId);
  }
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const run = await arm(() => client.pipelineRuns.get(target.resourceGroupName, target.factoryName, runId));
    if (run.status && FINAL.has(run.status)) {
      const outcome: CatchUpOutcome = { runId, status: run.status, message: run.message ?? "", files, lists, requests: 0 };
      const notCopied = run.status === "Succeeded" ? await readBack(pending, { runId, runStart: run.runStart, runEnd: run.runEnd }, outcome, journal, arm, opts) : new Map<string, string>();
      outcome.requests += requests;
      journal.record({ t: "copied", runId, status: run.status });
      return { outcome, notCopied };
    }
    if (Date.now() + opts.pollIntervalMs > deadline) {
      return { outcome: { runId, status: run.status ?? "InProgress", message: "still running when reconcile stopped waiting; run reconcile --resume to wait for it", files, lists, requests }, notCopied: new Map() };
    }
    await sleep(opts.pollIntervalMs, opts.signal);
  }
}

/** Sums the run's Copy outputs and reads every file back from Gen2; journals each file done or not copied. Returns the not copied ones. */
async function readBack(
  pending: ReconcilePlan["copy"],
  run: RunTimes,
  outcome: CatchUpOutcome,
  journal: Journal,
  arm: <T>(fn: () => Promise<T>) => Promise<T>,
  opts: CatchUpOptions,
): Promise<Map<string, string>> {
  outcome.copyActivities = await copyTotals(opts.factory, run, arm);
  const check = await checkCopied(pending, run.runId, outcome.copyActivities, { ...opts.readBack, retry: opts.retry, signal: opts.signal });
  for (const c of pending) {
    const reason = check.notCopied.get(c.id);
    journal.record(reason ? { t: "notCopied", id: c.id, runId: run.runId, reason } : { t: "done", id: c.id });
  }
  outcome.confirmed = pending.length - check.notCopied.size;
  outcome.requests += check.requests;
  return check.notCopied;
}

interface ListItem {
  source: string;
  filesystem: string;
  target: string;
  fileListPath: string;
}

async function writeLists(plan: ReconcilePlan, pending: ReconcilePlan["copy"], tag: string, opts: CatchUpOptions): Promise<ListItem[]> {
  const items: ListItem[] = [];
  const dir = `${opts.listFolder.replace(/\/+$/, "")}/${tag.slice(0, 16)}`;
  for (const [index, f] of plan.folders.entries()) {
    const paths = pending.filter((c) => c.folder === index).map((c) => c.path);
    for (const [part, text] of listTexts(paths).entries()) {
      const path = `${dir}/folder-${index}-${part}.txt`;
      await opts.lists.write(path, text, opts.signal);
      // Dataset folder paths and the list path are written without the leading '/', as the other pipelines' folders are.
      items.push({ source: f.source.replace(/^\//, ""), filesystem: f.filesystem, target: f.target, fileListPath: path.replace(/^\//, "") });
    }
  }
  return items;
}
