import { setMaxListeners } from "events";
import { Command, CommanderError } from "commander";
import { CliError, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, Interrupted, SIGNAL_EXIT_CODES, STOP_SIGNALS, type StopSignal } from "./cli";

/** What every command gets from the process it runs in (tests pass their own). */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Progress bars only on a terminal; plain lines in CI logs. */
  tty: boolean;
  /**
   * Aborted on SIGINT, SIGTERM or SIGHUP (commands run with `interruptible`;
   * the reason a StopRequest) so in-flight work stops at a resumable point.
   */
  signal?: AbortSignal;
}

/** Why runMain aborted io.signal: the signal it received, which sets the exit code. */
export class StopRequest extends Error {
  constructor(readonly signal: StopSignal) {
    super(`stopped by ${signal}`);
    this.name = "StopRequest";
  }
}

/** 128 + the signal that asked for the stop; 130 (Ctrl-C's) for an abort that names none. */
function stopExitCode(signal: AbortSignal | undefined): number {
  const reason: unknown = signal?.reason;
  return reason instanceof StopRequest ? SIGNAL_EXIT_CODES[reason.signal] : EXIT_INTERRUPTED;
}

/** A command's entry point: the arguments after the script name, and the process it talks to. */
export type Main<I extends Io = Io> = (argv: string[], io: I) => Promise<number>;

/**
 * The exit code for how a command ended, after writing what a user needs:
 * help/version 0, commander usage errors 2 (commander printed them), a
 * CliError or the config contract's ConfigError its message and code (an
 * Interrupted: 128 + the signal that stopped it), anything else thrown after
 * a stop request that stop's code (an aborted request's error is the stop,
 * not a crash), and anything unexpected its stack trace and 1. The only
 * place outcomes map to codes.
 */
async function exitCodeFor(err: unknown, write: (text: string) => void, signal: AbortSignal | undefined): Promise<number> {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (err instanceof CliError) {
    write(`${err.message}\n`);
    return err instanceof Interrupted ? stopExitCode(signal) : err.exitCode;
  }
  if (signal?.aborted) {
    const why = err instanceof Error ? err.message : String(err);
    write(`${err === signal.reason ? why : `stopped (${why})`}\n`);
    return stopExitCode(signal);
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
      return await exitCodeFor(err, io.err, io.signal);
    }
  };
}

/** A repeat of the stop signal within this long is the same request: `npm run` forwards the SIGINT a Ctrl-C also sent us (npm/run-script#9), and the tsx CLI may relay it once more. */
const REPEAT_WINDOW_MS = 1000;

/**
 * The one signal rule of the long-running commands: the first SIGINT,
 * SIGTERM or SIGHUP aborts `signal` with a StopRequest, so the command
 * stops at a resumable point (locks released, scratch removed, the
 * checkpoint or journal written) and exits 128 + that signal's number. A
 * signal after REPEAT_WINDOW_MS ends the process at once with that code,
 * through process.exit, whose exit hooks still release locks (lock.ts) and
 * remove scratch (lib/scratch.ts); an append-only journal loses at most
 * the record being written.
 */
function stopOnSignals(write: (text: string) => void): AbortSignal {
  const controller = new AbortController();
  // Every in-flight request listens on the signal.
  setMaxListeners(0, controller.signal);
  let firstAt = 0;
  const onSignal = (sig: StopSignal) => {
    if (!controller.signal.aborted) {
      firstAt = Date.now();
      write(`${sig}: stopping at the next resumable point (a second ${sig} stops at once)\n`);
      controller.abort(new StopRequest(sig));
    } else if (Date.now() - firstAt >= REPEAT_WINDOW_MS) {
      write(`${sig} again: stopping at once\n`);
      process.exit(SIGNAL_EXIT_CODES[sig]);
    }
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  return controller.signal;
}

/**
 * Runs a command as the process: real streams, and for `interruptible`
 * commands SIGINT, SIGTERM and SIGHUP abort io.signal instead of killing the
 * process (stopOnSignals). Other commands keep the default action (they are
 * short and hold no state worth saving).
 */
export function runMain<I extends Io>(main: Main<I>, opts: { interruptible?: boolean } = {}): void {
  const signal = opts.interruptible ? stopOnSignals((s) => void process.stderr.write(s)) : undefined;
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
