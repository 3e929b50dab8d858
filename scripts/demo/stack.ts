import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { type Document, parseDocument } from "yaml";
import { parseStackConfig } from "../../components/config/load";
import type { FolderConfig, IngestConfig } from "../../components/config/migration";
import type { Gen1Seed } from "../../emulators/gen1/server";
import { UsageError } from "../lib/cli";
import { readStackConfig } from "../lib/stackFile";

const projectDir = path.resolve(__dirname, "../..");
const FOLDERS_KEY = ["config", "adls-migration:migration", "folders"];
const FILESYSTEMS_KEY = ["config", "adls-migration:filesystems"];

/** The stack the demo migrates with: how commands name it, and what the demo needs from its config. */
export interface DemoStack {
  stackArgs: string[];
  gen1Account: string;
  folders: FolderConfig[];
  /** dual-pipeline: where producers land new data. */
  ingest?: IngestConfig;
  /** bidirectional-sync: indices of the folders the demo flips from writer gen1 to gen2. */
  flip?: number[];
  /** The temp dir holding a written stack config; the caller removes it when the demo ends. */
  tempDir?: string;
}

export function describeStack(stackArgs: string[]): Omit<DemoStack, "flip" | "tempDir"> {
  const [flag, value] = stackArgs;
  const values = readStackConfig(flag === "--stack" ? { stack: value, projectDir } : { configFile: value, projectDir });
  const config = parseStackConfig(values.values, values.secretKeys);
  return { stackArgs, gen1Account: config.source.accountName, folders: config.migration.folders, ingest: config.migration.ingest };
}

/**
 * The repo's example stack of the pattern (Pulumi.<pattern>.yaml), as the
 * README's road map uses it. For bidirectional-sync, the stack before its
 * flips: every `writer: gen2` folder of the example is still written on
 * Gen1 (written to a temp dir under the same stack name, so the factory's
 * name is the example's); the demo then flips those folders.
 */
export function exampleStack(pattern: string): DemoStack {
  if (pattern !== "bidirectional-sync") return describeStack(["--stack", pattern]);
  const doc = parseDocument(readFileSync(path.join(projectDir, `Pulumi.${pattern}.yaml`), "utf8"));
  const folders = doc.getIn(FOLDERS_KEY, true) as { items: unknown[] };
  const flip = folders.items.map((_, i) => i).filter((i) => String(doc.getIn([...FOLDERS_KEY, i, "writer"])) === "gen2");
  for (const i of flip) setWriter(doc, i, "gen1");
  declareTargets(doc);
  return writeStack(doc, `Pulumi.${pattern}.yaml`, flip);
}

/**
 * For a lake of the user's: the example stack of the pattern with
 * `migration.folders` replaced by one folder per top-level Gen1 directory
 * of the lake, into the stack's first filesystem, written to a temp dir
 * (never the work tree). Files directly under "/" belong to no folder. In
 * bidirectional-sync every folder is written on Gen1 and the demo flips the
 * last one.
 */
export function stackForLake(pattern: string, lake: Gen1Seed[], lakeFile: string): DemoStack {
  const tops = [...new Set(lake.filter((s) => s.path.split("/").filter(Boolean).length > 1 || s.type === "directory").map((s) => s.path.split("/").filter(Boolean)[0]))].sort();
  if (tops.length === 0) throw new UsageError(`--lake ${lakeFile}: no directory to migrate (Data Factory copies folders; the lake has only files under /)`);
  const doc = parseDocument(readFileSync(path.join(projectDir, `Pulumi.${pattern}.yaml`), "utf8"));
  const filesystem = String(doc.getIn(["config", "adls-migration:filesystems", 0, "name"]));
  const bidirectional = pattern === "bidirectional-sync";
  doc.setIn(FOLDERS_KEY, doc.createNode(tops.map((t) => ({ source: `/${t}`, filesystem, target: t, ...(bidirectional ? { writer: "gen1" } : {}) }))));
  if (bidirectional) declareTargets(doc);
  return writeStack(doc, `Pulumi.demo-${pattern}.yaml`, bidirectional ? [tops.length - 1] : undefined);
}

function writeStack(doc: Document, name: string, flip: number[] | undefined): DemoStack {
  const tempDir = mkdtempSync(path.join(tmpdir(), "adls-demo-"));
  const file = path.join(tempDir, name);
  writeFileSync(file, doc.toString());
  return { ...describeStack(["--config-file", file]), tempDir, ...(flip ? { flip } : {}) };
}

/**
 * bidirectional-sync has no full copy: Gen2 is seeded by reconcile, which
 * acts on a validate report, and validate needs each target directory to
 * exist. Declared under `filesystems[].folders`, post-deploy creates them.
 */
function declareTargets(doc: Document): void {
  const folders = doc.getIn(FOLDERS_KEY, true) as { items: unknown[] };
  const filesystems = doc.getIn(FILESYSTEMS_KEY, true) as { items: unknown[] };
  folders.items.forEach((_, i) => {
    const target = String(doc.getIn([...FOLDERS_KEY, i, "target"]) ?? "");
    const fs = filesystems.items.findIndex((_, j) => doc.getIn([...FILESYSTEMS_KEY, j, "name"]) === doc.getIn([...FOLDERS_KEY, i, "filesystem"]));
    if (target === "" || fs < 0) return;
    const declared = (doc.getIn([...FILESYSTEMS_KEY, fs, "folders"]) as { toJSON(): string[] } | undefined)?.toJSON() ?? [];
    if (!declared.includes(target)) doc.setIn([...FILESYSTEMS_KEY, fs, "folders"], doc.createNode([...declared, target]));
  });
}

function setWriter(doc: Document, i: number, writer: "gen1" | "gen2", since?: string): void {
  doc.setIn([...FOLDERS_KEY, i, "writer"], writer);
  if (since === undefined) doc.deleteIn([...FOLDERS_KEY, i, "writerSince"]);
  else doc.setIn([...FOLDERS_KEY, i, "writerSince"], since);
}

/**
 * The writer flip of docs/patterns.md, step 4: the stack file `configFile`
 * with the folders `flip` set to `writer: gen2` and `writerSince: since`,
 * written under the same file name in a `flipped` directory beside it (the
 * stack name, and so every derived resource name, stays the same).
 */
export function flippedStack(configFile: string, flip: number[], since: string): string {
  const doc = parseDocument(readFileSync(configFile, "utf8"));
  for (const i of flip) setWriter(doc, i, "gen2", since);
  const dir = path.join(path.dirname(configFile), "flipped");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, path.basename(configFile));
  writeFileSync(file, doc.toString());
  return file;
}
