import { setMaxListeners } from "events";
import { Command, CommanderError } from "commander";
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from "./cli";

/** What every command gets from the process it runs in (tests pass their own). */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Progress bars only on a terminal; plain lines in CI logs. */
  tty: boolean;
  /** Aborted on Ctrl-C (for commands run with `interruptible`) so in-flight work stops at a resumable point. */
  signal?: AbortSignal;
}

/** A command's entry point: the arguments after the script name, and the process it talks to. */
export type Main<I extends Io = Io> = (argv: string[], io: I) => Promise<number>;

/**
 * The exit code for how a command ended, after writing what a user needs:
 * help/version 0, commander usage errors 2 (commander printed them), a
 * CliError or the config contract's ConfigError its message and code, and
 * anything unexpected its stack trace and 1. The only place outcomes map to codes.
 */
async function exitCodeFor(err: unknown, write: (text: string) => void): Promise<number> {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (err instanceof CliError) {
    write(`${err.message}\n`);
    return err.exitCode;
  }
  // Loaded here, not at the top: ConfigError extends pulumi.RunError (so
  // `pulumi up` prints it without a stack trace), and @pulumi/pulumi costs
  // about 110 MB of RSS that validate and assess never need otherwise.
  const { ConfigError } = await import("../../components/config/load");
  if (err instanceof ConfigError) {
    write(`${err.message}\n`);
    return EXIT_USAGE;
  }
  write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT_FAILED;
}

function leaves(cmd: Command): Command[] {
  return cmd.commands.length === 0 ? [cmd] : cmd.commands.flatMap(leaves);
}

/**
 * Defines a command: `build` declares name, description, options and
 * subcommands on a program already wired to `io` (output, no process.exit);
 * `handler` runs once the arguments parsed, with the options of the command
 * that was invoked (a subcommand's merged with the program's) and that
 * command, whose name() and args tell which subcommand and positionals.
 * Builders declare no actions: the handler is the one action.
 */
export function defineCommand<O, I extends Io = Io>(
  build: (program: Command) => Command,
  handler: (opts: O, io: I, cmd: Command) => Promise<number>,
): Main<I> {
  return async (argv, io) => {
    const root = new Command().exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
    const program = build(root);
    let invoked: Command | undefined;
    for (const leaf of leaves(program)) {
      leaf.action((...args: unknown[]) => {
        invoked = args[args.length - 1] as Command;
      });
    }
    try {
      await program.parseAsync(argv, { from: "user" });
      // commander ends a run without a subcommand with its own usage error, so this is a guard only.
      if (!invoked) return EXIT_USAGE;
      return await handler(invoked.optsWithGlobals() as O, io, invoked);
    } catch (err) {
      return await exitCodeFor(err, io.err);
    }
  };
}

/**
 * Runs a command as the process: real streams, and for `interruptible`
 * commands Ctrl-C aborts io.signal instead of killing the process, so the
 * command can stop at a resumable point. Other commands keep the default
 * Ctrl-C (they hold no state worth saving). `stopOnSigterm` (the emulator
 * servers) treats SIGTERM as Ctrl-C too.
 */
export function runMain<I extends Io>(main: Main<I>, opts: { interruptible?: boolean; stopOnSigterm?: boolean } = {}): void {
  let signal: AbortSignal | undefined;
  if (opts.interruptible || opts.stopOnSigterm) {
    const controller = new AbortController();
    // Every in-flight request listens on the signal.
    setMaxListeners(0, controller.signal);
    process.once("SIGINT", () => controller.abort(new Error("interrupted")));
    // Servers: npm and process managers stop them with SIGTERM, which then means what Ctrl-C means.
    if (opts.stopOnSigterm) process.once("SIGTERM", () => controller.abort(new Error("terminated")));
    signal = controller.signal;
  }
  // A command's own Io fields are optional test hooks: the process passes none.
  const io = {
    out: (s: string) => void process.stdout.write(s),
    err: (s: string) => void process.stderr.write(s),
    env: process.env,
    tty: process.stderr.isTTY === true,
    signal,
  } as I;
  // defineCommand's main maps every outcome to a code itself.
  void main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
