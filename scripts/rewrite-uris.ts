import type { Command } from "commander";
import { createPatch } from "diff";
import { existsSync, writeFileSync } from "fs";
import * as path from "path";
import { EXIT_OK, UsageError } from "./lib/cli";
import { type Io, defineCommand, runMain } from "./lib/command";
import { readDataFile } from "./lib/dataFile";
import { parseStackConfig } from "../components/config/load";
import { readStackConfig } from "./lib/stackFile";
import { FolderRule, rulesFromMap, rulesFromStack } from "./rewrite/mapping";
import { candidates, readUtf8 } from "./rewrite/files";
import { rewriteText } from "./rewrite/rewrite";

type Flags = Record<string, string | boolean | undefined>;

export const main = defineCommand<Flags>(
  (program) =>
    program
      .name("rewrite-uris")
      .description(
        "Rewrite Gen1 URIs (adl://<acct>.azuredatalakestore.net/..., https://<acct>.azuredatalakestore.net/webhdfs/v1/...) in code and config " +
          "to abfss://<filesystem>@<acct>.dfs.core.windows.net/... by a folder map. Prints a unified diff unless --write.",
      )
      .argument("<paths...>", "files or directories to scan (node_modules, .git, binary files are skipped)")
      .option("--map <file>", "YAML/JSON folder map: {gen1Account, gen2Account, folders: [{source, filesystem, target}]}")
      .option("--stack <name>", "take the folder map from Pulumi.<name>.yaml (adls-migration:migration.folders)")
      .option("--config-file <file>", "stack config file instead of Pulumi.<stack>.yaml")
      .option("--account <name>", "Gen2 account for --stack (default: the account the stack deploys)")
      .option("--write", "edit the files in place instead of printing a diff", false),
  run,
);

function loadRules(o: Flags): FolderRule[] {
  const fromStack = typeof o.stack === "string" || typeof o.configFile === "string";
  if (typeof o.map === "string" && fromStack) throw new UsageError("pass either --map or --stack/--config-file, not both");
  if (typeof o.map === "string") return rulesFromMap(`--map ${o.map}`, readDataFile("--map", o.map));
  if (!fromStack) throw new UsageError("a folder map is required: --map <file> or --stack <name>");
  const stack = readStackConfig({ stack: o.stack as string | undefined, configFile: o.configFile as string | undefined, projectDir: process.cwd() });
  return rulesFromStack(parseStackConfig(stack.values, stack.secretKeys), stack.stack, o.account as string | undefined);
}

async function run(o: Flags, io: Io, cmd: Command): Promise<number> {
  const roots = cmd.args;
  const missing = roots.filter((r) => !existsSync(r));
  if (missing.length > 0) throw new UsageError("rewrite-uris: paths not found", missing);
  const rules = loadRules(o);

  let files = 0;
  let uris = 0;
  let notUtf8 = 0;
  for (const c of candidates(roots)) {
    if (c.skipped) continue;
    const before = readUtf8(c.file);
    if (before === undefined) {
      notUtf8++;
      io.err(`${c.file}: skipped: not valid UTF-8 (convert it to UTF-8 to have its URIs rewritten)\n`);
      continue;
    }
    const { text, rewrites, unmapped } = rewriteText(before, rules);
    for (const u of unmapped) io.err(`${c.file}:${u.line}: left unchanged: ${u.uri} (${u.reason})\n`);
    if (rewrites.length === 0) continue;
    files++;
    uris += rewrites.length;
    if (o.write) writeFileSync(c.file, text);
    else {
      const name = path.relative(process.cwd(), c.file) || c.file;
      io.out(createPatch(name, before, text, "", "", { context: 3 }));
    }
  }
  if (notUtf8 > 0) io.err(`${notUtf8} files skipped because they are not valid UTF-8\n`);
  io.err(
    uris === 0 ? "no mapped Gen1 URIs found\n" : `${uris} URIs in ${files} files ${o.write ? "rewritten" : "would be rewritten (run with --write to apply)"}\n`,
  );
  return EXIT_OK;
}

if (require.main === module) runMain(main);
