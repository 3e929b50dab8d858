import { createHash } from "crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "fs";
import { UsageError } from "../lib/cli";
import type { ResolvedRule } from "./spec";

/**
 * Resume state of an apply run, as a small state machine. A rule goes
 * pending → running (planned) → done; a unit (subtree) pending → done or
 * failed, a tree unit carrying the continuation token of its next batch
 * while part-way. Every change is one named transition below; the applier
 * never edits the state directly, and the store persists after each one.
 */

export interface UnitState {
  /** Path inside the filesystem; "" is the root. */
  path: string;
  /** self: the rule root alone (setAccessControl); tree: the path and everything below (recursive API). */
  kind: "self" | "tree";
  state: "pending" | "done" | "failed";
  /** Continuation token of the next batch, while a tree unit is part-way. */
  token?: string;
  /** Paths below this unit that failed so far; a unit with any is redone from its start on --resume, one without continues from its token. */
  failures?: number;
}

export interface RuleState {
  index: number;
  state: "pending" | "running" | "done";
  traverseDone: boolean;
  /** Planned once per run, when the rule starts; fixed from then on so a resume sees the same subtrees. */
  units?: UnitState[];
}

export interface FailedEntry {
  path: string;
  reason: string;
}

export interface Counters {
  directories: number;
  files: number;
  failures: number;
  batches: number;
  retries: number;
}

export interface Checkpoint {
  version: 1;
  specHash: string;
  accountUrl: string;
  startedAt: string;
  updatedAt: string;
  status: "running" | "failed" | "complete";
  rules: RuleState[];
  counters: Counters;
  /** The first MAX_FAILED_ENTRIES failures; counters.failures has the total. */
  failedEntries: FailedEntry[];
}

export const MAX_FAILED_ENTRIES = 10_000;
export const DEFAULT_CHECKPOINT = ".acl-checkpoint.json";

export function specHash(rules: ResolvedRule[]): string {
  return createHash("sha256").update(JSON.stringify(rules)).digest("hex").slice(0, 16);
}

export function newCheckpoint(rules: ResolvedRule[], accountUrl: string): Checkpoint {
  const now = new Date().toISOString();
  return {
    version: 1,
    specHash: specHash(rules),
    accountUrl,
    startedAt: now,
    updatedAt: now,
    status: "running",
    rules: rules.map((r) => ({ index: r.index, state: "pending", traverseDone: false })),
    counters: { directories: 0, files: 0, failures: 0, batches: 0, retries: 0 },
    failedEntries: [],
  };
}

// ---- transitions ----------------------------------------------------------

export function ruleState(cp: Checkpoint, rule: number): RuleState {
  const rs = cp.rules.find((r) => r.index === rule);
  if (!rs) throw new Error(`checkpoint has no rule ${rule}`);
  return rs;
}

/**
 * A run starts (status running). A resumed run redoes every failure the
 * checkpoint recorded, so the failure counters and list start empty and the
 * final status reflects this run alone. A subtree with failed paths starts
 * over (the service reports no token to go back to them); one whose request
 * failed as a whole, with no failed path, continues from its recorded token.
 */
export function startRun(cp: Checkpoint, resume: boolean): void {
  cp.status = "running";
  if (!resume) return;
  cp.counters.failures = 0;
  cp.failedEntries = [];
  for (const rs of cp.rules) {
    for (const u of rs.units ?? []) {
      // A unit interrupted after some failed paths is not "failed" yet, but its failures were just forgotten too.
      if ((u.failures ?? 0) > 0) Object.assign(u, { state: "pending", token: undefined, failures: 0 });
      else if (u.state === "failed") u.state = "pending";
    }
    if (rs.state === "done" && rs.units?.some((u) => u.state !== "done")) rs.state = "running";
  }
}

/** A path failed (per-path failure or a request that kept failing). */
export function recordFailure(cp: Checkpoint, failure: FailedEntry): void {
  cp.counters.failures += 1;
  if (cp.failedEntries.length < MAX_FAILED_ENTRIES) cp.failedEntries.push(failure);
}

/** One ACL write outside a recursive batch succeeded (a traversed parent, a rule root alone). */
export function recordWrite(cp: Checkpoint): void {
  cp.counters.directories += 1;
}

export function recordRetry(cp: Checkpoint): void {
  cp.counters.retries += 1;
}

/** The rule's traverse finished with every parent granted (a failed parent leaves it pending for --resume). */
export function traverseDone(cp: Checkpoint, rule: number): void {
  ruleState(cp, rule).traverseDone = true;
}

/** The rule's subtrees are fixed (kept as they are when a resume already has them) and it runs. */
export function startRule(cp: Checkpoint, rule: number, planned: UnitState[] | undefined): UnitState[] {
  const rs = ruleState(cp, rule);
  if (planned) rs.units = planned;
  rs.state = "running";
  return rs.units ?? [];
}

/** Every unit ran: done, unless its traverse is still owed. */
export function finishRule(cp: Checkpoint, rule: number, traverse: boolean): void {
  const rs = ruleState(cp, rule);
  rs.state = traverse && !rs.traverseDone ? "running" : "done";
}

/** A self unit is done (written or already right). */
export function unitDone(unit: UnitState): void {
  unit.state = "done";
}

/** A unit's request failed after its retries: left for --resume, its token kept. */
export function unitFailed(cp: Checkpoint, unit: UnitState, failure: FailedEntry): void {
  unit.state = "failed";
  recordFailure(cp, failure);
}

/** One recursive batch of a tree unit came back: its counts, failed paths and next token. */
export function batchDone(
  cp: Checkpoint,
  unit: UnitState,
  batch: { directories: number; files: number; failures: FailedEntry[]; token?: string },
): void {
  cp.counters.directories += batch.directories;
  cp.counters.files += batch.files;
  cp.counters.batches += 1;
  for (const f of batch.failures) recordFailure(cp, f);
  unit.failures = (unit.failures ?? 0) + batch.failures.length;
  unit.token = batch.token;
  if (!unit.token) unit.state = unit.failures > 0 ? "failed" : "done";
}

/** The run ended: complete only when nothing failed. */
export function finishRun(cp: Checkpoint, outcome: "ended" | "stopped"): void {
  const unitFailedSomewhere = cp.rules.some((r) => r.units?.some((u) => u.state === "failed"));
  cp.status = outcome === "stopped" || unitFailedSomewhere || cp.counters.failures > 0 ? "failed" : "complete";
}

// ---- persistence ----------------------------------------------------------

/** Where the state lives between transitions; `save` after each one. */
export interface CheckpointStore {
  readonly state: Checkpoint;
  save(): void;
}

/** A dry run keeps its state in memory only. */
export function memoryStore(rules: ResolvedRule[], accountUrl: string): CheckpointStore {
  return { state: newCheckpoint(rules, accountUrl), save: () => undefined };
}

function read(file: string): Checkpoint {
  try {
    const cp = JSON.parse(readFileSync(file, "utf8")) as Checkpoint;
    if (cp.version !== 1 || !Array.isArray(cp.rules)) throw new Error("unknown format");
    return cp;
  } catch (err) {
    throw new UsageError(`--checkpoint ${file}: not a checkpoint written by this tool: ${(err as Error).message}`);
  }
}

/**
 * The checkpoint to run with: the stored one for --resume (it must belong to
 * the same spec and account), otherwise a fresh one. Refuses to silently
 * discard an unfinished run.
 */
export function openCheckpoint(opts: { file: string; resume: boolean; rules: ResolvedRule[]; accountUrl: string }): Checkpoint {
  const exists = existsSync(opts.file);
  if (opts.resume) {
    if (!exists) throw new UsageError(`--resume: no checkpoint at ${opts.file}; run without --resume to start`);
    const cp = read(opts.file);
    if (cp.specHash !== specHash(opts.rules)) {
      throw new UsageError(`--resume: ${opts.file} belongs to a different spec (or principals); resume with the spec it was started with, or delete it to start over`);
    }
    if (cp.accountUrl !== opts.accountUrl) {
      throw new UsageError(`--resume: ${opts.file} was written for ${cp.accountUrl}, not ${opts.accountUrl}`);
    }
    return cp;
  }
  if (exists) {
    const cp = read(opts.file);
    if (cp.status !== "complete") {
      throw new UsageError(
        `--checkpoint ${opts.file} holds an unfinished run started ${cp.startedAt} (${cp.status}); pass --resume to continue it, or delete the file to start over`,
      );
    }
  }
  return newCheckpoint(opts.rules, opts.accountUrl);
}

/** Rewritten atomically (temp file + rename) on every save, so a crash loses at most the batches in flight. */
export function fileStore(opts: { file: string; resume: boolean; rules: ResolvedRule[]; accountUrl: string }): CheckpointStore {
  const state = openCheckpoint(opts);
  return {
    state,
    save() {
      state.updatedAt = new Date().toISOString();
      const tmp = `${opts.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(state));
      renameSync(tmp, opts.file);
    },
  };
}
