import type { DataFactoryManagementClient } from "@azure/arm-datafactory";
import { PIPELINES } from "../../components/factory/definitions";
import type { FactoryTarget } from "../factory/target";
import { type RetryOptions, sleep, withRetry } from "../lib/retry";
import { type FileListWriter, listTexts } from "./gen1Lists";
import { type Journal, copySucceeded } from "./journal";

/**
 * The files to copy go to Data Factory, never through this process: one
 * list file per folder (or per 4 MB of paths) in Gen1, then one run of the
 * `catch-up` pipeline with an item per list, monitored until it ends. The
 * run id is journaled the moment ADF accepts the run, so a resumed
 * reconcile waits for that run instead of copying again.
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
  signal?: AbortSignal;
  /** Told once ADF accepted the run (after its id is journaled). */
  onStarted?: (runId: string) => void;
}

/** The files to copy, read from the report's list on each pass (none of it held). */
export interface CopyList {
  /** The plan's folders; a file's `folder` is its index here. */
  folders: readonly { source: string; filesystem: string; target: string }[];
  /** The files, each folder's together, in batches; a new pass each call. */
  batches(): AsyncIterable<{ folder: number; path: string }[]>;
  /** How many files a pass yields. */
  count: number;
}

export interface CatchUpOutcome {
  runId: string;
  status: string;
  message: string;
  files: number;
  lists: number;
  /** ARM calls made (createRun and status reads). */
  requests: number;
}

const FINAL = new Set(["Succeeded", "Failed", "Cancelled"]);

/** The run that copies `copies`; undefined when there is nothing to copy or the journal's run copied them. */
export async function catchUp(copies: CopyList, journal: Journal, opts: CatchUpOptions): Promise<CatchUpOutcome | undefined> {
  const open = journal.state.openCopy;
  if (!open && (copies.count === 0 || copySucceeded(journal.state))) return undefined;
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
      // Succeeded: every copy of the plan is done (copySucceeded), without a record per file.
      journal.record({ t: "copied", runId, status: run.status });
      return { runId, status: run.status, message: run.message ?? "", files, lists, requests };
    }
    if (Date.now() + opts.pollIntervalMs > deadline) return { runId, status: run.status ?? "InProgress", message: "still running when reconcile stopped waiting; run reconcile --resume to wait for it", files, lists, requests };
    await sleep(opts.pollIntervalMs, opts.signal);
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
