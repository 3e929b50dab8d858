import { mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parseDocument } from "yaml";
import { parseStackConfig } from "../../components/config/load";
import type { Gen1Seed } from "../../emulators/gen1/server";
import { UsageError } from "../lib/cli";
import { readStackConfig } from "../lib/stackFile";

const projectDir = path.resolve(__dirname, "../..");

/** The stack the demo migrates with: how commands name it, and what the demo needs from its config. */
export interface DemoStack {
  stackArgs: string[];
  gen1Account: string;
  folders: string[];
  /** The temp dir holding a written stack config; the caller removes it when the demo ends. */
  tempDir?: string;
}

function describe(stackArgs: string[]): DemoStack {
  const [flag, value] = stackArgs;
  const values = readStackConfig(flag === "--stack" ? { stack: value, projectDir } : { configFile: value, projectDir });
  const config = parseStackConfig(values.values, values.secretKeys);
  return { stackArgs, gen1Account: config.source.accountName, folders: config.migration.folders.map((f) => f.source) };
}

/** The repo's example stack of the pattern (Pulumi.<pattern>.yaml), as the README's road map uses it. */
export function exampleStack(pattern: string): DemoStack {
  return describe(["--stack", pattern]);
}

/**
 * For a lake of the user's: the example stack of the pattern with
 * `migration.folders` replaced by one folder per top-level Gen1 directory
 * of the lake, into the stack's first filesystem, written to a temp dir
 * (never the work tree). Files directly under "/" belong to no folder.
 */
export function stackForLake(pattern: string, lake: Gen1Seed[], lakeFile: string): DemoStack {
  const tops = [...new Set(lake.filter((s) => s.path.split("/").filter(Boolean).length > 1 || s.type === "directory").map((s) => s.path.split("/").filter(Boolean)[0]))].sort();
  if (tops.length === 0) throw new UsageError(`--lake ${lakeFile}: no directory to migrate (Data Factory copies folders; the lake has only files under /)`);
  const doc = parseDocument(readFileSync(path.join(projectDir, `Pulumi.${pattern}.yaml`), "utf8"));
  const filesystem = String(doc.getIn(["config", "adls-migration:filesystems", 0, "name"]));
  doc.setIn(["config", "adls-migration:migration", "folders"], doc.createNode(tops.map((t) => ({ source: `/${t}`, filesystem, target: t }))));
  const tempDir = mkdtempSync(path.join(tmpdir(), "adls-demo-"));
  const file = path.join(tempDir, `Pulumi.demo-${pattern}.yaml`);
  writeFileSync(file, doc.toString());
  return { ...describe(["--config-file", file]), tempDir };
}
