import { startDfsServer } from "../emulators/dfs/server";
import { FILESYSTEM, targetPaths } from "./validateData";

/**
 * The benchmark's Gen2 side: the DFS test server in its own process (so its
 * memory is not counted against validate), seeded directly with the target
 * listing. Prints "ready <url>" and serves until SIGTERM or 15 minutes.
 */
async function main(): Promise<void> {
  const dirs = Number(process.argv[2] ?? 1000);
  const server = await startDfsServer();
  server.createFilesystem(FILESYSTEM);
  // File contents are views of one buffer: sizes are real, memory is not spent on bytes.
  const bytes = Buffer.alloc(1024);
  let n = 0;
  for (const p of targetPaths(dirs)) {
    server.createPath(FILESYSTEM, p.path, p.type === "directory" ? { isDir: true } : { content: bytes.subarray(0, p.size) });
    n++;
  }
  process.stdout.write(`ready ${server.url} ${n}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  setTimeout(stop, 15 * 60_000);
}

void main();
