import { ChildProcess, spawn } from "child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { cpus, tmpdir, totalmem } from "os";
import * as path from "path";
import { createInterface } from "readline";
import { finished } from "stream/promises";
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME } from "../emulators/dfs/server";
import { DEFAULT_MEMORY_LIMIT } from "../scripts/lib/duckEngine";
import { BIG_FILESYSTEM, writeBigInputs } from "./inventoryData";
import { LegacyRun, measureLegacy } from "./legacyEngine";
import { Measured, ROOT, describeRun, runMeasured, validateCommand } from "./measure";
import { checkBig, countsProblem, expectedCounts, listedToFit, parseReport, plantedProblem } from "./validateChecks";
import { DIRS, FILESYSTEM, sourcePaths } from "./validateData";

/**
 * `npm run bench:validate [-- --dirs <n>] [--big-paths <n>] [--skip-big] [--record]`:
 *
 * 1 000 000 paths per side (source: an inventory file; target: the DFS test
 * server in its own process, listed by the tools' Gen2 reader), compared three ways on
 * the same input: `npm run validate` (the DuckDB engine); the engine it
 * replaced (external sort + merge), run from the last commit that had it,
 * taken from git history into a temp dir (bench/legacyEngine.ts; without
 * that history its row says why and the rest still runs); and a naive
 * load-both-into-Maps comparison. Both validate engines must report exactly
 * the planted differences, every one listed. Then 10 000 000 paths per side
 * from inventories (bench/inventoryData.ts), CSV and Parquet, unless
 * --skip-big. Measures wall time and peak RSS of each process and prints the
 * table with the ratios. --dirs sets the 1 M case's folder count (999 files
 * each), --big-paths the 10 M case's paths. Only --record at the default
 * sizes, without --skip-big, rewrites the "validate" section of
 * bench/RESULTS.md, so a plain run leaves the work tree clean.
 */

const LIMIT_SECONDS = 60;
const LIMIT_MB = 300;
/** The inventory case: 10 M paths a side, under a minute and 1 GB (issue 15). */
const BIG_PATHS = 10_000_000;
const BIG_LIMIT_SECONDS = 60;
const BIG_LIMIT_MB = 1024;

interface Flags {
  dirs: number;
  bigPaths: number;
  skipBig: boolean;
  record: boolean;
}

/** The flags, or every problem with them (exit 2). */
function parseFlags(args: string[]): Flags | string[] {
  const value = (flag: string, fallback: number): number => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : fallback);
  const flags = { dirs: value("--dirs", DIRS), bigPaths: value("--big-paths", BIG_PATHS), skipBig: args.includes("--skip-big"), record: args.includes("--record") };
  const problems: string[] = [];
  if (!Number.isInteger(flags.dirs) || flags.dirs < 1) problems.push("--dirs must be a whole number ≥ 1");
  if (!Number.isInteger(flags.bigPaths) || flags.bigPaths < 1000 || flags.bigPaths % 1000 !== 0) problems.push("--big-paths must be a multiple of 1000");
  const known = new Set(["--dirs", "--big-paths", "--skip-big", "--record"]);
  for (const a of args.filter((a, i) => a.startsWith("--") && !known.has(a) && !["--dirs", "--big-paths"].includes(args[i - 1]))) problems.push(`${a}: unknown flag`);
  return problems.length ? problems : flags;
}

function startTarget(dirs: number): Promise<{ child: ChildProcess; url: string; paths: number; seconds: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "dfsTarget.ts"), String(dirs)], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("DFS target did not start within 5 minutes")), 5 * 60_000);
    child.on("exit", (code) => reject(new Error(`DFS target exited early (${code})`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = /^ready (\S+) (\d+)$/.exec(line);
      if (!m) return;
      clearTimeout(timer);
      resolve({ child, url: m[1], paths: Number(m[2]), seconds: (Date.now() - started) / 1000 });
    });
  });
}

async function writeInventory(file: string, dirs: number): Promise<number> {
  const out = createWriteStream(file);
  let n = 0;
  let chunk: string[] = [];
  for (const p of sourcePaths(dirs)) {
    chunk.push(JSON.stringify(p));
    n++;
    if (chunk.length === 5000) {
      if (!out.write(`${chunk.join("\n")}\n`)) await new Promise<void>((r) => out.once("drain", () => r()));
      chunk = [];
    }
  }
  out.end(chunk.length ? `${chunk.join("\n")}\n` : "");
  await finished(out);
  return n;
}

/** The 1 M case's three runs on one input; the old engine's outcome is checked, not thrown, so its row can say what went wrong. */
interface MillionRuns {
  sourceCount: number;
  targetCount: number;
  engine: Measured;
  legacy: LegacyRun;
  legacyProblem?: string;
  naive: Measured;
}

async function millionRuns(work: string, dirs: number): Promise<MillionRuns> {
  const inventory = path.join(work, "source.jsonl");
  const sourceCount = await writeInventory(inventory, dirs);
  process.stderr.write(`source inventory: ${sourceCount} paths\n`);
  const target = await startTarget(dirs);
  process.stderr.write(`DFS target: ${target.paths} paths seeded in ${target.seconds.toFixed(1)} s at ${target.url}\n`);
  const env = { AZURE_STORAGE_ACCOUNT: DEV_ACCOUNT_NAME, AZURE_STORAGE_KEY: DEV_ACCOUNT_KEY };
  const uri = `abfss://${FILESYSTEM}@${DEV_ACCOUNT_NAME}.dfs.core.windows.net/`;
  const args = ["--source", inventory, "--target", uri, "--account-url", target.url, "--json", "--max-listed", String(listedToFit(dirs)), "--tmp-dir", work];
  try {
    const engine = await runMeasured(validateCommand(), args, env);
    process.stderr.write(`validate: ${describeRun(engine)}\n`);
    const problem = plantedProblem(engine, dirs);
    if (problem) throw new Error(`validate (DuckDB engine): ${problem}`);
    const legacy = await measureLegacy(args, env);
    const legacyProblem = "run" in legacy ? plantedProblem(legacy.run, dirs) ?? exitProblem(legacy.run) : undefined;
    process.stderr.write(`old engine: ${"run" in legacy ? `${describeRun(legacy.run)}${legacyProblem ? `; ${legacyProblem}` : ""}` : `not run: ${legacy.unavailable}`}\n`);
    const naive = await runMeasured(["--import", "tsx", path.join(__dirname, "naiveValidate.ts")], [inventory, target.url, FILESYSTEM], env);
    process.stderr.write(`naive: ${describeRun(naive)}\n`);
    const naiveProblem = countsProblem(parseReport(naive).counts, expectedCounts(dirs));
    if (naiveProblem) throw new Error(`naive: ${naiveProblem}`);
    return { sourceCount, targetCount: target.paths, engine, legacy, legacyProblem, naive };
  } finally {
    target.child.kill("SIGTERM");
  }
}

/** validate exits 1 when it finds differences; anything else means the run did not complete as the command it is. */
const exitProblem = (m: Measured): string | undefined => (m.code === 1 ? undefined : `exit ${m.code}, expected 1: ${m.stderr.trim().split("\n").pop() ?? ""}`);

interface BigCase {
  format: "csv" | "parquet";
  run: Measured;
}

/** Source: a saved Parquet listing; target: a blob inventory run in `format`; with --acls, so every kind is compared. */
async function bigCases(work: string, paths: number): Promise<BigCase[]> {
  const cases: BigCase[] = [];
  for (const format of ["csv", "parquet"] as const) {
    const dir = mkdtempSync(path.join(work, `big-${format}-`));
    const inputs = await writeBigInputs(dir, paths, format);
    process.stderr.write(`${format}: ${paths} paths a side written\n`);
    const run = await runMeasured(
      validateCommand(),
      ["--source", inputs.source, "--target", `inventory:${inputs.run}#${BIG_FILESYSTEM}`, "--acls", "--json", "--tmp-dir", dir],
      {},
    );
    process.stderr.write(`validate ${format}: ${describeRun(run)}\n`);
    checkBig(run, paths);
    rmSync(dir, { recursive: true, force: true });
    cases.push({ format, run });
  }
  return cases;
}

const bigMet = (cases: BigCase[]): boolean => cases.every((c) => c.run.code === 1 && c.run.seconds < BIG_LIMIT_SECONDS && c.run.peakMb < BIG_LIMIT_MB);

function bigSection(cases: BigCase[] | undefined, paths: number): string[] {
  if (!cases) return [`### ${paths} paths a side from inventories`, "", "Not run (--skip-big).", ""];
  const each = paths / 1000;
  return [
    `### ${paths} paths a side from inventories`,
    "",
    `Source: a saved listing in Parquet; target: a blob inventory run (manifest, checksum, one data file) in CSV or Parquet, both generated by DuckDB into a temp dir.`,
    `\`--acls\`, so every kind is compared: ${each} each of missing, extra, type, size, stale and acl (0.1 % per kind); every count exact and every listed example a planted one.`,
    "",
    "| target format | wall time | peak RSS (validate process) |",
    "| --- | ---: | ---: |",
    ...cases.map((c) => `| blob inventory ${c.format.toUpperCase()} | ${c.run.seconds.toFixed(1)} s | ${c.run.peakMb.toFixed(0)} MB |`),
    "",
    `Bar: under ${BIG_LIMIT_SECONDS} s and ${BIG_LIMIT_MB} MB: **${bigMet(cases) ? "met" : "NOT met"}**.`,
    "",
  ];
}

const cell = (s: string): string => s.replace(/\s+/g, " ").replace(/\|/g, "\\|").slice(0, 300);
const figures = (m: Measured): string => `${m.seconds.toFixed(1)} s | ${m.peakMb.toFixed(0)} MB`;
const ratio = (a: Measured, b: Measured): string => `${(a.seconds / b.seconds).toFixed(2)}× | ${(a.peakMb / b.peakMb).toFixed(2)}×`;

/** The old engine's row and its ratio row: figures when it ran and found exactly the planted differences, else why not. */
function legacyRows(r: MillionRuns): string[] {
  const { legacy } = r;
  const name = `old engine: external sort + merge (\`npm run validate\` at ${"run" in legacy ? legacy.commit.slice(0, 7) : "its last commit"}, from git history)`;
  if (!("run" in legacy)) return [`| ${name} | not run: ${cell(legacy.unavailable)} | — |`, "| ratio new / old engine | — | — |"];
  if (r.legacyProblem) return [`| ${name} | failed: ${cell(r.legacyProblem)} | — |`, "| ratio new / old engine | — | — |"];
  return [`| ${name} | ${figures(legacy.run)} |`, `| ratio new / old engine | ${ratio(r.engine, legacy.run)} |`];
}

const millionMet = (r: MillionRuns): boolean => r.engine.code === 1 && r.engine.seconds < LIMIT_SECONDS && r.engine.peakMb < LIMIT_MB;

function millionSection(r: MillionRuns, dirs: number): string[] {
  const expected = expectedCounts(dirs);
  const diffs = Object.values(expected).reduce((a, b) => a + b, 0);
  const legacyFound = "run" in r.legacy && !r.legacyProblem ? "both validate engines listed exactly these, the naive comparison counted them" : "validate listed exactly these, the naive comparison counted them";
  return [
    `Source: inventory file (JSON lines), ${r.sourceCount} paths. Target: DFS test server in its own process, ${r.targetCount} paths, listed by`,
    `the tools' Gen2 reader (pages of up to 5000). ${diffs} differences (${((diffs / r.sourceCount) * 100).toFixed(2)} %): ` +
      `${expected.missing} missing, ${expected.extra} extra, ${expected.size} size; ${legacyFound}.`,
    "",
    "| comparison | wall time | peak RSS (validate process) |",
    "| --- | ---: | ---: |",
    `| \`npm run validate\` (DuckDB engine, memory limit ${DEFAULT_MEMORY_LIMIT}; heap capped in package.json) | ${figures(r.engine)} |`,
    ...legacyRows(r),
    `| naive: both listings into Maps, then compare | ${figures(r.naive)} |`,
    `| ratio new / naive | ${ratio(r.engine, r.naive)} |`,
    "",
    `Bar: under ${LIMIT_SECONDS} s and ${LIMIT_MB} MB for 1 000 000 paths: **${millionMet(r) ? "met" : "NOT met"}**. ` +
      "Wall time includes process start-up and both listings (they run concurrently); the target server's memory is not counted.",
    "",
    "Each engine is its whole command as its own package.json ran it, listing included: the new one lists the target folder by folder",
    "(`--listing auto` on a root of many folders), the old tree could only list it in one recursive stream, so the time ratio is of the",
    "commands, not of the comparison engines alone.",
    "Where the time goes: both listings run at once in one process on 2 cores shared with the emulator: the target's pages parsed",
    "with JSON.parse (the old tree still used the SDK's listPaths deserializer, ~40 µs of CPU a path), the source's JSON lines in JS.",
    "The naive comparison's memory grows with the listing (about 1 KB a path).",
    "",
  ];
}

function record(section: string): void {
  const file = path.join(__dirname, "RESULTS.md");
  const current = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmark results\n";
  const start = current.search(/^## validate\b/m);
  let next = -1;
  if (start >= 0) {
    const rest = current.slice(start + 1).search(/^## /m);
    next = rest >= 0 ? start + 1 + rest : -1;
  }
  const updated =
    start < 0 ? `${current.trimEnd()}\n\n${section}` : `${current.slice(0, start)}${section}${next >= 0 ? `\n${current.slice(next)}` : ""}`;
  writeFileSync(file, `${updated.trimEnd()}\n`);
  process.stderr.write(`recorded in ${file}\n`);
}

function maybeRecord(flags: Flags, section: string): void {
  if (!flags.record) return;
  if (flags.dirs === DIRS && flags.bigPaths === BIG_PATHS && !flags.skipBig) record(section);
  else process.stderr.write(`not recorded: --record needs the default sizes (${DIRS} dirs, ${BIG_PATHS} big paths) and no --skip-big, the figures in RESULTS.md are for them\n`);
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  if (Array.isArray(flags)) {
    for (const p of flags) process.stderr.write(`${p}\n`);
    return 2;
  }
  const work = mkdtempSync(path.join(tmpdir(), "bench-validate-"));
  try {
    const million = await millionRuns(work, flags.dirs);
    const big = flags.skipBig ? undefined : await bigCases(work, flags.bigPaths);
    const section = [
      "## validate",
      "",
      `\`npm run bench:validate\` (${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}).`,
      ...millionSection(million, flags.dirs),
      ...bigSection(big, flags.bigPaths),
    ].join("\n");
    process.stdout.write(`${section}\n`);
    maybeRecord(flags, section);
    const ok = millionMet(million) && !million.legacyProblem && (!big || bigMet(big));
    return ok ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
