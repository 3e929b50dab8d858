import { setMaxListeners } from "events";
import { CommanderError } from "commander";

/**
 * Shared exit-code contract of every CLI in scripts/:
 *   0 success, 1 the operation ran and failed (or found differences),
 *   2 bad input (flags, spec, config): nothing was changed.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** Stopped by Ctrl-C at a resumable point (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;

/** Bad flags, files or config: reported as one message, exit 2, before any change. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [],
  ) {
    super(problems.length > 0 ? `${message}\n${problems.map((p) => `  - ${p}`).join("\n")}` : message);
    this.name = "UsageError";
  }
}

/** Work stopped on request (Ctrl-C) where it can be resumed; the message says how. */
export class Interrupted extends Error {}

/**
 * The exit code for an error a CLI's main function caught, after writing the
 * message a user needs. Anything unexpected is rethrown (stack trace, exit 1).
 */
export function exitCodeFor(err: unknown, write: (text: string) => void): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (err instanceof UsageError || (err instanceof Error && err.name === "ConfigError")) {
    write(`${err.message}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof Interrupted) {
    write(`${err.message}\n`);
    return EXIT_INTERRUPTED;
  }
  throw err;
}

/** What a long-running CLI gets from the process it runs in. */
export interface ProcessIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Progress bars only on a terminal; plain lines in CI logs. */
  tty: boolean;
  /** Aborted on Ctrl-C so in-flight work stops at a resumable point. */
  signal: AbortSignal;
}

/** Runs a long-running CLI with the real process streams, Ctrl-C wired to its abort signal. */
export function runProcessCli(main: (argv: string[], io: ProcessIo) => Promise<number>): void {
  const controller = new AbortController();
  // Every in-flight request listens on the signal.
  setMaxListeners(0, controller.signal);
  process.once("SIGINT", () => controller.abort(new Error("interrupted")));
  runCli(() =>
    main(process.argv.slice(2), {
      out: (s) => process.stdout.write(s),
      err: (s) => process.stderr.write(s),
      env: process.env,
      tty: process.stderr.isTTY === true,
      signal: controller.signal,
    }),
  );
}

/**
 * Runs a CLI's main function and maps its outcome to the exit code contract.
 * Usage errors print their message only; unexpected errors print the stack.
 */
export function runCli(main: () => Promise<number | void>): void {
  main().then(
    (code) => {
      process.exitCode = code ?? EXIT_OK;
    },
    (err: unknown) => {
      if (err instanceof CommanderError) {
        process.exitCode = err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
      } else if (err instanceof UsageError || (err instanceof Error && err.name === "ConfigError")) {
        process.stderr.write(`${err.message}\n`);
        process.exitCode = EXIT_USAGE;
      } else {
        process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        process.exitCode = EXIT_FAILED;
      }
    },
  );
}
