import { startDfsServer } from "../../emulators/dfs/server";

/**
 * Bench server process: seeds `<paths>` paths in `<folders>` top-level
 * folders (19 subfolders each) of filesystem "bench" directly (no HTTP),
 * then turns on the service model and serves:
 *   - `<perPathMs>` ms of service time per path an ACL batch changes plus
 *     5 ms per request (timers, not CPU), so a 2000-path batch takes
 *     5 + 2000 × perPathMs ms;
 *   - the capacity model: beyond `<capacity>` paths per second (token
 *     bucket) requests get 503 ServerBusy, as an account at its limit.
 * Prints `listening <account-url> <paths>`; on SIGUSR2 prints the stats line
 * `stats <requests> <throttled>`. Exits on SIGTERM or after 15 minutes.
 */
async function main(): Promise<void> {
  const [total, folders, capacity, perPathMs] = process.argv.slice(2).map(Number);
  const server = await startDfsServer();
  server.createFilesystem("bench");
  const perFolder = Math.floor(total / folders);
  const subdirs = 19;
  for (let f = 0; f < folders; f++) {
    const top = `f${String(f).padStart(3, "0")}`;
    server.createPath("bench", top, { isDir: true });
    for (let s = 0; s < subdirs; s++) server.createPath("bench", `${top}/d${String(s).padStart(2, "0")}`, { isDir: true });
    const files = perFolder - 1 - subdirs;
    for (let i = 0; i < files; i++) server.createPath("bench", `${top}/d${String(i % subdirs).padStart(2, "0")}/p${String(i).padStart(6, "0")}.parquet`);
  }
  server.faults = { latencyMs: 5, perPathLatencyMs: perPathMs, capacityPathsPerSecond: capacity };
  // Before the line that tells the parent it may signal: a SIGUSR2 without a handler ends the process.
  process.on("SIGUSR2", () => {
    process.stdout.write(`stats ${server.stats.requests} ${server.stats.throttled}\n`);
    server.resetStats();
  });
  process.stdout.write(`listening ${server.url} ${server.countPaths("bench")}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  setTimeout(stop, 15 * 60_000);
}

void main();
