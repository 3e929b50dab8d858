import type { Command } from "commander";
import { DfsServer, DfsServerOptions, startDfsServer } from "../emulators/dfs/server";
import { EXIT_OK, UsageError } from "./lib/cli";
import { type Io, defineCommand, runMain } from "./lib/command";

/**
 * `npm run dfs-server -- [--port <p>] [--lifetime <seconds>] [--capacity <n>] [--page-latency-ms <ms>]`: the loopback
 * Gen2 DFS emulator as a process, for trying the tools offline. Serves until
 * the lifetime ends or SIGINT / SIGTERM / SIGHUP, then exits 0.
 * Exit 2 (one line on stderr) for an unknown flag, a bad value or a port in use.
 */

/** Default lifetime: an hour, long enough for a manual session, short enough that a forgotten server goes away. */
export const DEFAULT_LIFETIME_SECONDS = 3600;
export const MAX_LIFETIME_SECONDS = 86_400;

interface Flags {
  port: number;
  lifetime: number;
  capacity?: number;
  pageLatencyMs?: number;
}

function wholeNumber(flag: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} ${v}: must be a whole number between ${min} and ${max}`);
    return n;
  };
}

function build(program: Command): Command {
  return program
    .name("dfs-server")
    .description("Serve the loopback ADLS Gen2 (dfs endpoint) emulator on 127.0.0.1, in memory, for trying the tools offline.")
    .option("--port <port>", "TCP port on 127.0.0.1 (0 picks a free one)", wholeNumber("--port", 0, 65535), 0)
    .option("--lifetime <seconds>", `stop by itself after this long (1..${MAX_LIFETIME_SECONDS})`, wholeNumber("--lifetime", 1, MAX_LIFETIME_SECONDS), DEFAULT_LIFETIME_SECONDS)
    .option("--capacity <paths-per-second>", "answer 503 ServerBusy beyond this many paths touched per second, as an account at its limit (default: no limit)", wholeNumber("--capacity", 1, 10_000_000))
    .option("--page-latency-ms <ms>", "extra service time of every listing page (default 0)", wholeNumber("--page-latency-ms", 0, 60_000));
}

/** Starts the emulator; the message names the flag when the port is taken. */
async function start(options: DfsServerOptions): Promise<DfsServer> {
  try {
    return await startDfsServer(options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") throw new UsageError(`--port ${options.port}: already in use on 127.0.0.1 (pick another, or 0 for a free one)`);
    if ((err as NodeJS.ErrnoException).code === "EACCES") throw new UsageError(`--port ${options.port}: not allowed for this user (use a port above 1023)`);
    throw err;
  }
}

function banner(server: DfsServer, lifetime: number): string {
  return [
    `listening ${server.url}`,
    `account   ${server.accountName}`,
    `key       ${server.accountKey}`,
    "",
    "Point the tools at it with the shared key in the environment and the account URL as a flag, e.g.:",
    `  export AZURE_STORAGE_ACCOUNT=${server.accountName}`,
    `  export AZURE_STORAGE_KEY='${server.accountKey}'`,
    `  npm run acl -- apply --spec <file> --principals <file> --account-url ${server.url}`,
    `  npm run validate -- --source <...> --target abfss://<filesystem>@${server.accountName}.dfs.core.windows.net/<path> --account-url ${server.url}`,
    "",
    `Everything is in memory. Stops after ${lifetime} s or on Ctrl-C.`,
    "",
  ].join("\n");
}

/** Runs until the lifetime ends or `io.signal` aborts; resolves to the exit code. */
export const dfsServerMain = defineCommand<Flags>(build, async (flags: Flags, io: Io) => {
  const server = await start({ port: flags.port, capacityPathsPerSecond: flags.capacity, pageLatencyMs: flags.pageLatencyMs });
  io.out(banner(server, flags.lifetime));
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, flags.lifetime * 1000);
    io.signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
  await server.close();
  return EXIT_OK;
});
export const main = dfsServerMain;

if (require.main === module) runMain(dfsServerMain, { interruptible: true });
