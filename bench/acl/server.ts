import { startDfsServer } from "../../emulators/dfs/server";

/**
 * Bench server process: seeds `<paths>` paths in 50 top-level folders of
 * filesystem "bench" directly (no HTTP), then turns on the service-time model
 * (5 ms per request + 0.05 ms per path changed, timers) and serves.
 * Prints `listening <account-url>` when ready. Exits on SIGTERM or after 15 minutes.
 */
async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 100_000);
  const folders = 50;
  const server = await startDfsServer();
  server.createFilesystem("bench");
  const perFolder = Math.floor(total / folders);
  const subdirs = 19;
  for (let f = 0; f < folders; f++) {
    const top = `f${String(f).padStart(2, "0")}`;
    server.createPath("bench", top, { isDir: true });
    for (let s = 0; s < subdirs; s++) server.createPath("bench", `${top}/d${String(s).padStart(2, "0")}`, { isDir: true });
    const files = perFolder - 1 - subdirs;
    for (let i = 0; i < files; i++) server.createPath("bench", `${top}/d${String(i % subdirs).padStart(2, "0")}/p${String(i).padStart(6, "0")}.parquet`);
  }
  server.faults = { latencyMs: 5, perPathLatencyMs: 0.05 };
  process.stdout.write(`listening ${server.url} ${server.countPaths("bench")}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  setTimeout(stop, 15 * 60_000);
}

void main();
