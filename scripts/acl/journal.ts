import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "fs";
import { UsageError } from "../lib/cli";
import { Lock, acquireLock } from "../lib/lock";
import { Checkpoint, JournalRecord, finishedSubtrees, initialState, runRecord, transition } from "./checkpoint";
import type { ResolvedRule } from "./spec";

/**
 * The checkpoint on disk: an append-only journal, one JSON record per line
 * (header first), written with one write() per record, so a batch costs the
 * same however many subtrees a rule has, and a kill loses at most the
 * records being written. Reading replays the records through the
 * checkpoint's transitions. A last line without its newline is a record cut
 * by a crash and is ignored (and cut off before appending); any other line
 * that is not a record stops the run with exit 2: a damaged journal is never
 * guessed at.
 *
 * The journal is held with a lock file for the whole run (one writer).
 */

export interface Journal {
  readonly state: Checkpoint;
  /** Subtrees of a rule that the previous finished run of this journal recorded as right (empty without one). */
  trusted(rule: number): Set<string>;
  record(rec: JournalRecord): void;
  /** Releases the lock (and the file); idempotent. */
  close(): void;
}

export interface JournalOptions {
  file: string;
  resume: boolean;
  rules: ResolvedRule[];
  accountUrl: string;
}

/** A dry run keeps its journal in memory only. */
export function memoryJournal(rules: ResolvedRule[], accountUrl: string): Journal {
  const state = initialState(runRecord(rules, accountUrl));
  return { state, trusted: () => new Set(), record: (rec) => transition(state, rec), close: () => undefined };
}

/** The state recorded in a journal file, and how many of its bytes are whole records. */
export function readJournal(file: string): { state: Checkpoint; validBytes: number } {
  const text = readFileSync(file, "utf8");
  const end = text.lastIndexOf("\n") + 1;
  const lines = text.slice(0, end).split("\n").slice(0, -1);
  const bad = (line: number, why: string) =>
    new UsageError(`--checkpoint ${file}: line ${line} ${why}; the journal is damaged and is not guessed at. Move it aside and run without --resume (safe: see docs/acls.md, "Recovering from any interruption")`);
  let state: Checkpoint | undefined;
  lines.forEach((line, i) => {
    let rec: JournalRecord;
    try {
      rec = JSON.parse(line) as JournalRecord;
    } catch {
      throw bad(i + 1, "is not a JSON record");
    }
    if (i === 0) {
      if (rec.t !== "run" || rec.v !== 2) throw bad(1, "is not the header of a journal written by this tool");
      state = initialState(rec);
      return;
    }
    try {
      transition(state!, rec);
    } catch (err) {
      throw bad(i + 1, `does not fit the records before it (${(err as Error).message})`);
    }
  });
  if (!state) throw new UsageError(`--checkpoint ${file}: not a journal written by this tool (no header line)`);
  return { state, validBytes: Buffer.byteLength(text.slice(0, end)) };
}

/**
 * The journal to run with: the stored one for --resume (same spec and
 * account), otherwise a new one. Refuses to silently discard an unfinished
 * run; a finished one of the same spec passes on what it verified.
 */
export function openJournal(opts: JournalOptions): Journal {
  return checkJournal(opts).start();
}

/** A journal whose lock is held and whose file passed every check, not yet written to. */
export interface CheckedJournal {
  /** Writes the header (fresh) or the resume record and returns the journal. */
  start(): Journal;
  /** Gives the lock back without having written anything. */
  release(): void;
}

/**
 * Every check openJournal makes (lock, resume state, an unfinished run),
 * without writing to the file: post-deploy checks its inputs before its
 * first step writes anything, and starts the journal only when the ACL step runs.
 */
export function checkJournal(opts: JournalOptions): CheckedJournal {
  const lock = acquireLock(opts.file, "--checkpoint");
  try {
    const start = opts.resume ? resumeJournal(opts, lock) : freshJournal(opts, lock);
    return { start, release: () => lock.release() };
  } catch (err) {
    lock.release();
    throw err;
  }
}

function resumeJournal(opts: JournalOptions, lock: Lock): () => Journal {
  if (!existsSync(opts.file)) throw new UsageError(`--resume: no checkpoint at ${opts.file}; run without --resume to start`);
  const { state, validBytes } = readJournal(opts.file);
  const header = runRecord(opts.rules, opts.accountUrl);
  if (state.specHash !== header.specHash) {
    throw new UsageError(`--resume: ${opts.file} belongs to a different spec (or principals); resume with the spec it was started with, or run without --resume to start over`);
  }
  if (state.accountUrl !== opts.accountUrl) throw new UsageError(`--resume: ${opts.file} was written for ${state.accountUrl}, not ${opts.accountUrl}`);
  return () => {
    const fd = openSync(opts.file, "r+");
    // A record cut by a crash would otherwise glue to the next one.
    ftruncateSync(fd, validBytes);
    closeSync(fd);
    return appender(opts.file, state, () => new Set(), lock, { t: "resume", at: new Date().toISOString() });
  };
}

function freshJournal(opts: JournalOptions, lock: Lock): () => Journal {
  const header = runRecord(opts.rules, opts.accountUrl);
  let previous: Checkpoint | undefined;
  if (existsSync(opts.file)) {
    const { state } = readJournal(opts.file);
    if (state.status !== "complete") {
      throw new UsageError(
        `--checkpoint ${opts.file} holds an unfinished run started ${state.startedAt} (${state.status}); pass --resume to continue it. ` +
          `To start over instead, move the file aside: a run without it reads every path below each rule whose top is already right, so it leaves no path out (it only takes longer).`,
      );
    }
    if (state.specHash === header.specHash && state.accountUrl === opts.accountUrl) previous = state;
  }
  const trusted = (rule: number) => (previous ? finishedSubtrees(previous, rule) : new Set<string>());
  return () => {
    // The new header replaces the old journal in one rename: a crash leaves one or the other.
    const tmp = `${opts.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(header)}\n`);
    renameSync(tmp, opts.file);
    return appender(opts.file, initialState(header), trusted, lock);
  };
}

function appender(file: string, state: Checkpoint, trusted: (rule: number) => Set<string>, lock: Lock, first?: JournalRecord): Journal {
  let fd: number | undefined = openSync(file, "a");
  const journal: Journal = {
    state,
    trusted,
    record(rec) {
      transition(state, rec);
      if (fd !== undefined) writeSync(fd, `${JSON.stringify(rec)}\n`);
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      lock.release();
    },
  };
  if (first) journal.record(first);
  return journal;
}
