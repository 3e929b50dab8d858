import * as path from "path";
import { z } from "zod";
import { parseStackConfig } from "../../components/config/load";
import { UsageError } from "../lib/cli";
import { readDataFile } from "../lib/dataFile";
import { readStackConfig } from "../lib/stackFile";
import { Principals, loadPrincipalsFile } from "../acl/spec";
import { OpenOptions, SourceSpec, openSource, parseSource } from "../sources/open";
import { PrefixReader, parsePrefix } from "../sources/prefix";
import { SourceReader } from "../sources/types";
import { ACL_MODES, AclComparison, AclMode, PrincipalMap } from "./acl";
import type { FolderRef } from "./report";
import { folderPairs } from "./stack";

/** validate's flags as commander hands them over (strings as typed; checked here). */
export interface ValidateFlags {
  source?: string;
  target?: string;
  stack?: string;
  configFile?: string;
  acls?: boolean;
  aclMode?: string;
  ignorePrincipal?: string[];
  principals?: string;
  principalMap?: string;
  sourcePrefix?: string;
  targetPrefix?: string;
  allowEmpty?: boolean;
  accountUrl?: string;
  sourceAccountUrl?: string;
  maxListed?: string;
  retries?: string;
  runSize?: string;
  tmpDir?: string;
}

/** One comparison to run: a single --source/--target pair, or one folder of a stack. */
export interface Pair {
  folder?: FolderRef;
  source: SourceReader;
  target: SourceReader;
  /** Undefined: ACLs not compared. */
  acls?: AclComparison;
}

export interface Settings {
  pairs: Pair[];
  maxListed: number;
  runSize: number;
  allowEmpty: boolean;
  tmpDir?: string;
}

const principalMapSchema = z.record(z.string().min(1), z.string().min(1));

/** Checks every flag, collecting all problems into one UsageError (exit 2) before anything is listed. */
export function settingsFrom(f: ValidateFlags, projectDir: string): Settings {
  const problems: string[] = [];
  const guard = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push(err.problems.length > 0 ? `${err.message.split("\n")[0]} ${err.problems.join("; ")}` : err.message);
      return undefined;
    }
  };
  const maxListed = count("--max-listed", f.maxListed ?? "1000", 0, problems);
  const retries = count("--retries", f.retries ?? "4", 0, problems);
  const runSize = count("--run-size", f.runSize ?? "100000", 1000, problems);
  const mode = (f.aclMode ?? "exact") as AclMode;
  if (!ACL_MODES.includes(mode)) problems.push(`--acl-mode ${JSON.stringify(f.aclMode)}: one of ${ACL_MODES.join(", ")}`);
  const principalMap = f.principalMap !== undefined ? guard(() => readPrincipalMap(f.principalMap!)) : undefined;
  const ignored = f.ignorePrincipal ?? [];
  const acls = (extra: string[]): AclComparison | undefined =>
    f.acls ? { mode, principalMap, ignorePrincipals: new Set([...ignored, ...extra]) } : undefined;
  const open = { source: { retries, accountUrl: f.sourceAccountUrl }, target: { retries, accountUrl: f.accountUrl } };

  const stackMode = f.stack !== undefined || f.configFile !== undefined;
  const pairs = stackMode
    ? guard(() => stackPairs(f, projectDir, open, acls))
    : guard(() => singlePair(f, open, acls(ignored), problems));
  if (problems.length > 0 || !pairs) throw new UsageError("validate: bad arguments", problems);
  return { pairs, maxListed, runSize, allowEmpty: f.allowEmpty ?? false, tmpDir: f.tmpDir };
}

function singlePair(f: ValidateFlags, open: Record<"source" | "target", OpenOptions>, acls: AclComparison | undefined, problems: string[]): Pair[] {
  const specs: SourceSpec[] = [];
  for (const side of ["source", "target"] as const) {
    if (f[side] === undefined) problems.push(`--${side} is required (or --stack <name> to compare every folder of a stack)`);
    else {
      try {
        specs.push(parseSource(`--${side}`, f[side]!));
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        problems.push(err.message);
      }
    }
  }
  if (specs.length < 2) return [];
  const withPrefix = (r: SourceReader, flag: string, value: string | undefined): SourceReader =>
    value === undefined ? r : new PrefixReader(r, parsePrefix(value), `${flag} ${value}`);
  return [
    {
      source: withPrefix(openSource(specs[0], open.source), "--source-prefix", f.sourcePrefix),
      target: withPrefix(openSource(specs[1], open.target), "--target-prefix", f.targetPrefix),
      acls,
    },
  ];
}

function stackPairs(
  f: ValidateFlags,
  projectDir: string,
  open: Record<"source" | "target", OpenOptions>,
  acls: (extra: string[]) => AclComparison | undefined,
): Pair[] {
  const conflicts = (["target", "sourcePrefix", "targetPrefix"] as const).filter((k) => f[k] !== undefined);
  if (conflicts.length > 0) {
    const flags = conflicts.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    throw new UsageError(`${flags.join(", ")}: not with --stack/--config-file; each folder's source and target come from migration.folders`);
  }
  const values = readStackConfig({ stack: f.stack, configFile: f.configFile, projectDir: path.resolve(projectDir) });
  const config = parseStackConfig(values.values);
  let sourceInventory;
  if (f.source !== undefined) {
    const spec = parseSource("--source", f.source);
    if (spec.kind !== "inventory") throw new UsageError(`--source ${f.source}: with --stack only a saved Gen1 inventory file (each folder is listed from the stack's Gen1 account otherwise)`);
    sourceInventory = spec;
  }
  const principals: Principals | undefined = f.principals !== undefined ? loadPrincipalsFile(f.principals) : undefined;
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

function readPrincipalMap(file: string): PrincipalMap {
  const parsed = principalMapSchema.safeParse(readDataFile("--principal-map", file));
  if (!parsed.success) throw new UsageError(`--principal-map ${file}: expected a map of source id → target id strings`);
  return new Map(Object.entries(parsed.data));
}

function count(flag: string, value: string, min: number, problems: string[]): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min) problems.push(`${flag} ${JSON.stringify(value)}: must be a whole number ≥ ${min}`);
  return n;
}
