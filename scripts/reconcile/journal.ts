import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "fs";
import { UsageError } from "../lib/cli";
import { acquireLock } from "../lib/lock";

/**
 * reconcile's journal: append-only JSON lines, one write() per record, held
 * with the single-writer lock (scripts/lib/lock.ts) for the whole run, as
 * the ACL applier's journal is. The header carries the plan's hash (a
 * resume must act on the same report); `done` records an action that
 * finished; `copy` records a catch-up run once Data Factory accepted it, so
 * a resume monitors that run instead of starting the copy again. After a
 * Succeeded run, each listed file not found on Gen2 as the report expects
 * gets `notCopied` (with why) before `copied`; the run's `copied` record
 * then stands for every other file of the plan, without a record per file
 * (a plan may hold millions). A resume lists the not copied files, and only
 * them, for a new catch-up run; one that run copies gets `done`. A last line
 * cut by a crash is ignored; any other damage is refused (exit 2).
 */

export type JournalRecord =
  | { t: "run"; v: 1; planHash: string; startedAt: string }
  | { t: "done"; id: string }
  | { t: "copy"; runId: string; files: number }
  | { t: "copied"; runId: string; status: string }
  | { t: "notCopied"; id: string; runId: string; reason: string }
  /** The run tried every action; `leftovers` could not be fixed (0 when it converged). */
  | { t: "end"; at: string; leftovers?: number };

export interface JournalState {
  planHash: string;
  /** Actions done by the runs replayed (a resume skips them); this run's own are written, not kept. */
  done: Set<string>;
  /** The catch-up run started and not yet recorded as ended. */
  openCopy?: { runId: string; files: number };
  /** Catch-up runs that ended, with their status. */
  copies: { runId: string; status: string }[];
  /** Copy ids a Succeeded run left not copied and no later run copied (the exceptions, so held). */
  notCopied: Set<string>;
  ended: boolean;
}

export interface Journal {
  readonly state: JournalState;
  record(rec: JournalRecord): void;
  close(): void;
}

function replay(file: string): JournalState {
  const text = readFileSync(file, "utf8");
  const lines = text.slice(0, text.lastIndexOf("\n") + 1).split("\n").slice(0, -1);
  let state: JournalState | undefined;
  lines.forEach((line, i) => {
    let rec: JournalRecord;
    try {
      rec = JSON.parse(line) as JournalRecord;
    } catch {
      throw new UsageError(`--journal ${file}: line ${i + 1} is not a JSON record; the journal is damaged. Move it aside and run reconcile again without --resume (every action is idempotent)`);
    }
    if (i === 0) {
      if (rec.t !== "run" || rec.v !== 1) throw new UsageError(`--journal ${file}: not a reconcile journal`);
      state = { planHash: rec.planHash, done: new Set(), copies: [], notCopied: new Set(), ended: false };
    } else apply(state!, rec);
  });
  if (!state) throw new UsageError(`--journal ${file}: empty; move it aside and run without --resume`);
  return state;
}

function apply(s: JournalState, rec: JournalRecord): void {
  if (rec.t === "done") {
    s.done.add(rec.id);
    s.notCopied.delete(rec.id);
  }
  if (rec.t === "notCopied") s.notCopied.add(rec.id);
  if (rec.t === "copy") s.openCopy = { runId: rec.runId, files: rec.files };
  if (rec.t === "copied") {
    s.copies.push({ runId: rec.runId, status: rec.status });
    if (s.openCopy?.runId === rec.runId) s.openCopy = undefined;
  }
  if (rec.t === "end") s.ended = true;
}

/** A catch-up run of this plan succeeded (and was read back): every file it had to copy is copied, but those of `notCopied`. */
export function copySucceeded(s: JournalState): boolean {
  return s.copies.some((c) => c.status === "Succeeded");
}

/** Which copy ids still need a catch-up run, fixed when the run starts (the state moves on as it records); `count` of the plan's `planned` copies. */
export function pendingCopies(s: JournalState, planned: number): { has: (id: string) => boolean; count: number } {
  if (copySucceeded(s)) {
    const left = new Set(s.notCopied);
    return { has: (id) => left.has(id), count: left.size };
  }
  const done = new Set([...s.done].filter((id) => id.startsWith("copy:")));
  return { has: (id) => !done.has(id), count: planned - done.size };
}

/** Refuses to start over an unfinished run (checked again under the lock by openJournal); cheap enough to run before a long validate. */
export function refuseUnfinished(file: string): void {
  if (existsSync(file) && !replay(file).ended) {
    throw new UsageError(`--journal ${file} holds an unfinished reconcile; pass --resume to continue it (or move it aside to start over: every action is idempotent)`);
  }
}

/** The journal of a run: the stored one with `resume` (same plan), else a new one; an unfinished one is never dropped silently. */
export function openJournal(file: string, planHash: string, resume: boolean): Journal {
  const lock = acquireLock(file, "--journal");
  try {
    let state: JournalState;
    if (resume) {
      if (!existsSync(file)) throw new UsageError(`--resume: no journal at ${file}; run without --resume to start`);
      state = replay(file);
      if (state.planHash !== planHash) throw new UsageError(`--resume: ${file} belongs to another report; resume with the report it started from (kept beside it as ${file}.report.json)`);
      // A record cut by a crash would otherwise glue to the next one.
      const text = readFileSync(file, "utf8");
      const fd = openSync(file, "r+");
      ftruncateSync(fd, Buffer.byteLength(text.slice(0, text.lastIndexOf("\n") + 1)));
      closeSync(fd);
    } else {
      refuseUnfinished(file);
      const header: JournalRecord = { t: "run", v: 1, planHash, startedAt: new Date().toISOString() };
      writeFileSync(`${file}.tmp`, `${JSON.stringify(header)}\n`);
      renameSync(`${file}.tmp`, file);
      state = { planHash, done: new Set(), copies: [], notCopied: new Set(), ended: false };
    }
    let fd: number | undefined = openSync(file, "a");
    return {
      state,
      record(rec) {
        // A run meets each action once, so its own done ids need not be held (they would grow with the plan).
        if (rec.t !== "done") apply(state, rec);
        else state.notCopied.delete(rec.id);
        if (fd !== undefined) writeSync(fd, `${JSON.stringify(rec)}\n`);
      },
      close() {
        if (fd !== undefined) closeSync(fd);
        fd = undefined;
        lock.release();
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}
