import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "fs";
import { hostname } from "os";
import { UsageError } from "./cli";

/**
 * One writer per state file: a lock file beside it, created exclusively
 * (O_EXCL), holding who took it and when. Released on every exit: by the
 * caller's `release()` (normal end, errors, and a stop by SIGINT, SIGTERM or
 * SIGHUP, which runMain turns into an abort the caller ends on), and on
 * process exit (a second signal exits at once through process.exit). A
 * signal's default action (a caller outside runMain) or a SIGKILL cannot be
 * caught: the next run finds the holder's pid dead on this host and takes
 * the lock over. A lock from another host cannot be checked and is refused.
 */

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

export interface Lock {
  readonly file: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(file, "utf8")) as Partial<LockHolder>;
    return typeof h.pid === "number" && typeof h.host === "string" && typeof h.since === "string" ? (h as LockHolder) : undefined;
  } catch {
    // Unreadable or half-written (the holder died between create and write): treated as stale below.
    return undefined;
  }
}

function tryCreate(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, "wx");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
  const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  writeSync(fd, JSON.stringify(holder));
  closeSync(fd);
  return true;
}

/**
 * Takes `<file>.lock` for this process. `flag` names the option the path
 * came from, for the message ("--checkpoint").
 */
export function acquireLock(file: string, flag: string): Lock {
  const lockFile = `${file}.lock`;
  if (!tryCreate(lockFile)) {
    const holder = readHolder(lockFile);
    const stale = !holder || (holder.host === hostname() && !alive(holder.pid));
    if (!stale) {
      throw new UsageError(
        `${flag} ${file} is in use by pid ${holder.pid} on ${holder.host} since ${holder.since}; wait for that run to end (or stop it), then run again. ` +
          `If that process is gone${holder.host === hostname() ? "" : " (it ran on another host, which cannot be checked from here)"}, delete ${lockFile}.`,
      );
    }
    // The holder died without releasing (SIGKILL, power loss): take over.
    unlinkSync(lockFile);
    if (!tryCreate(lockFile)) throw new UsageError(`${flag} ${file}: another run took the lock at the same moment; run again once it ends`);
  }
  return holdUntilExit(lockFile);
}

function holdUntilExit(lockFile: string): Lock {
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off("exit", release);
    try {
      unlinkSync(lockFile);
    } catch {
      // Already gone (removed by hand): nothing to release.
    }
  };
  process.on("exit", release);
  return { file: lockFile, release };
}
