import { ChildProcess, spawn } from "child_process";
import { cpus } from "os";
import * as path from "path";
import { createInterface } from "readline";
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME } from "../emulators/dfs/server";
import { Gen2Reader, ListingMode } from "../scripts/sources/gen2";
import { recordSection } from "./results";

/**
 * `npm run bench:listing [-- --paths <n>] [--record]`: a Gen2 tree of about
 * 1 000 000 paths (folders of 1000 files under 100 subfolders per top folder)
 * in the DFS test server with 200 ms per listPaths page and a capacity limit,
 * listed by the tools' Gen2 reader (scripts/sources/gen2.ts) once
 * recursively (one stream of pages) and once by directory, after one
 * unmeasured warm-up listing; both must give the same count and checksum
 * of paths. Only --record at the default size rewrites the "listing"
 * section of bench/RESULTS.md.
 */

const ROOT = path.join(__dirname, "..");
const DEFAULT_PATHS = 1_000_000;
const SUBS = 100;
const FILES = 999;
const PAGE_LATENCY_MS = 200;
/** Paths per second the emulated account serves; the by-directory listing must live within it. */
const CAPACITY = 400_000;
const TARGET_RATIO = 8;

function startTarget(tops: number): Promise<{ child: ChildProcess; url: string; paths: number }> {
  const args = [tops, SUBS, FILES, PAGE_LATENCY_MS, CAPACITY].map(String);
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "listingTarget.ts"), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("DFS target did not start within 5 minutes")), 5 * 60_000);
    child.on("exit", (code) => reject(new Error(`DFS target exited early (${code})`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = /^ready (\S+) (\d+)$/.exec(line);
      if (!m) return;
      clearTimeout(timer);
      resolve({ child, url: m[1], paths: Number(m[2]) });
    });
  });
}

interface Listed {
  mode: ListingMode;
  seconds: number;
  count: number;
  /** Order-independent: the sum mod 2^32 of each path's FNV-1a hash. */
  checksum: number;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

async function list(url: string, mode: ListingMode): Promise<Listed> {
  const reader = new Gen2Reader({
    accountUrl: url,
    filesystem: "raw",
    root: "lake",
    credential: { accountName: DEV_ACCOUNT_NAME, accountKey: DEV_ACCOUNT_KEY },
    describe: "abfss://raw@bench.dfs.core.windows.net/lake",
    listing: mode,
    maxTries: 20,
  });
  const started = process.hrtime.bigint();
  let count = 0;
  let checksum = 0;
  for await (const e of reader.list()) {
    count++;
    checksum = (checksum + fnv1a(`${e.type} ${e.path}`)) >>> 0;
  }
  return { mode, seconds: Number(process.hrtime.bigint() - started) / 1e9, count, checksum };
}

function section(paths: number, runs: Listed[], ratio: number): string {
  const rows = runs.map((r) => `| ${r.mode} | ${r.count.toLocaleString("en")} | ${r.checksum.toString(16)} | ${r.seconds.toFixed(1)} s |`);
  return [
    `## listing (${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores)`,
    "",
    `${paths.toLocaleString("en")} paths in the DFS test server (own process), ${PAGE_LATENCY_MS} ms per listPaths page, capacity ${CAPACITY.toLocaleString("en")} paths/s; \`npm run bench:listing\`.`,
    "",
    "| listing | paths | checksum | wall |",
    "|---|---|---|---|",
    ...rows,
    "",
    `by-directory is ${ratio.toFixed(1)}× the recursive listing (target ≥ ${TARGET_RATIO}×).`,
    "",
  ].join("\n");
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const at = args.indexOf("--paths");
  const wanted = at >= 0 ? Number(args[at + 1]) : DEFAULT_PATHS;
  const tops = Math.max(1, Math.round(wanted / (1 + SUBS * (1 + FILES))));
  const target = await startTarget(tops);
  try {
    process.stderr.write(`seeded ${target.paths} paths\n`);
    // Unmeasured: both measured listings then meet the same target state
    // (its list entries rendered once per path, its JIT warm) and a warm client.
    const warm = await list(target.url, "by-directory");
    process.stderr.write(`warm-up listing: ${warm.seconds.toFixed(1)} s\n`);
    const parallel = await list(target.url, "by-directory");
    process.stderr.write(`by-directory: ${parallel.seconds.toFixed(1)} s\n`);
    const serial = await list(target.url, "recursive");
    const ratio = serial.seconds / parallel.seconds;
    const text = section(target.paths, [serial, parallel], ratio);
    process.stdout.write(`${text}\n`);
    const same = serial.count === parallel.count && serial.checksum === parallel.checksum && serial.count === target.paths;
    if (!same) process.stderr.write("DIFFERENT RESULTS: the two listings do not agree\n");
    if (args.includes("--record")) {
      if (wanted === DEFAULT_PATHS && same) recordSection("listing", text);
      else process.stderr.write("not recorded: --record needs the default size and agreeing listings\n");
    }
    return same && ratio >= TARGET_RATIO ? 0 : 1;
  } finally {
    target.child.removeAllListeners("exit");
    target.child.kill("SIGTERM");
  }
}

void main().then((code) => process.exit(code));
