import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import type { Command } from "commander";
import { EXIT_FAILED, EXIT_OK } from "./lib/cli";
import { type Io, defineCommand, runMain } from "./lib/command";
import { configRows, pulumiDeclarations, renderConfigMarkdown, withDeclarations } from "./docs/configReference";

/**
 * `npm run docs:config [-- --check]`: regenerates docs/config.md and the
 * `config:` declarations of Pulumi.yaml from the zod schema. With --check it
 * writes nothing and exits 1 when either file differs from the schema.
 */
interface Flags {
  check?: boolean;
  projectDir: string;
}

export const main = defineCommand<Flags>(
  (program: Command) =>
    program
      .name("docs:config")
      .description("Generate docs/config.md and Pulumi.yaml's config declarations from the config schema")
      .option("--check", "write nothing; exit 1 when a file is not what the schema produces")
      .option("-C, --project-dir <path>", "directory holding Pulumi.yaml and docs/", path.resolve(__dirname, "..")),
  async (opts: Flags, io: Io) => {
    const rows = configRows();
    const pulumiYaml = path.join(opts.projectDir, "Pulumi.yaml");
    const wanted: Record<string, string> = {
      [path.join(opts.projectDir, "docs", "config.md")]: renderConfigMarkdown(rows),
      [pulumiYaml]: withDeclarations(readFileSync(pulumiYaml, "utf8"), pulumiDeclarations(rows)),
    };
    const stale = Object.entries(wanted).filter(([file, text]) => readOrEmpty(file) !== text);
    if (opts.check) {
      for (const [file] of stale) io.err(`${path.relative(opts.projectDir, file)} differs from the config schema; run npm run docs:config\n`);
      return stale.length > 0 ? EXIT_FAILED : EXIT_OK;
    }
    for (const [file, text] of stale) {
      writeFileSync(file, text);
      io.out(`wrote ${path.relative(opts.projectDir, file)}\n`);
    }
    return EXIT_OK;
  },
);

if (require.main === module) runMain(main);

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
