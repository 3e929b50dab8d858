import { ConfigError } from "../../components/config/load";
import { CommandFailed, Interrupted, UsageError } from "../../scripts/lib/cli";
import { StopRequest, defineCommand } from "../../scripts/lib/command";

/**
 * The one place outcomes become exit codes, as every command in scripts/
 * goes through it: each error kind gives its code and what the user sees.
 */

function commandThrowing(err: unknown) {
  return defineCommand<{ name?: string }>(
    (program) => program.name("demo").option("--name <n>", "a flag"),
    async () => {
      throw err;
    },
  );
}

async function run(err: unknown, argv: string[] = [], signal?: AbortSignal): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let errText = "";
  const code = await commandThrowing(err)(argv, { out: (s) => (out += s), err: (s) => (errText += s), env: {}, tty: false, signal });
  return { code, out, err: errText };
}

describe("exit codes of every command", () => {
  it.each([
    ["UsageError", new UsageError("--name x: bad", ["first problem"]), 2, "--name x: bad\n  - first problem\n"],
    ["ConfigError (the config contract's, matched by class)", new ConfigError(["adls-migration:pattern: is required"]), 2, "Invalid stack configuration:\n  - adls-migration:pattern: is required\n"],
    ["Interrupted", new Interrupted("stopped; run again with --resume"), 130, "stopped; run again with --resume\n"],
    ["CommandFailed", new CommandFailed("assess: the source answered 404"), 1, "assess: the source answered 404\n"],
  ])("%s: its exit code and its message alone, no stack trace", async (_kind, error, code, message) => {
    const r = await run(error);
    expect(r.code).toBe(code);
    expect(r.err).toBe(message);
    expect(r.out).toBe("");
  });

  it("an unexpected error exits 1 with its stack trace", async () => {
    const r = await run(new TypeError("x is undefined"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^TypeError: x is undefined\n\s+at /);
  });

  it("an error named ConfigError that is not one is unexpected (no matching by name)", async () => {
    const fake = Object.assign(new Error("looks like config"), { name: "ConfigError" });
    expect((await run(fake)).code).toBe(1);
  });

  it("--help exits 0 with the usage on stdout; an unknown flag exits 2 before the handler runs", async () => {
    const help = await run(new Error("handler must not run"), ["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("Usage: demo [options]");
    const bad = await run(new Error("handler must not run"), ["--colour"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe("error: unknown option '--colour'\n");
  });
});

describe("a stop by signal ends with 128 + the signal's number", () => {
  const stoppedBy = (reason: unknown): AbortSignal => AbortSignal.abort(reason);

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)("Interrupted after %s: exit %i with its message", async (sig, code) => {
    const r = await run(new Interrupted("stopped; run again with --resume"), [], stoppedBy(new StopRequest(sig)));
    expect(r.code).toBe(code);
    expect(r.err).toBe("stopped; run again with --resume\n");
  });

  it("an abort naming no signal (a caller's own AbortController) is Ctrl-C's 130", async () => {
    expect((await run(new Interrupted("stopped"), [], stoppedBy(new Error("interrupted")))).code).toBe(130);
  });

  it("an aborted request's error after a stop is the stop (no stack trace, not exit 1); bad input stays exit 2", async () => {
    const signal = stoppedBy(new StopRequest("SIGTERM"));
    const aborted = await run(Object.assign(new Error("The operation was aborted."), { name: "AbortError" }), [], signal);
    expect(aborted).toMatchObject({ code: 143, err: "stopped (The operation was aborted.)\n" });
    expect(await run(signal.reason, [], signal)).toMatchObject({ code: 143, err: "stopped by SIGTERM\n" });
    expect((await run(new UsageError("--name x: bad"), [], signal)).code).toBe(2);
  });
});
