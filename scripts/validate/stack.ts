import * as path from "path";
import { PROJECT, parseStackConfig } from "../../components/config/load";
import { deriveAccountName } from "../../components/config/naming";
import type { FolderConfig, ScheduleConfig } from "../../components/config/migration";
import type { StackConfig } from "../../components/config/schema";
import { folderSince } from "../../components/config/windows";
import { UsageError } from "../lib/cli";
import { readStackConfig } from "../lib/stackFile";
import { Principals, loadPrincipalsFile, resolveSpec } from "../acl/spec";
import { InventoryCheckOptions, OpenOptions, SourceSpec, openSource, parseSource } from "../sources/open";
import { PrefixMap, PrefixReader } from "../sources/prefix";
import { relativePath } from "../sources/types";
import type { AclComparison } from "./acl";
import type { FolderRef, Gen2ToGen1 } from "./report";
import type { Pair, ValidateFlags } from "./settings";

/** One comparison `validate --stack` runs: a folder of `migration.folders`. */
export interface FolderPair {
  folder: FolderRef;
  source: SourceSpec;
  /** Set when the source is a whole-account inventory: this folder's part of it, with the Gen1 folder stripped. */
  sourcePrefix?: PrefixMap;
  target: SourceSpec;
  /** Principal ids of the stack's `acls` rules on this filesystem: their entries on the target are not differences. */
  stackPrincipals: string[];
}

export interface StackPairOptions {
  /** Stack name (part of the derived Gen2 account name when the config has no accountName). */
  stack: string;
  /** A saved Gen1 inventory of the whole account (Gen1 paths, leading "/" optional); absent: list Gen1 live. */
  sourceInventory?: Extract<SourceSpec, { kind: "inventory" }>;
  /** ACLs are compared: the stack's `acls` rules are resolved (through `principals`) so their entries are not differences. */
  compareAcls: boolean;
  /** Name → object id for the stack's `acls` rules (needed when ACLs are compared and the config has `acls`). */
  principals?: Principals;
}

/**
 * The folder pairs of a stack: Gen1 `adl://<source.accountName>...<source>`
 * against `abfss://<filesystem>@<gen2 account>.../<target>`, where a missing
 * or empty `target` is the filesystem root. The Gen2 account name is the
 * config's `accountName` or the one the stack derives (components/stack.ts).
 * A bidirectional-sync folder with `writer: gen2` gets a direction: it is
 * compared the way Data Factory copies it, Gen2 → Gen1 (stackPairs).
 */
export function folderPairs(config: StackConfig, opts: StackPairOptions): FolderPair[] {
  const gen2 =
    config.accountName ??
    deriveAccountName({ project: PROJECT, stack: opts.stack, namePrefix: config.namePrefix, environment: config.environment });
  const byFilesystem = opts.compareAcls ? stackPrincipals(config, opts.principals) : new Map<string, string[]>();
  return config.migration.folders.map((f): FolderPair => {
    // `target` becomes optional ("" or absent = the filesystem root) with the patterns work; both mean the root here.
    const target = relativePath((f.target as string | undefined) ?? "");
    // bidirectional-sync always has a schedule: parseStackConfig refuses it without one (migrationCrossChecks).
    const direction = config.pattern === "bidirectional-sync" && f.writer === "gen2" ? gen2ToGen1(f, config.migration.schedule!) : undefined;
    const folder: FolderRef = { source: f.source, filesystem: f.filesystem, target, ...(direction ? { direction } : {}) };
    const targetUri = `abfss://${f.filesystem}@${gen2}.dfs.core.windows.net/${target}`;
    const source: SourceSpec = opts.sourceInventory ?? {
      kind: "gen1",
      account: config.source.accountName,
      path: f.source,
      uri: `adl://${config.source.accountName}.azuredatalakestore.net${f.source}`,
    };
    return {
      folder,
      source,
      ...(opts.sourceInventory ? { sourcePrefix: { from: relativePath(f.source), to: "" } } : {}),
      target: { kind: "gen2", account: gen2, filesystem: f.filesystem, path: `/${target}`, uri: targetUri },
      stackPrincipals: byFilesystem.get(f.filesystem) ?? [],
    };
  });
}

/**
 * The direction of a folder written on Gen2. Its windows copy only files
 * modified at or after folderSince (its writerSince, or schedule.startTime),
 * so older Gen2 files are Data Factory's copies from Gen1 and not stale.
 */
function gen2ToGen1(f: FolderConfig, schedule: ScheduleConfig): Gen2ToGen1 {
  return { from: "gen2", to: "gen1", writerSince: f.writerSince ?? null, staleFrom: new Date(folderSince(f, schedule)).toISOString() };
}

/** Filesystem → principal ids the stack's `acls` rules grant there (entries and traverse). */
function stackPrincipals(config: StackConfig, principals: Principals | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!config.acls) return out;
  if (!principals) {
    throw new UsageError(
      "--acls with --stack: the stack has adls-migration:acls, whose entries are not differences; pass --principals <file.json> (name → object id, as the stack output \"principals\") to resolve them",
    );
  }
  const { rules, problems } = resolveSpec(config.acls, principals);
  if (problems.length > 0) throw new UsageError("adls-migration:acls: cannot resolve the stack's ACL rules", problems.map((p) => `adls-migration:acls.${p}`));
  for (const rule of rules) {
    const ids = out.get(rule.filesystem) ?? [];
    ids.push(...rule.entries.map((e) => e.id));
    out.set(rule.filesystem, [...new Set(ids)]);
  }
  return out;
}

/** The pairs of `--stack` / `--config-file`: reads and validates the stack config (ConfigError: exit 2 naming the key). */
export function stackPairs(
  f: ValidateFlags,
  projectDir: string,
  open: Record<"source" | "target", OpenOptions>,
  acls: (extra: string[]) => AclComparison | undefined,
  inventory: InventoryCheckOptions = {},
  /** The stack outputs' `principals` (validate --outputs), used when --principals is not given. */
  outputPrincipals?: Principals,
): Pair[] {
  const conflicts = (["target", "sourcePrefix", "targetPrefix"] as const).filter((k) => f[k] !== undefined);
  if (conflicts.length > 0) {
    const flags = conflicts.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    throw new UsageError(`${flags.join(", ")}: not with --stack/--config-file; each folder's source and target come from migration.folders`);
  }
  const values = readStackConfig({ stack: f.stack, configFile: f.configFile, projectDir: path.resolve(projectDir) });
  const config = parseStackConfig(values.values, values.secretKeys);
  let sourceInventory;
  if (f.source !== undefined) {
    const spec = parseSource("--source", f.source, inventory);
    if (spec.kind !== "inventory") throw new UsageError(`--source ${f.source}: with --stack only a saved Gen1 inventory file (each folder is listed from the stack's Gen1 account otherwise)`);
    sourceInventory = spec;
  }
  const principals: Principals | undefined = f.principals !== undefined ? loadPrincipalsFile(f.principals) : outputPrincipals;
  return folderPairs(config, { stack: values.stack, sourceInventory, principals, compareAcls: f.acls ?? false }).map((p): Pair => {
    const listed = openSource(p.source, open.source);
    const gen1 = p.sourcePrefix ? new PrefixReader(listed, p.sourcePrefix, `migration.folders source ${p.folder.source}`) : listed;
    const gen2 = openSource(p.target, open.target);
    const d = p.folder.direction;
    // Gen2 is the side of truth, and ACLs are not compared: the Gen2 → Gen1 copy does not preserve them.
    if (d) return { folder: p.folder, source: gen2, target: gen1, staleFrom: Date.parse(d.staleFrom) };
    return { folder: p.folder, source: gen1, target: gen2, acls: acls(p.stackPrincipals) };
  });
}
