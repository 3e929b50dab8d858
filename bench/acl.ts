import { ChildProcess, spawn } from "child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "fs";
import { cpus, tmpdir } from "os";
import * as path from "path";

/**
 * `npm run bench:acl [-- --record]`: our ACL applier (concurrency 16, 50
 * subtrees) against the SDK's single serial updateAccessControlRecursive on
 * the root, same server, same run, at 100 000 and 400 000 paths (50 top-level
 * folders both times). The server runs in its own process and
 * models the remote service's time, not our CPU: 5 ms per request plus
 * 0.05 ms per path changed (timers), so a full 2000-path batch takes ~105 ms.
 * The applier and the baseline each run in their own process; peak RSS is
 * the applier process's maxRSS at 100 000 and 400 000 paths.
 * --record rewrites the "ACL apply" section of bench/RESULTS.md.
 */

const TSX = require.resolve("tsx/cli");
const HERE = __dirname;
const GROUP_BASELINE = "eeeeeeee-0000-0000-0000-000000000001";
const GROUP_OURS = "eeeeeeee-0000-0000-0000-000000000002";

interface Result {
  paths: number;
  ms: number;
  maxRssKb: number;
  failures?: number;
  code?: number;
}

function tsx(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, [TSX, path.join(HERE, script), ...args], { stdio: ["ignore", "pipe", "inherit"] });
}

function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error(`no output within ${timeoutMs} ms`)), timeoutMs);
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl !== -1) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl));
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (buf.indexOf("\n") === -1) reject(new Error(`exited with ${code} before printing a result`));
    });
  });
}

async function withServer<T>(paths: number, fn: (url: string, count: number) => Promise<T>): Promise<T> {
  const server = tsx("acl/server.ts", [String(paths)]);
  try {
    const [, url, count] = (await firstLine(server, 120_000)).split(" ");
    return await fn(url, Number(count));
  } finally {
    server.kill("SIGTERM");
  }
}

async function run(script: string, args: string[]): Promise<Result> {
  return JSON.parse(await firstLine(tsx(script, args), 600_000)) as Result;
}

const ACCOUNT = "devstoreaccount1";
const KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTBtr/KBHBeksoGMGw==";

async function ours(url: string, work: string, tag: string): Promise<Result> {
  const spec = path.join(work, `spec-${tag}.yaml`);
  writeFileSync(spec, `rules:\n  - path: bench\n    entries:\n      - { objectId: ${GROUP_OURS}, type: group, permissions: r-x }\n`);
  return run("acl/applier.ts", [url, ACCOUNT, KEY, spec, path.join(work, `cp-${tag}.json`)]);
}

const rate = (r: Result) => Math.round(r.paths / (r.ms / 1000));
const mb = (kb: number) => Math.round(kb / 1024);

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), "bench-acl-"));
  process.stderr.write("seeding 100 000 paths...\n");
  const small = await withServer(100_000, async (url, count) => {
    process.stderr.write(`serial SDK baseline on ${count} paths...\n`);
    const baseline = await run("acl/serial.ts", [url, ACCOUNT, KEY, GROUP_BASELINE]);
    process.stderr.write("our applier...\n");
    const applier = await ours(url, work, "100k");
    return { count, baseline, applier };
  });
  process.stderr.write("seeding 400 000 paths...\n");
  const large = await withServer(400_000, async (url, count) => {
    process.stderr.write(`serial SDK baseline on ${count} paths...\n`);
    const baseline = await run("acl/serial.ts", [url, ACCOUNT, KEY, GROUP_BASELINE]);
    process.stderr.write("our applier...\n");
    return { count, baseline, applier: await ours(url, work, "400k") };
  });

  // Same 50 top-level folders at both sizes; the applier's fixed per-process
  // cost (SDK warm-up, planning) weighs more on the smaller tree.
  const ratio = rate(small.applier) / rate(small.baseline);
  const ratioLarge = rate(large.applier) / rate(large.baseline);
  const rssGrowth = large.applier.maxRssKb / small.applier.maxRssKb - 1;
  const ok = (b: boolean) => (b ? "met" : "MISSED");
  const lines = [
    `Tree: ${small.count} paths in 50 top-level folders (19 subfolders each); service model 5 ms/request + 0.05 ms/path changed; ${cpus().length} CPUs, node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "| run | paths | time | paths/s | peak RSS |",
    "| --- | ---: | ---: | ---: | ---: |",
    `| SDK updateAccessControlRecursive on the root (serial) | ${small.baseline.paths} | ${(small.baseline.ms / 1000).toFixed(2)} s | ${rate(small.baseline)} | ${mb(small.baseline.maxRssKb)} MB |`,
    `| acl apply --concurrency 16, 100k | ${small.applier.paths} | ${(small.applier.ms / 1000).toFixed(2)} s | ${rate(small.applier)} | ${mb(small.applier.maxRssKb)} MB |`,
    `| SDK updateAccessControlRecursive on the root (serial), 400k | ${large.baseline.paths} | ${(large.baseline.ms / 1000).toFixed(2)} s | ${rate(large.baseline)} | ${mb(large.baseline.maxRssKb)} MB |`,
    `| acl apply --concurrency 16, 400k (${large.count} paths) | ${large.applier.paths} | ${(large.applier.ms / 1000).toFixed(2)} s | ${rate(large.applier)} | ${mb(large.applier.maxRssKb)} MB |`,
    "",
    `- Speed-up over the serial SDK call, 100k paths in 50 folders: **${ratio.toFixed(1)}×** (target ≥ 10×, ideal 16×): ${ok(ratio >= 10)}.`,
    `- Speed-up over the serial SDK call, 400k paths in 50 folders: **${ratioLarge.toFixed(1)}×** (target ≥ 10×, ideal 16×): ${ok(ratioLarge >= 10)}.`,
    `- Applier peak RSS 400k vs 100k: **${rssGrowth >= 0 ? "+" : ""}${(rssGrowth * 100).toFixed(1)}%** (target within 20%): ${ok(Math.abs(rssGrowth) <= 0.2)}.`,
  ];
  const failures = (small.applier.failures ?? 0) + (large.applier.failures ?? 0);
  if (failures > 0) lines.push(`- WARNING: the applier reported ${failures} failures.`);
  const section = lines.join("\n");
  process.stdout.write(`${section}\n`);

  if (process.argv.includes("--record")) {
    const file = path.join(HERE, "RESULTS.md");
    const current = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmark results\n";
    const body = `## ACL apply\n\n\`npm run bench:acl\`\n\n${section}\n`;
    const re = /## ACL apply\n[\s\S]*?(?=\n## |$)/;
    const next = re.test(current) ? current.replace(re, body.trimEnd() + "\n") : `${current.trimEnd()}\n\n${body}`;
    writeFileSync(file, next);
    process.stderr.write(`recorded in ${file}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
