import type { DataLakeServiceClient } from "@azure/storage-file-datalake";
import { AdaptiveLimit } from "../lib/adaptiveLimit";
import { Interrupted, UsageError } from "../lib/cli";
import { startJob } from "../lib/progress";
import { RetryOptions, errorReason, isThrottling } from "../lib/retry";
import { FailedEntry, outcome, ruleState, totals } from "./checkpoint";
import { Journal, checkJournal, memoryJournal } from "./journal";
import { Lake, createLake } from "./lake";
import { PlannedDirectory, plannedLake } from "./plannedLake";
import { RulePlan, parentsOf, planRule, setModeWarning, validateRules } from "./plan";
import { RuleDiff, diffRule } from "./diff";
import type { UnitState } from "./checkpoint";
import { RunContext, grantTraverse, rootSetAcl, runUnits } from "./run";
import type { ResolvedRule } from "./spec";

/**
 * The ACL applier. Per rule, in spec order (later rules may refine earlier
 * ones): grant --x on the parents (traverse), then apply the rule to the rule
 * root and every path below it. The SDK runs recursive batches serially, so
 * the rule root is split into independent subtrees (its child directories
 * and files) that run with adaptive concurrency, each batch by batch with its
 * continuation token journaled.
 */

export { FANOUT_MAX_FILES } from "./lake";
export { parentsOf } from "./plan";

/** Recursive ACL batch size, paths per request: 1-2000, default the service maximum 2000. */
export const MAX_BATCH = 2000;
/** A fixed concurrency (--concurrency): 1-256. Without one, the applier adapts up to DEFAULT_MAX_CONCURRENCY. */
export const MAX_CONCURRENCY = 256;
/** Upper bound of the adaptive concurrency (--max-concurrency): 1-256, default 64. */
export const DEFAULT_MAX_CONCURRENCY = 64;
/**
 * Retries of every request (reads, listings, writes): for up to 10 minutes
 * per request, so minutes of throttling pass without failing a subtree;
 * backoff from 250 ms doubling to 30 s with full jitter, Retry-After
 * honoured; 60 s per attempt, twice the service's own 30 s server timeout
 * ("The maximum timeout interval for Blob service operations is 30 seconds",
 * learn.microsoft.com/rest/api/storageservices/setting-timeouts-for-blob-service-operations),
 * so a stalled socket is abandoned and retried. The SDK's own policy is off
 * (clients are built with maxTries 1) because it does not retry 429.
 */
export const DEFAULT_RETRY: RetryOptions = { budgetMs: 10 * 60_000, baseDelayMs: 250, maxDelayMs: 30_000, timeoutMs: 60_000 };

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
  /** A fixed number of subtrees at a time, 1-MAX_CONCURRENCY; default: adaptive (see maxConcurrency). */
  concurrency?: number;
  /** Upper bound of the adaptive concurrency, 1-MAX_CONCURRENCY; default DEFAULT_MAX_CONCURRENCY. Ignored with `concurrency`. */
  maxConcurrency?: number;
  /** The journal (resume state and lock); not used for dry runs. */
  checkpointFile: string;
  resume: boolean;
  /**
   * Apply every subtree without looking first (the default leaves out
   * subtrees known to be right): faster than reading every path when most
   * of a large tree is expected to differ.
   */
  full?: boolean;
  /** Paths per recursive ACL request, 1-MAX_BATCH; default MAX_BATCH. */
  batchSize?: number;
  /** Default DEFAULT_RETRY. */
  retry?: RetryOptions;
  signal?: AbortSignal;
  events?: ApplyEvents;
  /**
   * Directories this run creates before applying (post-deploy's folders
   * step): the checks and a dry run treat them as existing, empty, with the
   * ACL the service gives a new directory. Default none.
   */
  newDirectories?: PlannedDirectory[];
  /** Dry runs: keep the per-path list in each rule's diff (long for large trees). Default false. */
  listPaths?: boolean;
}

export interface RuleSummary {
  path: string;
  mode: string;
  changed: boolean;
  /** Parents that got --x (traverse). */
  traversed: string[];
  /** Subtrees applied (or, in a dry run, that would be). */
  subtrees: number;
  /** Subtrees left alone because they already had the wanted entries. */
  unchanged: number;
  /** Paths read below the top paths to confirm that subtrees were right. */
  checked: number;
  /** Subtrees taken as right by their top path alone, because the previous finished run of this journal recorded them. */
  trusted: number;
  /** Dry runs only: exact per-path figures (and, with listPaths, the per-path list). */
  diff?: RuleDiff;
}

export interface ApplySummary {
  directories: number;
  files: number;
  failures: number;
  failedEntries: FailedEntry[];
  rules: RuleSummary[];
  changed: boolean;
  /** Where the adaptive concurrency ended (settled), the highest it reached, its bound, and how often throttling cut it. */
  concurrency: { settled: number; peak: number; max: number; adaptive: boolean; cuts: number };
}

/** A stop (SIGINT, SIGTERM, SIGHUP) during an apply: the journal holds the position for --resume. */
export class ApplyAborted extends Interrupted {}

/** An apply whose input passed every check (rules against the lake, the journal and its lock), nothing written yet. */
export interface PreparedApply {
  run(): Promise<ApplySummary>;
  /** Gives the journal's lock back without running. */
  release(): void;
}

/**
 * Checks everything an apply needs before it writes: the rules against the
 * lake as it will be (`newDirectories` counted as created), the journal and
 * its lock. Throws UsageError ("nothing was changed") on bad input.
 */
export async function prepareApply(opts: ApplyOptions): Promise<PreparedApply> {
  const events = opts.events ?? {};
  const max = opts.concurrency ?? opts.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
  const gate = new AdaptiveLimit({ max, initial: opts.concurrency, adaptive: opts.concurrency === undefined });
  const lake = createLake({
    service: opts.service,
    retry: opts.retry ?? DEFAULT_RETRY,
    signal: opts.signal,
    onRetry: (err, delayMs) => {
      if (isThrottling(err)) gate.throttled();
      events.retry?.(errorReason(err), delayMs);
    },
    onSuccess: () => gate.succeeded(),
  });
  const planned = opts.newDirectories && opts.newDirectories.length > 0 ? plannedLake(lake, opts.newDirectories) : lake;
  const problems = await validateRules(planned, opts.rules, gate.run);
  if (problems.length > 0) throw new UsageError("ACL spec cannot be applied; nothing was changed", problems);
  const checked = opts.dryRun ? undefined : checkJournal({ file: opts.checkpointFile, resume: opts.resume, rules: opts.rules, accountUrl: opts.accountUrl });
  return {
    // A dry run sees the planned directories; a real run comes after they were created.
    run: () => runApply(opts, { lake: opts.dryRun ? planned : lake, gate, max, journal: checked ? checked.start() : memoryJournal(opts.rules, opts.accountUrl) }),
    release: () => checked?.release(),
  };
}

export async function applyAcls(opts: ApplyOptions): Promise<ApplySummary> {
  return (await prepareApply(opts)).run();
}

async function runApply(opts: ApplyOptions, run: { lake: Lake; gate: AdaptiveLimit; max: number; journal: Journal }): Promise<ApplySummary> {
  const events = opts.events ?? {};
  const { gate, max, journal } = run;
  const ctx: RunContext = {
    lake: run.lake,
    journal,
    limit: gate.run,
    batchSize: opts.batchSize ?? MAX_BATCH,
    dryRun: opts.dryRun,
    signal: opts.signal,
    events,
    listPaths: opts.listPaths,
  };
  const summaries: RuleSummary[] = [];
  try {
    for (const rule of opts.rules) summaries.push(await applyRule(ctx, rule, { full: opts.full ?? false, slots: () => gate.limit }));
    journal.record({ t: "end", status: outcome(journal.state) });
  } catch (err) {
    journal.record({ t: "end", status: "failed" });
    if (opts.signal?.aborted) throw new ApplyAborted(`stopped; ${opts.checkpointFile} holds the position, run again with --resume`);
    throw err;
  } finally {
    journal.close();
  }
  const concurrency = { settled: gate.limit, peak: gate.peak, max, adaptive: opts.concurrency === undefined, cuts: gate.cuts };
  const adapted = `settled at ${concurrency.settled} (peak ${concurrency.peak}, max ${max}, cut ${gate.cuts} times on throttling)`;
  events.note?.(`concurrency: ${concurrency.adaptive ? adapted : `fixed at ${max}`}`);
  const { state } = journal;
  return { ...totals(state), failedEntries: state.failedEntries, rules: summaries, changed: summaries.some((s) => s.changed), concurrency };
}

/** The dry run's exact figures for one rule (every path of the subtrees to apply read). */
async function dryRunDiff(ctx: RunContext, rule: ResolvedRule, units: UnitState[], at: { traversed: string[]; plan?: RulePlan }): Promise<RuleDiff> {
  const setAcl = rule.mode === "set" && units.some((u) => u.kind === "tree") ? await rootSetAcl(ctx, rule) : undefined;
  const diff = await diffRule({
    lake: ctx.lake,
    rule,
    units,
    traversed: at.traversed,
    setAcl,
    rightWhilePlanning: at.plan?.rightPaths ?? 0,
    trusted: at.plan?.trusted ?? 0,
    listPaths: ctx.listPaths ?? false,
    limit: ctx.limit,
  });
  // Parents read for the traverse that already had --x.
  const parentsRight = rule.traverse ? parentsOf(rule.directory).length - at.traversed.length : 0;
  const alreadyRight = diff.alreadyRight + parentsRight;
  return { ...diff, alreadyRight, checked: diff.wouldChange + alreadyRight };
}

/**
 * One rule: traverse (--x on the parents) and planning run together (both
 * read-mostly and independent; against a distant account each is a few
 * round trips), then the subtrees. A resume keeps the stored plan.
 */
async function applyRule(ctx: RunContext, rule: ResolvedRule, opts: { full: boolean; slots: () => number }): Promise<RuleSummary> {
  const { journal } = ctx;
  const rs = ruleState(journal.state, rule.index);
  const summary: RuleSummary = { path: rule.path, mode: rule.mode, changed: false, traversed: [], subtrees: 0, unchanged: 0, checked: 0, trusted: 0 };
  if (rs.state === "done") {
    ctx.events.ruleStart?.(rule, 0);
    return summary;
  }
  const [traverse, plan] = await Promise.all([
    rule.traverse && !rs.traverseDone ? grantTraverse(ctx, rule) : Promise.resolve({ changed: [], failed: 0 }),
    rs.units ? undefined : planRule(ctx.lake, rule, { full: opts.full, slots: opts.slots(), limit: ctx.limit, trusted: journal.trusted(rule.index) }),
  ]);
  summary.traversed = traverse.changed;
  // A parent that failed keeps the traverse pending, so --resume grants it again.
  if (!rs.traverseDone && (!rule.traverse || traverse.failed === 0)) journal.record({ t: "traverse", r: rule.index });
  if (plan) {
    journal.record({ t: "plan", r: rule.index, units: plan.units.map((u) => ({ path: u.path, kind: u.kind })), verified: plan.verified });
    Object.assign(summary, { unchanged: plan.unchanged, checked: plan.checked, trusted: plan.trusted });
    if (plan.trusted > 0) ctx.events.note?.(`${rule.path}: ${plan.trusted} subtree${plan.trusted === 1 ? "" : "s"} taken as right from the last finished run of the journal (paths below them not re-read; --full applies them)`);
  }
  const units = rs.units ?? [];
  summary.subtrees = units.length;
  summary.changed = summary.traversed.length > 0 || units.length > 0;
  const open = units.filter((u) => u.state !== "done");
  if (rule.mode === "set" && open.length > 0) {
    const warning = await setModeWarning(ctx.lake, rule);
    if (warning) ctx.events.warn?.(warning);
  }
  ctx.events.ruleStart?.(rule, open.length);
  if (ctx.dryRun) {
    summary.diff = await dryRunDiff(ctx, rule, units, { traversed: summary.traversed, plan });
    return summary;
  }
  await runUnits(ctx, rule, units);
  journal.record({ t: "ruleDone", r: rule.index });
  return summary;
}
