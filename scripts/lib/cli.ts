/**
 * Shared exit-code contract of every CLI in scripts/:
 *   0 success, 1 the operation ran and failed (or found differences),
 *   2 bad input (flags, spec, config): nothing was changed,
 *   130, 143, 129 a long-running command (acl apply, reconcile, validate,
 *     assess, post-deploy, factory run, demo) stopped by SIGINT (Ctrl-C),
 *     SIGTERM or SIGHUP at a resumable point: 128 + the signal's number, as
 *     shells report a process that signal ended. Locks are released, scratch
 *     files removed, the checkpoint or journal written; run it again (with
 *     --resume where the command has one) to continue.
 * Errors carry their exit code; scripts/lib/command.ts is the one place that
 * maps them, and the one place that turns those signals into a stop request.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** Stopped by Ctrl-C, or by an abort that names no signal (a caller's own AbortController). */
export const EXIT_INTERRUPTED = 130;

/** The signals that ask a long-running command to stop at a resumable point. */
export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];
/** 128 + the signal's number (Linux and macOS number these three alike). */
export const SIGNAL_EXIT_CODES: Record<StopSignal, number> = { SIGINT: EXIT_INTERRUPTED, SIGTERM: 143, SIGHUP: 129 };

/** An error whose message is all a user needs (no stack trace), with the exit code it ends the command with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flags, files or config: reported as one message, exit 2, before any change. */
export class UsageError extends CliError {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length > 0 ? `${message}\n${problems.map((p) => `  - ${p}`).join("\n")}` : message, EXIT_USAGE);
  }
}

/**
 * Work stopped on request where it can be resumed; the message says how.
 * Exit 128 + the signal that asked (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP), 130 for an abort naming none.
 */
export class Interrupted extends CliError {
  constructor(message: string) {
    super(message, EXIT_INTERRUPTED);
  }
}

/** The operation ran and failed in a way its message fully explains. Exit 1. */
export class CommandFailed extends CliError {
  constructor(message: string) {
    super(message, EXIT_FAILED);
  }
}
