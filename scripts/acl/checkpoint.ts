import { createHash } from "crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "fs";
import { UsageError } from "../lib/cli";
import type { ResolvedRule } from "./spec";

/**
 * Resume state of an apply run. Written atomically (temp file + rename) after
 * every batch, so a crash or Ctrl-C loses at most the batches in flight: a
 * resumed run continues each subtree from its last recorded continuation
 * token and never repeats a batch recorded here.
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

export interface Checkpoint {
  version: 1;
  specHash: string;
  accountUrl: string;
  startedAt: string;
  updatedAt: string;
  status: "running" | "failed" | "complete";
  rules: RuleState[];
  counters: { directories: number; files: number; failures: number; batches: number; retries: number };
  /** The first MAX_FAILED_ENTRIES failures; counters.failures has the total. */
  failedEntries: FailedEntry[];
}

export const MAX_FAILED_ENTRIES = 10_000;

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

export function saveCheckpoint(file: string, cp: Checkpoint): void {
  cp.updatedAt = new Date().toISOString();
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(cp));
  renameSync(tmp, file);
}
