import * as path from "path";
import { Option } from "commander";
import { writeFileSync } from "fs";
import { CommandFailed, EXIT_FAILED, EXIT_OK, Interrupted, UsageError } from "./lib/cli";
import { type Io, defineCommand, runMain } from "./lib/command";
import { reportPaths } from "./lib/dataFile";
import { MAX_INVENTORY_AGE_DEFAULT, MAX_INVENTORY_AGE_HELP } from "./lib/duration";
import { DEFAULT_LIST_CONCURRENCY } from "./sources/byDirectory";
import { InputError, SourceError } from "./sources/types";
import { ACL_MODES } from "./validate/acl";
import { DEFAULT_MEMORY_LIMIT } from "./lib/duckEngine";
import { DEFAULT_MAX_LISTED, DEFAULT_RUN_SIZE, validate } from "./validate/compare";
import { differencesPath, openDifferencesFile } from "./validate/differencesFile";
import { comparisonProgress, listingDisplay } from "./validate/listingProgress";
import { FolderSection, reportOk, toJson, toMarkdown } from "./validate/report";
import { ValidateFlags, settingsFrom } from "./validate/settings";

const projectDir = path.resolve(__dirname, "..");
const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

type Flags = ValidateFlags & { out?: string; json: boolean };

export const main = defineCommand<Flags>(
  (program) =>
    program
      .name("validate")
      .description("Compare a Gen1 (or inventory) listing with a Gen2 (or inventory) listing path by path. Exit 0 only when nothing differs.")
      .option(
        "--source <uri|file>",
        "adl://..., https://<acct>.azuredatalakestore.net/webhdfs/v1/..., abfss://..., inventory:<run>#<filesystem>/<path>, or an inventory file (.csv/.jsonl/.parquet); with --stack: a Gen1 inventory of the whole account",
      )
      .option("--target <uri|file>", "abfss://<filesystem>@<account>.dfs.core.windows.net/<path>, inventory:<run folder or manifest>#<filesystem>/<path>, or any --source form")
      .addOption(new Option("-s, --stack <name>", "compare every folder of the stack's migration.folders (Pulumi.<name>.yaml)").conflicts("configFile"))
      .option("-c, --config-file <path>", "like --stack, from any stack config file")
      .option("--source-prefix <from[=to]>", "strip (or replace with <to>) this prefix of the source's paths; paths outside it are left out")
      .option("--target-prefix <from[=to]>", "the same for the target's paths")
      .option("--allow-empty", "a side that lists no path is not a failure", false)
      .option("--acls", "also compare owner, group and ACLs (one extra request per path on live accounts)", false)
      .addOption(new Option("--acl-mode <mode>", "exact, or source-subset: source entries present on the target, extra target entries allowed").choices(ACL_MODES).default("exact"))
      .option("--ignore-principal <id>", "object id whose ACL entries on the target are not differences (repeatable)", collect)
      .option("--principals <file>", "with --stack --acls: JSON name → object id to resolve the stack's acls rules, whose entries are not differences")
      .option("--principal-map <file>", "YAML/JSON map of source principal id → target principal id, applied before ACLs are compared")
      .addOption(new Option("--max-inventory-age <duration>", MAX_INVENTORY_AGE_HELP).default(MAX_INVENTORY_AGE_DEFAULT))
      .option("--account-url <url>", "endpoint for the target instead of https://<account>.dfs.core.windows.net (private endpoint, test server)")
      .option("--outputs <file>", "stack outputs (`pulumi stack output --json`, or `npm run plan -- --outputs-file`): the target endpoint is their dfsEndpoint unless --account-url, and with --stack --acls their principals resolve the stack's acls rules")
      .option("--source-account-url <url>", "endpoint for the source instead of https://<account>.azuredatalakestore.net")
      .option("--out <base>", "write <base>.md, <base>.json and every difference to <base>.differences.jsonl")
      .option("--json", "print the JSON report on stdout instead of Markdown", false)
      .addOption(new Option("--max-listed <n>", "examples listed per difference kind and folder (counts are always complete)").default(String(DEFAULT_MAX_LISTED)))
      .addOption(new Option("--retries <n>", "retries for throttled or failed requests").default("4"))
      .addOption(new Option("--listing <mode>", "live Gen2 listing: auto (by directory when the root holds 4+ folders or several pages), recursive, by-directory").default("auto"))
      .addOption(new Option("--list-concurrency <n>", "by-directory listing: folders listed at once at most (adaptive below it, 1-256)").default(String(DEFAULT_LIST_CONCURRENCY)))
      .addOption(new Option("--run-size <n>", "paths of a live listing appended per side before they are handed to DuckDB").default(String(DEFAULT_RUN_SIZE)))
      .addOption(new Option("--memory-limit <size>", "DuckDB memory limit (<n>KB|MB|GB); it spills to --tmp-dir beyond it").default(DEFAULT_MEMORY_LIMIT))
      .option("--tmp-dir <dir>", "where the comparison's database and spill files go (default: the OS temp dir); removed on every exit"),
  run,
);

async function run(o: Flags, io: Io): Promise<number> {
  const settings = await settingsFrom(o, projectDir, io.env);

  const display = listingDisplay(io, "validate");
  const progress = display.progress;
  const started = Date.now();
  const sections: FolderSection[] = [];
  const all = typeof o.out === "string" ? openDifferencesFile(differencesPath(reportPaths(o.out).json), "--out") : undefined;
  try {
    for (const pair of settings.pairs) {
      const shown = comparisonProgress(display, pair);
      const result = await validate(pair.source, pair.target, {
        acls: pair.acls,
        staleFrom: pair.staleFrom,
        runSize: settings.runSize,
        memoryLimit: settings.memoryLimit,
        maxListed: settings.maxListed,
        allowEmpty: settings.allowEmpty,
        tmpDir: settings.tmpDir,
        ...shown.hooks,
        signal: io.signal,
        allDifferences: all?.section(sections.length),
      });
      shown.done();
      sections.push(pair.folder ? { folder: pair.folder, ...result } : result);
    }
  } catch (err) {
    // compare.ts has stopped the other side, closed the engine and removed the scratch files by now.
    if (io.signal?.aborted) throw new Interrupted("validate: interrupted; no report was written and the scratch files are removed: run it again");
    if (err instanceof InputError) throw new UsageError(`validate: ${err.message}`);
    if (err instanceof SourceError) throw new CommandFailed(`validate: ${err.message}`);
    throw err;
  } finally {
    progress.stop();
  }
  const report = { sections, seconds: (Date.now() - started) / 1000, differencesFile: await all?.finish() };
  if (typeof o.out === "string") {
    const files = reportPaths(o.out);
    writeFileSync(files.md, toMarkdown(report));
    writeFileSync(files.json, toJson(report));
    io.err(`wrote ${files.md}, ${files.json} and ${differencesPath(files.json)}\n`);
  }
  io.out(o.json ? toJson(report) : toMarkdown(report));
  return reportOk(report) ? EXIT_OK : EXIT_FAILED;
}

if (require.main === module) runMain(main, { interruptible: true });
