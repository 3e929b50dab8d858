/**
 * Shared exit-code contract of every CLI in scripts/:
 *   0 success, 1 the operation ran and failed (or found differences),
 *   2 bad input (flags, spec, config): nothing was changed,
 *   130 stopped by Ctrl-C at a resumable point (128 + SIGINT, as shells report it).
 * Errors carry their exit code; scripts/lib/command.ts is the one place that maps them.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

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

/** Work stopped on request (Ctrl-C) where it can be resumed; the message says how. Exit 130. */
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
