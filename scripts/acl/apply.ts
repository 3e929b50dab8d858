import type { DataLakeServiceClient } from "@azure/storage-file-datalake";
import pLimit from "p-limit";
import { Interrupted, UsageError } from "../lib/cli";
import { formatAces } from "./aclModel";
import { CheckpointStore, FailedEntry, fileStore, finishRule, finishRun, memoryStore, recordRetry, ruleState, startRule, startRun, traverseDone } from "./checkpoint";
import { createLake } from "./lake";
import { planRule, setModeWarning, validateRules } from "./plan";
import { startJob } from "../lib/progress";
import type { RetryOptions } from "../lib/retry";
import { RunContext, grantTraverse, runUnits } from "./run";
import type { ResolvedRule } from "./spec";

/**
 * The ACL applier. Per rule, in spec order (later rules may refine earlier
 * ones): grant --x on the parents (traverse), then apply the rule to the rule
 * root and every path below it. The SDK runs recursive batches serially, so
 * the rule root is split into independent subtrees (its child directories
 * and files) that run with bounded concurrency, each batch by batch with its
 * continuation token checkpointed.
 */

/** Recursive ACL batch size, paths per request: 1-2000, default the service maximum 2000. */
export const MAX_BATCH = 2000;
/** Subtrees applied at the same time: 1-64, default 16. */
export const DEFAULT_CONCURRENCY = 16;
export const MAX_CONCURRENCY = 64;
/**
 * Retries of every request (reads, listings, writes): 8 attempts, backoff
 * from 250 ms doubling to 30 s. The SDK's own policy is off (clients are
 * built with maxTries 1) because it does not retry 429.
 */
export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 8, baseDelayMs: 250, maxDelayMs: 30_000 };
export { FANOUT_MAX_FILES } from "./lake";
export { parentsOf } from "./plan";

export interface ApplyEvents {
  /** A rule was planned; `units` subtrees to apply (0: nothing to change). */
  ruleStart?(rule: ResolvedRule, units: number): void;
  /** Paths written (directories + files) and failures, after each batch or single write. */
  progress?(delta: { paths: number; failures: number }): void;
  unitDone?(): void;
  retry?(reason: string, delayMs: number): void;
  /** Human-readable plan lines (dry run) and notes. */
  note?(line: string): void;
  /** Something the user should know before the rule is applied (dry runs included). */
  warn?(line: string): void;
}

/**
 * The applier's events shown with the shared progress module: a bar of
 * subtrees with paths, paths/s, failures, retries and ETA (plain lines every
 * intervalMs when not a terminal, retries included). Always on stderr so
 * stdout stays clean for --json.
 */
export function applyProgress(opts: { tty: boolean; write: (line: string) => void; intervalMs?: number }): ApplyEvents & { stop(): void } {
  const job = startJob({ ...opts, label: "ACL", units: "subtrees", counts: ["paths", "failures", "retries"] as const });
  return {
    ruleStart(rule, n) {
      job.grow(n);
      if (n === 0) job.line(`${rule.path}: nothing to change`);
      else if (!opts.tty) job.line(`${rule.path}: ${n} subtree${n === 1 ? "" : "s"} to apply (${rule.mode})`);
    },
    progress(d) {
      job.add("paths", d.paths);
      job.add("failures", d.failures);
    },
    unitDone: () => job.unitDone(),
    retry(reason, delayMs) {
      job.add("retries", 1);
      if (!opts.tty) job.line(`retrying after ${reason} in ${Math.round(delayMs)} ms`);
    },
    note: (line) => job.line(line),
    warn: (line) => job.line(`warning: ${line}`),
    stop: () => job.stop(),
  };
}

export interface ApplyOptions {
  service: DataLakeServiceClient;
  accountUrl: string;
  rules: ResolvedRule[];
  dryRun: boolean;
  /** Subtrees applied at the same time, 1-MAX_CONCURRENCY; default DEFAULT_CONCURRENCY. */
  concurrency?: number;
  /** Not used for dry runs. */
  checkpointFile: string;
  resume: boolean;
  /**
   * Apply every subtree, even those whose top path already has the entries
   * (the default skips them): paths added below since, e.g. by a copy that
   * preserves ACLs, are only fixed this way.
   */
  full?: boolean;
  /** Paths per recursive ACL request, 1-MAX_BATCH; default MAX_BATCH. */
  batchSize?: number;
  /** Default DEFAULT_RETRY. */
  retry?: RetryOptions;
  signal?: AbortSignal;
  events?: ApplyEvents;
}

export interface RuleSummary {
  path: string;
  mode: string;
  changed: boolean;
  /** Parents that got --x (traverse). */
  traversed: string[];
  /** Subtrees applied (or, in a dry run, that would be). */
  subtrees: number;
  /** Subtrees left alone because their top path already had the wanted entries. */
  unchanged: number;
}

export interface ApplySummary {
  directories: number;
  files: number;
  failures: number;
  failedEntries: FailedEntry[];
  rules: RuleSummary[];
  changed: boolean;
}

/** Ctrl-C during an apply: the checkpoint holds the position for --resume. */
export class ApplyAborted extends Interrupted {}

export async function applyAcls(opts: ApplyOptions): Promise<ApplySummary> {
  const events = opts.events ?? {};
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  const limit = pLimit(concurrency);
  let store: CheckpointStore | undefined;
  const lake = createLake({
    service: opts.service,
    retry: opts.retry ?? DEFAULT_RETRY,
    signal: opts.signal,
    onRetry: (reason, delayMs) => {
      if (store) recordRetry(store.state);
      events.retry?.(reason, delayMs);
    },
  });

  const problems = await validateRules(lake, opts.rules, limit);
  if (problems.length > 0) throw new UsageError("ACL spec cannot be applied; nothing was changed", problems);

  store = opts.dryRun
    ? memoryStore(opts.rules, opts.accountUrl)
    : fileStore({ file: opts.checkpointFile, resume: opts.resume, rules: opts.rules, accountUrl: opts.accountUrl });
  startRun(store.state, opts.resume);
  const ctx: RunContext = { lake, store, limit, batchSize: opts.batchSize ?? MAX_BATCH, dryRun: opts.dryRun, signal: opts.signal, events };
  const summaries: RuleSummary[] = [];
  try {
    for (const rule of opts.rules) summaries.push(await applyRule(ctx, rule, opts));
  } catch (err) {
    finishRun(store.state, "stopped");
    store.save();
    if (opts.signal?.aborted) throw new ApplyAborted("stopped; the checkpoint holds the position, run again with --resume");
    throw err;
  }
  finishRun(store.state, "ended");
  store.save();
  const { counters, failedEntries } = store.state;
  return { directories: counters.directories, files: counters.files, failures: counters.failures, failedEntries, rules: summaries, changed: summaries.some((s) => s.changed) };
}

/**
 * One rule: traverse (--x on the parents) and planning run together (both
 * read-mostly and independent; against a distant account each is a few
 * round trips), then the subtrees. A resume keeps the stored plan.
 */
async function applyRule(ctx: RunContext, rule: ResolvedRule, opts: ApplyOptions): Promise<RuleSummary> {
  const cp = ctx.store.state;
  const rs = ruleState(cp, rule.index);
  const summary: RuleSummary = { path: rule.path, mode: rule.mode, changed: false, traversed: [], subtrees: 0, unchanged: 0 };
  if (rs.state === "done") {
    ctx.events.ruleStart?.(rule, 0);
    return summary;
  }
  const [traverse, plan] = await Promise.all([
    rule.traverse && !rs.traverseDone ? grantTraverse(ctx, rule) : Promise.resolve({ changed: [], failed: 0 }),
    rs.units ? undefined : planRule(ctx.lake, rule, { full: opts.full ?? false, slots: opts.concurrency ?? DEFAULT_CONCURRENCY, limit: ctx.limit }),
  ]);
  summary.traversed = traverse.changed;
  // A parent that failed keeps the traverse pending, so --resume grants it again.
  if (rule.traverse && traverse.failed === 0) traverseDone(cp, rule.index);
  summary.unchanged = plan?.unchanged ?? 0;
  const units = startRule(cp, rule.index, plan?.units);
  summary.subtrees = units.length;
  summary.changed = summary.traversed.length > 0 || units.length > 0;
  ctx.store.save();
  const open = units.filter((u) => u.state !== "done");
  if (rule.mode === "set" && open.length > 0) {
    const warning = await setModeWarning(ctx.lake, rule);
    if (warning) ctx.events.warn?.(warning);
  }
  ctx.events.ruleStart?.(rule, open.length);
  if (ctx.dryRun) {
    for (const u of units) ctx.events.note?.(`${rule.filesystem}/${u.path || "(root)"}: would ${rule.mode} ${formatAces(rule.entries)}${u.kind === "tree" ? " (and everything below)" : ""}`);
    if (units.length === 0 && summary.traversed.length === 0) ctx.events.note?.(`${rule.path}: no change`);
    return summary;
  }
  await runUnits(ctx, rule, open);
  finishRule(cp, rule.index, rule.traverse);
  ctx.store.save();
  return summary;
}
