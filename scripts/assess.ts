import { Option } from "commander";
import { writeFileSync } from "fs";
import { CommandFailed, EXIT_OK, Interrupted, UsageError } from "./lib/cli";
import { type Io, defineCommand, runMain } from "./lib/command";
import { reportPaths } from "./lib/dataFile";
import { DEFAULT_MEMORY_LIMIT, memoryLimitProblem } from "./lib/duckEngine";
import { MAX_INVENTORY_AGE_DEFAULT, MAX_INVENTORY_AGE_HELP, maxInventoryAge } from "./lib/duration";
import { ListingCounts } from "./lib/listingCounts";
import { startProgress } from "./lib/progress";
import { assess, parseThroughput } from "./assess/analyze";
import { toMarkdown } from "./assess/report";
import { openSource, parseSource } from "./sources/open";
import { InputError, ListedField, PathEntry, SourceError } from "./sources/types";

type Flags = Record<string, string | boolean | undefined>;

/** Fields assess cannot do without (validate's check of a saved listing's columns). */
const REQUIRED: readonly ListedField[] = ["type", "size"];

export const main = defineCommand<Flags>(
  (program) =>
    program
      .name("assess")
      .description("Inventory a Gen1 account, Gen2 filesystem or inventory file: sizes per folder, ages, largest files, names and ACLs Gen2 rejects, estimated copy time.")
      .requiredOption("--source <uri|file>", "adl://..., https://<acct>.azuredatalakestore.net/webhdfs/v1/..., abfss://... inventory:<run>#<filesystem>/<path>, or an inventory file (.csv/.jsonl/.parquet)")
      .option("--acls", "read each path's ACL to find ACLs over 28 named entries (one extra request per path on live accounts)", false)
      .addOption(new Option("--throughput <rate>", "copy throughput for the estimate (default: the 2 GB/s Data Factory publishes for Gen1 → Gen2)").default("2GB/s"))
      .addOption(new Option("--top <n>", "largest files listed").default("20"))
      .addOption(new Option("--examples <n>", "example paths listed per finding").default("20"))
      .addOption(new Option("--max-inventory-age <duration>", MAX_INVENTORY_AGE_HELP).default(MAX_INVENTORY_AGE_DEFAULT))
      .option("--account-url <url>", "endpoint instead of https://<account>.azuredatalakestore.net / .dfs.core.windows.net")
      .addOption(new Option("--retries <n>", "retries for throttled or failed requests").default("4"))
      .addOption(new Option("--memory-limit <size>", "DuckDB memory limit (<n>KB|MB|GB); it spills to --tmp-dir beyond it").default(DEFAULT_MEMORY_LIMIT))
      .option("--tmp-dir <dir>", "where DuckDB's spill files go (default: the OS temp dir); removed on every exit")
      .option("--out <base>", "write <base>.md and <base>.json")
      .option("--json", "print the JSON report on stdout instead of Markdown", false),
  run,
);

async function run(o: Flags, io: Io): Promise<number> {
  const problems: string[] = [];
  const whole = (flag: string, value: string): number => {
    if (!/^\d+$/.test(value)) problems.push(`${flag} ${JSON.stringify(value)}: must be a whole number ≥ 0`);
    return Number(value);
  };
  const maxInventoryAgeMs = maxInventoryAge(String(o.maxInventoryAge), problems);
  let spec;
  try {
    spec = parseSource("--source", String(o.source), { maxInventoryAgeMs });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(err.message);
  }
  const throughput = parseThroughput(String(o.throughput));
  if (throughput === undefined) problems.push(`--throughput ${JSON.stringify(o.throughput)}: expected a rate such as 2GB/s or 500MB/s`);
  const top = whole("--top", String(o.top));
  const examples = whole("--examples", String(o.examples));
  const retries = whole("--retries", String(o.retries));
  const memoryProblem = memoryLimitProblem(String(o.memoryLimit));
  if (memoryProblem) problems.push(memoryProblem);
  if (problems.length > 0 || !spec || throughput === undefined) throw new UsageError("assess: bad arguments", problems);

  const acls = o.acls === true;
  // As validate: without a type or size column every path would count as a file of 0 bytes; --acls needs the ACL column.
  const list = { acls, require: [...REQUIRED, ...(acls ? (["acl"] as const) : [])] };
  const reader = openSource(spec, { accountUrl: o.accountUrl as string | undefined, retries, env: io.env });
  const progress = startProgress({ tty: io.tty, write: (line) => io.err(`${line}\n`) });
  const counts = new ListingCounts(io.env);
  async function* counted(): AsyncIterable<PathEntry> {
    const counter = progress.counter("listing", counts.expected(reader.describe));
    let listed = 0;
    for await (const e of reader.list({ ...list, signal: io.signal })) {
      // A reader that does not take the signal stops here, at its next entry.
      io.signal?.throwIfAborted();
      counter.increment();
      listed++;
      yield e;
    }
    // The listing is complete: the next one of this source shows an ETA.
    const problem = counts.remember(reader.describe, listed);
    if (problem) io.err(`assess: ${problem}\n`);
  }
  let result;
  try {
    // Paths are counted as they stream in; DuckDB reads inventory files without a row passing through here.
    const files = reader.inventoryFiles?.(list);
    result = await assess(reader.describe, files ?? counted(), {
      acls,
      throughput,
      top,
      examples,
      memoryLimit: String(o.memoryLimit),
      tmpDir: o.tmpDir as string | undefined,
    });
  } catch (err) {
    if (io.signal?.aborted) throw new Interrupted("assess: interrupted; no report was written: run it again");
    if (err instanceof InputError) throw new UsageError(`assess: ${err.message}`);
    if (err instanceof SourceError) throw new CommandFailed(`assess: ${err.message}`);
    throw err;
  } finally {
    progress.stop();
  }
  const json = `${JSON.stringify(result, null, 2)}\n`;
  if (typeof o.out === "string") {
    const files = reportPaths(o.out);
    writeFileSync(files.md, toMarkdown(result));
    writeFileSync(files.json, json);
    io.err(`wrote ${files.md} and ${files.json}\n`);
  }
  io.out(o.json ? json : toMarkdown(result));
  return EXIT_OK;
}

if (require.main === module) runMain(main, { interruptible: true });
