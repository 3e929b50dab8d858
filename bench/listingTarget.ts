import { startDfsServer } from "../emulators/dfs/server";

/**
 * The listing benchmark's Gen2 side, in its own process (its CPU is not the
 * client's): `listingTarget.ts <tops> <subs> <files> <pageLatencyMs> <capacityPathsPerSecond>`
 * seeds raw/lake/t<i>/s<j>/f<k> and prints "ready <url> <paths>"; serves
 * until SIGTERM or 15 minutes.
 */
async function main(): Promise<void> {
  const [tops, subs, files, pageLatencyMs, capacityPathsPerSecond] = process.argv.slice(2, 7).map(Number);
  const server = await startDfsServer({ pageLatencyMs, capacityPathsPerSecond });
  server.createFilesystem("raw");
  let n = 0;
  for (let t = 0; t < tops; t++) {
    server.createPath("raw", `lake/t${t}`, { isDir: true });
    n++;
    for (let s = 0; s < subs; s++) {
      server.createPath("raw", `lake/t${t}/s${s}`, { isDir: true });
      n++;
      for (let f = 0; f < files; f++, n++) server.createPath("raw", `lake/t${t}/s${s}/f${f}`);
    }
  }
  process.stdout.write(`ready ${server.url} ${n}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  setTimeout(stop, 15 * 60_000);
}

void main();
