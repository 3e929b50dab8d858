import { createHash } from "crypto";
import type { ResolvedRule } from "./spec";

/**
 * Resume state of an apply run, as a small state machine driven by journal
 * records. A rule goes pending → running (planned) → done; a unit (subtree)
 * pending → done or failed, a tree unit carrying the continuation token of
 * its next batch while part-way. Every change is one record, applied by the
 * named transition below it; the journal (journal.ts) appends the record and
 * replays the same transitions on --resume, so the state a resume sees is
 * exactly the one the interrupted run had after its last saved record.
 *
 * Counters are kept per unit (and per traversed parent) from the service's
 * own figures, so each path is counted once whatever the resumes: a unit
 * redone from its start forgets its earlier counts.
 */

export interface UnitState {
  /** Path inside the filesystem; "" is the root. */
  path: string;
  /** self: the directory alone (setAccessControl); tree: the path and everything below (recursive API). */
  kind: "self" | "tree";
  state: "pending" | "done" | "failed";
  /** Continuation token of the next batch, while a tree unit is part-way. */
  token?: string;
  /** Directories and files changed, from the service's directoriesSuccessful / filesSuccessful. */
  directories: number;
  files: number;
  /** Paths that failed (the service's failureCount); a unit with any is redone from its start on --resume. */
  failures: number;
  /** The unit's request failed as a whole after its retries; --resume continues it from its token. */
  requestFailed?: boolean;
}

export interface RuleState {
  index: number;
  state: "pending" | "running" | "done";
  traverseDone: boolean;
  /** Parents granted --x (each counted once). */
  granted: string[];
  /** Parents whose grant failed in this run. */
  parentFailures: number;
  /** Planned once per run, when the rule starts; fixed from then on so a resume sees the same subtrees. */
  units?: UnitState[];
  /** Subtrees found right when planned (every path below read, or trusted from the previous finished journal). */
  verified: string[];
}

export interface FailedEntry {
  path: string;
  reason: string;
}

export interface Checkpoint {
  specHash: string;
  accountUrl: string;
  startedAt: string;
  status: "running" | "failed" | "complete";
  rules: RuleState[];
  /** The first MAX_FAILED_ENTRIES failed paths of this run; `totals().failures` has the count. */
  failedEntries: FailedEntry[];
  /** Recursive batches recorded (all runs of this journal). */
  batches: number;
}

/** One line of the journal. `r` is a rule index, `u` a unit's position in the rule's plan. */
export type JournalRecord =
  | { t: "run"; v: 2; specHash: string; accountUrl: string; startedAt: string }
  | { t: "resume"; at: string }
  | { t: "plan"; r: number; units: { path: string; kind: UnitState["kind"] }[]; verified: string[] }
  | { t: "parent"; r: number; path: string }
  | { t: "parentFailed"; r: number; path: string; reason: string }
  | { t: "traverse"; r: number }
  | { t: "batch"; r: number; u: number; token?: string; d: number; f: number; fc: number; failed: FailedEntry[] }
  | { t: "self"; r: number; u: number; d: number }
  | { t: "unitFailed"; r: number; u: number; path: string; reason: string }
  | { t: "ruleDone"; r: number }
  | { t: "end"; status: "failed" | "complete" };

export const MAX_FAILED_ENTRIES = 10_000;

export function specHash(rules: ResolvedRule[]): string {
  return createHash("sha256").update(JSON.stringify(rules)).digest("hex").slice(0, 16);
}

export function runRecord(rules: ResolvedRule[], accountUrl: string): JournalRecord & { t: "run" } {
  return { t: "run", v: 2, specHash: specHash(rules), accountUrl, startedAt: new Date().toISOString() };
}

/** The state a run header starts: every rule pending. Rules are created as records name them. */
export function initialState(header: JournalRecord & { t: "run" }): Checkpoint {
  return { specHash: header.specHash, accountUrl: header.accountUrl, startedAt: header.startedAt, status: "running", rules: [], failedEntries: [], batches: 0 };
}

export function ruleState(cp: Checkpoint, rule: number): RuleState {
  let rs = cp.rules.find((r) => r.index === rule);
  if (!rs) {
    rs = { index: rule, state: "pending", traverseDone: false, granted: [], parentFailures: 0, verified: [] };
    cp.rules.push(rs);
  }
  return rs;
}

function unit(cp: Checkpoint, r: number, u: number): UnitState {
  const found = ruleState(cp, r).units?.[u];
  if (!found) throw new Error(`record names unit ${u} of rule ${r}, which its plan does not have`);
  return found;
}

function noteFailure(cp: Checkpoint, failure: FailedEntry): void {
  if (cp.failedEntries.length < MAX_FAILED_ENTRIES) cp.failedEntries.push(failure);
}

/** Applies one record: the state machine's only way to change. */
export function transition(cp: Checkpoint, rec: JournalRecord): void {
  switch (rec.t) {
    case "run":
      return;
    case "resume":
      return resumeRun(cp);
    case "plan":
      return startRule(cp, rec);
    case "parent":
      return void ruleState(cp, rec.r).granted.push(rec.path);
    case "parentFailed":
      ruleState(cp, rec.r).parentFailures += 1;
      return noteFailure(cp, { path: rec.path, reason: rec.reason });
    case "traverse":
      return void (ruleState(cp, rec.r).traverseDone = true);
    case "batch":
      return batchDone(cp, rec);
    case "self":
      return void Object.assign(unit(cp, rec.r, rec.u), { state: "done", directories: rec.d });
    case "unitFailed":
      Object.assign(unit(cp, rec.r, rec.u), { state: "failed", requestFailed: true });
      return noteFailure(cp, { path: rec.path, reason: rec.reason });
    case "ruleDone":
      return finishRule(cp, rec.r);
    case "end":
      return void (cp.status = rec.status);
  }
}

/**
 * A resumed run redoes every failure recorded, so the failure counts and
 * list start empty and the final status reflects this run alone. A subtree
 * with failed paths starts over, its counts forgotten (the service reports
 * no token to go back to them); one whose request failed as a whole, with
 * no failed path, continues from its recorded token.
 */
function resumeRun(cp: Checkpoint): void {
  cp.status = "running";
  cp.failedEntries = [];
  for (const rs of cp.rules) {
    rs.parentFailures = 0;
    for (const u of rs.units ?? []) {
      if (u.failures > 0) Object.assign(u, { state: "pending", token: undefined, failures: 0, directories: 0, files: 0, requestFailed: false });
      else if (u.state === "failed") Object.assign(u, { state: "pending", requestFailed: false });
    }
    if (rs.state === "done" && (rs.units?.some((u) => u.state !== "done") || !rs.traverseDone)) rs.state = "running";
  }
}

function startRule(cp: Checkpoint, rec: JournalRecord & { t: "plan" }): void {
  const rs = ruleState(cp, rec.r);
  rs.units = rec.units.map((u) => ({ ...u, state: "pending", directories: 0, files: 0, failures: 0 }));
  rs.verified = rec.verified;
  rs.state = "running";
}

function batchDone(cp: Checkpoint, rec: JournalRecord & { t: "batch" }): void {
  const u = unit(cp, rec.r, rec.u);
  u.directories += rec.d;
  u.files += rec.f;
  u.failures += rec.fc;
  u.token = rec.token;
  u.requestFailed = false;
  if (!u.token) u.state = u.failures > 0 ? "failed" : "done";
  cp.batches += 1;
  for (const f of rec.failed) noteFailure(cp, f);
}

/** Every unit ran: done, unless a parent is still owed its --x. */
function finishRule(cp: Checkpoint, r: number): void {
  const rs = ruleState(cp, r);
  rs.state = rs.traverseDone ? "done" : "running";
}

/** Totals over every unit and parent: each path counted once. */
export function totals(cp: Checkpoint): { directories: number; files: number; failures: number } {
  let directories = 0;
  let files = 0;
  let failures = 0;
  for (const rs of cp.rules) {
    directories += new Set(rs.granted).size;
    failures += rs.parentFailures;
    for (const u of rs.units ?? []) {
      directories += u.directories;
      files += u.files;
      failures += u.failures + (u.requestFailed ? 1 : 0);
    }
  }
  return { directories, files, failures };
}

/** How the run ends: complete only when nothing failed and nothing is owed. */
export function outcome(cp: Checkpoint): "failed" | "complete" {
  const owed = cp.rules.some((r) => r.state !== "done" || r.units?.some((u) => u.state !== "done"));
  return owed || totals(cp).failures > 0 ? "failed" : "complete";
}

/**
 * Subtrees a finished run left right, which the next run may trust by their
 * top path: tree units done, subtrees verified when planned, and split
 * directories whose own unit and every unit below them are done.
 */
export function finishedSubtrees(cp: Checkpoint, rule: number): Set<string> {
  const rs = cp.rules.find((r) => r.index === rule);
  const units = rs?.units ?? [];
  const out = new Set(rs?.verified ?? []);
  for (const u of units) {
    if (u.state !== "done") continue;
    if (u.kind === "tree") out.add(u.path);
    else if (units.every((c) => c === u || !isBelow(c.path, u.path) || c.state === "done")) out.add(u.path);
  }
  return out;
}

function isBelow(path: string, dir: string): boolean {
  return dir === "" || path.startsWith(`${dir}/`);
}
