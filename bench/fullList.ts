import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { createInterface } from "readline";
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME, type DfsServer, startDfsServer } from "../emulators/dfs/server";
import { seedGen2Folders, writeGen1Inventory, writeStackFile } from "./fullListData";
import { type Measured, ROOT, describeRun, runMeasured, validateCommand } from "./measure";
import { stackOutputs } from "../emulators/stackOutputs";

/**
 * `npm run bench:full-list [-- --files <n>] [--record]`: differences of any
 * number, end to end. A lake where `--files` files (default 300 000) are
 * missing on Gen2, from a saved Gen1 inventory against the DFS emulator's
 * folders: `npm run validate -- --stack ... --out` (its heap caps
 * included) must write every difference to <base>.differences.jsonl while
 * its report lists 1000, and `reconcile --dry-run --report` must plan every
 * copy, once as `npm run reconcile` runs it and once with its heap capped
 * at RECONCILE_HEAP_MB (it would run out if it held the list); the same
 * with 1000 files for the baseline. Prints the table; only --record (at the
 * default size) rewrites the "full list" section of bench/RESULTS.md.
 */

const DEFAULT_FILES = 300_000;
const SMALL_FILES = 1000;
const DIRS = 100;
/** Heap enough for reconcile's modules (about 70 MB live after a full GC) and some room; not for a list of 300 000. */
const RECONCILE_HEAP_MB = 128;
const sharedKey = { AZURE_STORAGE_ACCOUNT: DEV_ACCOUNT_NAME, AZURE_STORAGE_KEY: DEV_ACCOUNT_KEY };

interface Row {
  files: number;
  validate: Measured;
  listMb: number;
  reconcile: Measured;
  capped: Measured;
}

async function lines(file: string): Promise<number> {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) if (line !== "") n++;
  return n;
}

/** What is wrong with a run (empty when nothing). */
async function problems(files: number, base: string, v: Measured, r: Measured[]): Promise<string[]> {
  const out: string[] = [];
  if (v.code !== 1) out.push(`validate exit ${v.code} (expected 1): ${v.stderr.slice(-300)}`);
  if (!existsSync(`${base}.json`)) return [...out, "no JSON report"];
  const report = JSON.parse(readFileSync(`${base}.json`, "utf8"));
  if (report.counts.missing !== files) out.push(`validate counted ${report.counts.missing} missing, expected ${files}`);
  const listed = await lines(`${base}.differences.jsonl`);
  if (listed !== files) out.push(`the full list holds ${listed} lines, expected ${files}`);
  for (const m of r) {
    const copies = m.code === 1 ? (JSON.parse(m.stdout) as { planned: { copy: number } }).planned.copy : undefined;
    if (copies !== files) out.push(`reconcile --dry-run exit ${m.code}, ${copies} copies planned (expected exit 1, ${files}): ${m.stderr.slice(-300)}`);
  }
  return out;
}

async function measure(dfs: DfsServer, dir: string, files: number): Promise<{ row: Row; problems: string[] }> {
  const name = `f${files}`;
  const stack = writeStackFile(dir, name);
  const inventory = await writeGen1Inventory(dir, name, DIRS, files);
  seedGen2Folders(dfs, name, DIRS);
  const base = path.join(dir, name);
  const validate = await runMeasured(validateCommand(), ["--config-file", stack, "--source", inventory, "--account-url", dfs.url, "--out", base], sharedKey);
  const outputs = path.join(dir, "outputs.json");
  const args = [path.join(ROOT, "scripts", "reconcile.ts"), "--config-file", stack, "--outputs", outputs, "--report", `${base}.json`, "--dry-run", "--json"];
  const reconcile = await runMeasured(["--import", "tsx"], args, sharedKey);
  const capped = await runMeasured([`--max-old-space-size=${RECONCILE_HEAP_MB}`, "--import", "tsx"], args, sharedKey);
  const listMb = existsSync(`${base}.differences.jsonl`) ? statSync(`${base}.differences.jsonl`).size / 1024 / 1024 : NaN;
  return { row: { files, validate, listMb, reconcile, capped }, problems: await problems(files, base, validate, [reconcile, capped]) };
}

function table(rows: Row[]): string {
  return [
    `Missing files from a saved Gen1 inventory (CSV) against the DFS emulator's ${DIRS} folders; validate as \`npm run validate\` runs it (heap capped at 192 MB), reconcile as \`npm run reconcile\` runs it and with --max-old-space-size=${RECONCILE_HEAP_MB}. ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "| missing files | validate --out | full list | reconcile --dry-run | same, heap capped at " + RECONCILE_HEAP_MB + " MB |",
    "| ---: | --- | ---: | --- | --- |",
    ...rows.map((r) => `| ${r.files} | ${describeRun(r.validate)} | ${r.listMb.toFixed(1)} MB | ${describeRun(r.reconcile)} | ${describeRun(r.capped)} |`),
  ].join("\n");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const filesArg = args.includes("--files") ? Number(args[args.indexOf("--files") + 1]) : DEFAULT_FILES;
  if (!Number.isInteger(filesArg) || filesArg < DIRS || filesArg % DIRS !== 0) {
    process.stderr.write(`--files must be a multiple of ${DIRS}\n`);
    process.exitCode = 2;
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), "bench-full-list-"));
  const dfs = await startDfsServer();
  try {
    dfs.createFilesystem("raw");
    // A factory with the catch-up pipeline: a dry run calls nothing.
    writeFileSync(path.join(dir, "outputs.json"), JSON.stringify(stackOutputs({ pattern: "lift-and-shift", pipelines: ["full-copy", "catch-up"] })));
    const rows: Row[] = [];
    const failed: string[] = [];
    for (const files of [SMALL_FILES, filesArg]) {
      const { row, problems } = await measure(dfs, dir, files);
      rows.push(row);
      failed.push(...problems.map((p) => `${files} files: ${p}`));
    }
    const section = table(rows);
    process.stdout.write(`${section}\n`);
    if (failed.length > 0) {
      process.stderr.write(`${failed.join("\n")}\n`);
      process.exitCode = 1;
    } else if (args.includes("--record") && filesArg === DEFAULT_FILES) record(section);
  } finally {
    await dfs.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function record(section: string): void {
  const file = path.join(__dirname, "RESULTS.md");
  const current = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmark results\n";
  const body = `## full list\n\n\`npm run bench:full-list -- --record\`\n\n${section}\n`;
  const re = /## full list\n[\s\S]*?(?=\n## |$)/;
  writeFileSync(file, re.test(current) ? current.replace(re, body.trimEnd() + "\n") : `${current.trimEnd()}\n\n${body}`);
  process.stderr.write(`recorded in ${file}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
