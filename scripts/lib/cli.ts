import { CommanderError } from "commander";

/**
 * Shared exit-code contract of every CLI in scripts/:
 *   0 success, 1 the operation ran and failed (or found differences),
 *   2 bad input (flags, spec, config): nothing was changed.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

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
