import { Option } from "commander";
import { writeFileSync } from "fs";
import { z } from "zod";
import { EXIT_FAILED, EXIT_OK, UsageError } from "./lib/cli";
import { type Io, defineCommand, runMain } from "./lib/command";
import { readDataFile, reportPaths } from "./lib/dataFile";
import { MAX_INVENTORY_AGE_DEFAULT, MAX_INVENTORY_AGE_HELP, maxInventoryAge } from "./lib/duration";
import { startProgress } from "./lib/progress";
import { openSource, parseSource } from "./sources/open";
import { SourceError } from "./sources/types";
import { DEFAULT_MAX_LISTED, DEFAULT_RUN_SIZE, MIN_RUN_SIZE, validate } from "./validate/compare";
import { toJson, toMarkdown, totalDifferences } from "./validate/report";

const principalMapSchema = z.record(z.string().min(1), z.string().min(1));

type Flags = Record<string, string | boolean | undefined>;

export const main = defineCommand<Flags>(
  (program) =>
    program
      .name("validate")
      .description("Compare a Gen1 (or inventory) listing with a Gen2 (or inventory) listing path by path. Exit 0 only when nothing differs.")
      .requiredOption("--source <uri|file>", "adl://..., https://<acct>.azuredatalakestore.net/webhdfs/v1/..., abfss://... inventory:<run>#<filesystem>/<path>, or an inventory file (.csv/.jsonl/.parquet)")
      .requiredOption("--target <uri|file>", "abfss://<filesystem>@<account>.dfs.core.windows.net/<path>, inventory:<run folder or manifest>#<filesystem>/<path>, or any --source form")
      .option("--acls", "also compare owner, group and ACLs (one extra request per path on live accounts)", false)
      .option("--principal-map <file>", "YAML/JSON map of source principal id → target principal id, applied before ACLs are compared")
      .addOption(new Option("--max-inventory-age <duration>", MAX_INVENTORY_AGE_HELP).default(MAX_INVENTORY_AGE_DEFAULT))
      .option("--account-url <url>", "endpoint for the target instead of https://<account>.dfs.core.windows.net (private endpoint, test server)")
      .option("--source-account-url <url>", "endpoint for the source instead of https://<account>.azuredatalakestore.net")
      .option("--out <base>", "write <base>.md and <base>.json")
      .option("--json", "print the JSON report on stdout instead of Markdown", false)
      .addOption(new Option("--max-listed <n>", "examples listed per difference kind (counts are always complete)").default(String(DEFAULT_MAX_LISTED)))
      .addOption(new Option("--retries <n>", "retries for throttled or failed requests").default("4"))
      .addOption(new Option("--run-size <n>", "paths held in memory per side before spilling a sorted run to disk").default(String(DEFAULT_RUN_SIZE)))
      .option("--tmp-dir <dir>", "where sorted runs are spilled (default: the OS temp dir)"),
  run,
);

function count(flag: string, value: string, min: number, problems: string[]): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min) problems.push(`${flag} ${JSON.stringify(value)}: must be a whole number ≥ ${min}`);
  return n;
}

async function run(o: Flags, io: Io): Promise<number> {
  const problems: string[] = [];
  const guard = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (err) {
      if (err instanceof UsageError) problems.push(err.message);
      else throw err;
      return undefined;
    }
  };
  const inventory = { maxInventoryAgeMs: maxInventoryAge(String(o.maxInventoryAge), problems) };
  const source = guard(() => parseSource("--source", String(o.source), inventory));
  const target = guard(() => parseSource("--target", String(o.target), inventory));
  const maxListed = count("--max-listed", String(o.maxListed), 0, problems);
  const retries = count("--retries", String(o.retries), 0, problems);
  const runSize = count("--run-size", String(o.runSize), MIN_RUN_SIZE, problems);
  let principalMap: Map<string, string> | undefined;
  if (typeof o.principalMap === "string") {
    const file = o.principalMap;
    const parsed = guard(() => principalMapSchema.safeParse(readDataFile("--principal-map", file)));
    if (parsed && !parsed.success) problems.push(`--principal-map ${file}: expected a map of source id → target id strings`);
    if (parsed?.success) principalMap = new Map(Object.entries(parsed.data));
  }
  if (problems.length > 0 || !source || !target) throw new UsageError("validate: bad arguments", problems);

  const progress = startProgress();
  const listed = { source: progress.counter("listing source"), target: progress.counter("listing target") };
  let compared: ReturnType<typeof progress.counter> | undefined;
  let result;
  try {
    result = await validate(
      openSource(source, { retries, accountUrl: o.sourceAccountUrl as string | undefined }),
      openSource(target, { retries, accountUrl: o.accountUrl as string | undefined }),
      {
        acls: o.acls === true,
        principalMap,
        runSize,
        maxListed,
        tmpDir: o.tmpDir as string | undefined,
        onListed: (side) => listed[side].increment(),
        onCompared: () => (compared ??= progress.counter("comparing")).increment(),
      },
    );
  } catch (err) {
    if (err instanceof SourceError) {
      progress.stop();
      io.err(`validate: ${err.message}\n`);
      // The other side may still be listing (possibly for minutes); its result is of no use now.
      process.exit(EXIT_FAILED);
    }
    throw err;
  } finally {
    progress.stop();
  }
  if (typeof o.out === "string") {
    const files = reportPaths(o.out);
    writeFileSync(files.md, toMarkdown(result));
    writeFileSync(files.json, toJson(result));
    io.err(`wrote ${files.md} and ${files.json}\n`);
  }
  io.out(o.json ? toJson(result) : toMarkdown(result));
  return totalDifferences(result) === 0 ? EXIT_OK : EXIT_FAILED;
}

if (require.main === module) runMain(main);
