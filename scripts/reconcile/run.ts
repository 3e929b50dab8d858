import type { DataFactoryManagementClient } from "@azure/arm-datafactory";
import type { DataLakeServiceClient } from "@azure/storage-file-datalake";
import pLimit from "p-limit";
import type { FactoryTarget } from "../factory/target";
import { Interrupted, UsageError } from "../lib/cli";
import type { RetryOptions } from "../lib/retry";
import type { PrincipalMap } from "../validate/acl";
import { type CatchUpOutcome, type CopyList, catchUp } from "./catchUp";
import type { FileListWriter } from "./gen1Lists";
import { gen2Actions } from "./gen2";
import { type Journal, openJournal, pendingCopies } from "./journal";
import { type Action, type ActionKind, Capped, type CopyAction, type Place, type PlanSummary, type ReconcilePlan, type Unfixable, actionBatches, planHash, scanPlan } from "./plan";

export const DEFAULT_MAX_DELETE = 100;
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_LIST_FOLDER = "/adls-migration/catch-up";
export const KINDS = ["mkdir", "copy", "acl", "delete"] as const satisfies readonly ActionKind[];
/** Actions of a kind taken from the list and run (concurrently) at a time: what is held of the plan. */
const ACTION_BATCH = 5000;

/** Options of `reconcile`, every field optional but the clients. */
export interface ReconcileOptions {
  /** Gen2 account client (the target). */
  gen2: DataLakeServiceClient;
  /** The stack's factory, where `catch-up` runs. */
  factory: { client: DataFactoryManagementClient; target: FactoryTarget };
  /** Writes the catch-up file lists into Gen1. */
  fileLists: FileListWriter;
  /** Gen1 folder for the file lists (outside every migrated folder); default DEFAULT_LIST_FOLDER. */
  listFolder?: string;
  /** Source principal id → target id, applied to owners, groups and entries set from the source. */
  principalMap?: PrincipalMap;
  /** Filesystem → principal ids of the stack's `acls` rules: their entries on the target are kept. */
  keepPrincipals?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Delete extra paths (default false: listed only). */
  delete?: boolean;
  /** Refuse (UsageError, nothing changed) when more extra paths would be deleted; 0-10 000 000, default 100. */
  maxDelete?: number;
  /** Delete even above maxDelete. */
  force?: boolean;
  /** Only plan: nothing is written, no journal. */
  dryRun?: boolean;
  /** Journal file (required unless dryRun). */
  journalFile?: string;
  /** Continue the journal's unfinished run. */
  resume?: boolean;
  /** Gen2 requests in flight, 1-64; default 8. */
  concurrency?: number;
  /** Retries of every request (throttling, timeouts); default the shared loop's. */
  retry?: RetryOptions;
  /** Status polls of the catch-up run, in ms; default 15 000. */
  pollIntervalMs?: number;
  /** Longest wait for the catch-up run, in ms; default 7 days (the copy activity's timeout). */
  copyTimeoutMs?: number;
  abortSignal?: AbortSignal;
  /** Told after each action ends (done, unfixable or skipped because the journal had it). */
  onProgress?: (kind: ActionKind, path: string) => void;
  /** Told when the catch-up run was accepted (its id is journaled by then). */
  onCopyStarted?: (runId: string) => void;
}

export interface ReconcileResult {
  /** Nothing left to do: every action done, nothing unfixable, no extra path left. */
  ok: boolean;
  dryRun: boolean;
  planned: Record<ActionKind, number>;
  done: Record<ActionKind, number>;
  /** Done by an earlier run of the same journal. */
  resumed: number;
  /** What could not be fixed: the first RESULT_LISTED (scripts/reconcile/plan.ts); unfixableCount counts them all. */
  unfixable: Unfixable[];
  unfixableCount: number;
  /** Extra paths left in place (no --delete): the first RESULT_LISTED; extrasCount counts them all. */
  extras: Place[];
  extrasCount: number;
  catchUp?: CatchUpOutcome;
  /** HTTP requests made: Gen2, Gen1 (lists), ARM. */
  requests: number;
}

const zero = (): Record<ActionKind, number> => ({ mkdir: 0, copy: 0, acl: 0, delete: 0 });

/** What is left while a run goes on (filled from the first pass). */
interface Left {
  unfixable: Capped<Unfixable>;
  extras: Capped<Place>;
}

/**
 * Makes Gen2 converge on what the report says Gen1 holds. The plan's list is
 * read once to check and count (UsageError, nothing changed, for input it
 * cannot act on), then once per kind of action there is, ACTION_BATCH
 * actions at a time: memory does not grow with the number of differences.
 */
export async function reconcile(plan: ReconcilePlan, opts: ReconcileOptions): Promise<ReconcileResult> {
  const summary = await scanPlan(plan);
  checkPlan(summary, opts);
  const planned = { ...summary.planned, delete: opts.delete ? summary.planned.delete : 0 };
  const left: Left = { unfixable: summary.unfixable, extras: opts.delete ? new Capped(0) : summary.extras };
  const result: ReconcileResult = { ok: false, dryRun: opts.dryRun ?? false, planned, done: zero(), resumed: 0, unfixable: [], unfixableCount: 0, extras: [], extrasCount: 0, requests: 0 };
  const finish = (ok: boolean): ReconcileResult =>
    Object.assign(result, { ok, unfixable: left.unfixable.items, unfixableCount: left.unfixable.total, extras: left.extras.items, extrasCount: left.extras.total });
  const nothingLeft = () => left.unfixable.total === 0 && left.extras.total === 0;
  if (opts.dryRun) return finish(KINDS.every((k) => planned[k] === 0) && nothingLeft());
  if (!opts.journalFile) throw new UsageError("reconcile: a journal file is needed unless --dry-run");
  const journal = openJournal(opts.journalFile, planHash(plan), opts.resume ?? false);
  try {
    await execute(plan, journal, opts, result, left).catch((err: unknown) => {
      if (!opts.abortSignal?.aborted) throw err;
      throw new Interrupted(`reconcile: interrupted; the journal ${opts.journalFile} holds what was done (a started catch-up run included): run again with --resume`);
    });
    // Every action was tried and no catch-up run is in flight: the run is over, even with
    // leftovers, so the next validate → reconcile starts afresh (leftovers reappear in its report);
    // --resume can still retry them. A run still copying stays open: a fresh start would copy again.
    if (!journal.state.openCopy) journal.record({ t: "end", at: new Date().toISOString(), leftovers: left.unfixable.total });
  } finally {
    journal.close();
  }
  return finish(nothingLeft());
}

function checkPlan(summary: PlanSummary, opts: ReconcileOptions): void {
  const problems = [...summary.problems];
  const max = opts.maxDelete ?? DEFAULT_MAX_DELETE;
  const deletes = summary.planned.delete;
  if (opts.delete && !opts.force && deletes > max) {
    problems.push(`--delete would delete ${deletes} paths, more than --max-delete ${max}; check the report (a wrong folder mapping looks like a mass of extras), then raise --max-delete or pass --force`);
  }
  if (problems.length > 0) throw new UsageError("reconcile: refused, nothing changed", problems);
}

async function execute(plan: ReconcilePlan, journal: Journal, opts: ReconcileOptions, result: ReconcileResult, left: Left): Promise<void> {
  const retry = opts.retry ?? {};
  const gen2 = gen2Actions({ service: opts.gen2, principalMap: opts.principalMap, keep: opts.keepPrincipals ?? new Map(), retry, gen1Exists: (p, s) => opts.fileLists.exists(p, s) });
  const limit = pLimit(opts.concurrency ?? DEFAULT_CONCURRENCY);
  const runAll = async (actions: Exclude<Action, { kind: "copy" }>[]) => {
    await Promise.all(
      actions.map((a) =>
        limit(async () => {
          opts.abortSignal?.throwIfAborted();
          if (journal.state.done.has(a.id)) result.resumed++;
          else {
            const failed = await gen2.run(a, opts.abortSignal);
            if (failed) left.unfixable.add({ ...a, kind: a.kind, reason: failed });
            else {
              journal.record({ t: "done", id: a.id });
              result.done[a.kind]++;
            }
          }
          opts.onProgress?.(a.kind, a.gen2Path);
        }),
      ),
    );
  };
  const each = async (kind: Exclude<ActionKind, "copy">, run: (batch: Exclude<Action, { kind: "copy" }>[]) => Promise<void>) => {
    if (result.planned[kind] > 0) for await (const batch of actionBatches(plan, kind, ACTION_BATCH)) await run(batch);
  };
  try {
    // Parents first: a batch holds a directory's parent or comes after the one that does; within it, one depth level at a time.
    await each("mkdir", async (batch) => {
      for (const level of byDepth(batch)) await runAll(level);
    });
    await copyStep(plan, journal, opts, result, left);
    await each("acl", runAll);
    await each("delete", runAll);
  } finally {
    result.requests += gen2.requests + opts.fileLists.requests + (result.catchUp?.requests ?? 0);
  }
}

function byDepth<T extends Place>(batch: T[]): T[][] {
  const levels = new Map<number, T[]>();
  for (const a of batch) {
    const depth = a.gen2Path.split("/").length;
    const level = levels.get(depth);
    if (level) level.push(a);
    else levels.set(depth, [a]);
  }
  return [...levels.entries()].sort(([a], [b]) => a - b).map(([, level]) => level);
}

/**
 * The files no catch-up run copied yet (pendingCopies): all of them, or on a
 * resume after a Succeeded run only those it left not copied.
 */
async function copyStep(plan: ReconcilePlan, journal: Journal, opts: ReconcileOptions, result: ReconcileResult, left: Left): Promise<void> {
  const pending = pendingCopies(journal.state, result.planned.copy);
  result.resumed += result.planned.copy - pending.count;
  const batches = async function* (): AsyncIterable<CopyAction[]> {
    for await (const batch of actionBatches(plan, "copy", ACTION_BATCH)) {
      const todo = batch.filter((c) => pending.has(c.id));
      if (todo.length > 0) yield todo;
    }
  };
  const copies: CopyList = { folders: plan.folders, count: pending.count, batches };
  const outcome = await catchUp(copies, journal, {
    factory: opts.factory,
    lists: opts.fileLists,
    listFolder: opts.listFolder ?? DEFAULT_LIST_FOLDER,
    pollIntervalMs: opts.pollIntervalMs ?? 15_000,
    timeoutMs: opts.copyTimeoutMs ?? 7 * 86_400_000,
    retry: opts.retry ?? {},
    readBack: { gen2: opts.gen2, gen1Exists: (p, s) => opts.fileLists.exists(p, s), concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY },
    signal: opts.abortSignal,
    onStarted: opts.onCopyStarted,
    onChecked: (c, notCopied) => {
      if (notCopied) left.unfixable.add({ ...c, kind: "copy", reason: notCopied });
      else result.done.copy++;
      opts.onProgress?.("copy", c.gen2Path);
    },
  });
  if (!outcome) return;
  result.catchUp = outcome;
  const failed = outcome.status === "Succeeded" ? undefined : `catch-up run ${outcome.runId} ${outcome.status}: ${outcome.message}`;
  if (!failed) return;
  for await (const batch of batches()) {
    for (const c of batch) {
      left.unfixable.add({ ...c, kind: "copy", reason: failed });
      opts.onProgress?.("copy", c.gen2Path);
    }
  }
}
