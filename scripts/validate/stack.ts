import * as path from "path";
import { PROJECT, parseStackConfig } from "../../components/config/load";
import { deriveAccountName } from "../../components/config/naming";
import type { StackConfig } from "../../components/config/schema";
import { UsageError } from "../lib/cli";
import { readStackConfig } from "../lib/stackFile";
import { Principals, loadPrincipalsFile, resolveSpec } from "../acl/spec";
import { InventoryCheckOptions, OpenOptions, SourceSpec, openSource, parseSource } from "../sources/open";
import { PrefixMap, PrefixReader } from "../sources/prefix";
import { relativePath } from "../sources/types";
import type { AclComparison } from "./acl";
import type { FolderRef } from "./report";
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
 */
export function folderPairs(config: StackConfig, opts: StackPairOptions): FolderPair[] {
  const gen2 =
    config.accountName ??
    deriveAccountName({ project: PROJECT, stack: opts.stack, namePrefix: config.namePrefix, environment: config.environment });
  const byFilesystem = opts.compareAcls ? stackPrincipals(config, opts.principals) : new Map<string, string[]>();
  return config.migration.folders.map((f): FolderPair => {
    // `target` becomes optional ("" or absent = the filesystem root) with the patterns work; both mean the root here.
    const target = relativePath((f.target as string | undefined) ?? "");
    const folder: FolderRef = { source: f.source, filesystem: f.filesystem, target };
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
  return folderPairs(config, { stack: values.stack, sourceInventory, principals, compareAcls: f.acls ?? false }).map((p) => {
    const source = openSource(p.source, open.source);
    return {
      folder: p.folder,
      source: p.sourcePrefix ? new PrefixReader(source, p.sourcePrefix, `migration.folders source ${p.folder.source}`) : source,
      target: openSource(p.target, open.target),
      acls: acls(p.stackPrincipals),
    };
  });
}
