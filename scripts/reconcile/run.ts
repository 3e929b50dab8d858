import { createHash } from "crypto";
import type { DataFactoryManagementClient } from "@azure/arm-datafactory";
import type { DataLakeServiceClient } from "@azure/storage-file-datalake";
import pLimit from "p-limit";
import type { FactoryTarget } from "../factory/target";
import { Interrupted, UsageError } from "../lib/cli";
import type { RetryOptions } from "../lib/retry";
import type { PrincipalMap } from "../validate/acl";
import { type CatchUpOutcome, catchUp } from "./catchUp";
import type { FileListWriter } from "./gen1Lists";
import { gen2Actions } from "./gen2";
import { type Journal, openJournal } from "./journal";
import { type Action, type Place, type ReconcilePlan, type Unfixable, metadataProblems, planFrom } from "./plan";
import type { ReportFolder } from "./report";

export const DEFAULT_MAX_DELETE = 100;
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_LIST_FOLDER = "/adls-migration/catch-up";
export const KINDS = ["mkdir", "copy", "acl", "delete"] as const;
export type ActionKind = (typeof KINDS)[number];

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
  unfixable: Unfixable[];
  /** Extra paths left in place (no --delete). */
  extras: Place[];
  catchUp?: CatchUpOutcome;
  /** HTTP requests made: Gen2, Gen1 (lists), ARM. */
  requests: number;
}

export function planHash(folders: ReportFolder[]): string {
  return createHash("sha256").update(JSON.stringify(folders)).digest("hex");
}

const zero = (): Record<ActionKind, number> => ({ mkdir: 0, copy: 0, acl: 0, delete: 0 });

/** Makes Gen2 converge on what the report says Gen1 holds. Throws UsageError (nothing changed) for input it cannot act on. */
export async function reconcile(folders: ReportFolder[], opts: ReconcileOptions): Promise<ReconcileResult> {
  const plan = planFrom(folders);
  checkPlan(plan, opts);
  const planned = { mkdir: plan.mkdir.length, copy: plan.copy.length, acl: plan.acl.length, delete: opts.delete ? plan.delete.length : 0 };
  const result: ReconcileResult = { ok: false, dryRun: opts.dryRun ?? false, planned, done: zero(), resumed: 0, unfixable: [...plan.unfixable], extras: opts.delete ? [] : [...plan.delete], requests: 0 };
  if (opts.dryRun) {
    result.ok = KINDS.every((k) => planned[k] === 0) && result.unfixable.length === 0 && result.extras.length === 0;
    return result;
  }
  if (!opts.journalFile) throw new UsageError("reconcile: a journal file is needed unless --dry-run");
  const journal = openJournal(opts.journalFile, planHash(folders), opts.resume ?? false);
  try {
    await execute(plan, journal, opts, result).catch((err: unknown) => {
      if (!opts.abortSignal?.aborted) throw err;
      throw new Interrupted(`reconcile: interrupted; the journal ${opts.journalFile} holds what was done (a started catch-up run included): run again with --resume`);
    });
    // Every action was tried and no catch-up run is in flight: the run is over, even with
    // leftovers, so the next validate → reconcile starts afresh (leftovers reappear in its report);
    // --resume can still retry them. A run still copying stays open: a fresh start would copy again.
    if (!journal.state.openCopy) journal.record({ t: "end", at: new Date().toISOString(), leftovers: result.unfixable.length });
  } finally {
    journal.close();
  }
  result.ok = result.unfixable.length === 0 && result.extras.length === 0;
  return result;
}

function checkPlan(plan: ReconcilePlan, opts: ReconcileOptions): void {
  const problems = metadataProblems(plan);
  const max = opts.maxDelete ?? DEFAULT_MAX_DELETE;
  if (opts.delete && !opts.force && plan.delete.length > max) {
    problems.push(`--delete would delete ${plan.delete.length} paths, more than --max-delete ${max}; check the report (a wrong folder mapping looks like a mass of extras), then raise --max-delete or pass --force`);
  }
  if (problems.length > 0) throw new UsageError("reconcile: refused, nothing changed", problems);
}

async function execute(plan: ReconcilePlan, journal: Journal, opts: ReconcileOptions, result: ReconcileResult): Promise<void> {
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
            if (failed) result.unfixable.push({ ...a, kind: a.kind, reason: failed });
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
  try {
    // Parents first: one depth level at a time.
    for (const level of [...new Set(plan.mkdir.map((a) => a.gen2Path.split("/").length))]) await runAll(plan.mkdir.filter((a) => a.gen2Path.split("/").length === level));
    await copyStep(plan, journal, opts, result);
    await runAll(plan.acl);
    if (opts.delete) await runAll(plan.delete);
  } finally {
    result.requests += gen2.requests + opts.fileLists.requests + (result.catchUp?.requests ?? 0);
  }
}

async function copyStep(plan: ReconcilePlan, journal: Journal, opts: ReconcileOptions, result: ReconcileResult): Promise<void> {
  const pending = plan.copy.filter((c) => !journal.state.done.has(c.id));
  result.resumed += plan.copy.length - pending.length;
  const ran = await catchUp(plan, journal, {
    factory: opts.factory,
    lists: opts.fileLists,
    listFolder: opts.listFolder ?? DEFAULT_LIST_FOLDER,
    pollIntervalMs: opts.pollIntervalMs ?? 15_000,
    timeoutMs: opts.copyTimeoutMs ?? 7 * 86_400_000,
    retry: opts.retry ?? {},
    readBack: { gen2: opts.gen2, gen1Exists: (p, s) => opts.fileLists.exists(p, s), concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY },
    signal: opts.abortSignal,
    onStarted: opts.onCopyStarted,
  });
  if (!ran) return;
  const { outcome, notCopied } = ran;
  result.catchUp = outcome;
  for (const c of pending) {
    const reason = outcome.status === "Succeeded" ? notCopied.get(c.id) : `catch-up run ${outcome.runId} ${outcome.status}: ${outcome.message}`;
    if (reason) result.unfixable.push({ ...c, kind: "copy", reason });
    else result.done.copy++;
  }
  for (const c of plan.copy) opts.onProgress?.("copy", c.gen2Path);
}
