import { z } from "zod";
import { UsageError } from "../lib/cli";
import type { StackOutputs } from "../lib/stackOutputs";
import { readDataFile } from "../lib/dataFile";
import { DEFAULT_MEMORY_LIMIT, memoryLimitProblem } from "../lib/duckEngine";
import { maxInventoryAge } from "../lib/duration";
import { DEFAULT_LIST_CONCURRENCY, MAX_LIST_CONCURRENCY } from "../sources/byDirectory";
import { LISTING_MODES, ListingMode } from "../sources/gen2";
import { InventoryCheckOptions, OpenOptions, SourceSpec, openSource, parseSource } from "../sources/open";
import { PrefixReader, parsePrefix } from "../sources/prefix";
import { SourceReader } from "../sources/types";
import { ACL_MODES, AclComparison, AclMode, PrincipalMap } from "./acl";
import { DEFAULT_MAX_LISTED, DEFAULT_RUN_SIZE, MIN_RUN_SIZE } from "./compare";
import type { FolderRef } from "./report";

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
  /** `--listing`: how a live Gen2 side is listed (auto, recursive, by-directory). */
  listing?: string;
  /** `--list-concurrency`: directories listed at once at most (by-directory listing). */
  listConcurrency?: string;
  runSize?: string;
  /** `--memory-limit`: DuckDB's memory limit, "<n>KB|MB|GB". */
  memoryLimit?: string;
  tmpDir?: string;
  /** `--outputs`: stack outputs file (`pulumi stack output --json`, or `plan --outputs-file`): the target endpoint (dfsEndpoint) and, with --stack --acls, the principals. */
  outputs?: string;
  /** `--max-inventory-age`: how old an `inventory:` run may be (e.g. 36h). */
  maxInventoryAge?: string;
}

/** One comparison to run: a single --source/--target pair, or one folder of a stack. */
export interface Pair {
  folder?: FolderRef;
  source: SourceReader;
  target: SourceReader;
  /** Undefined: ACLs not compared. */
  acls?: AclComparison;
  /** Epoch ms: source files modified before it are never stale (a folder compared Gen2 → Gen1: its writerSince). */
  staleFrom?: number;
}

export interface Settings {
  pairs: Pair[];
  maxListed: number;
  runSize: number;
  memoryLimit: string;
  allowEmpty: boolean;
  tmpDir?: string;
}

const principalMapSchema = z.record(z.string().min(1), z.string().min(1));

/** Checks every flag, collecting all problems into one UsageError (exit 2) before anything is listed. */
export async function settingsFrom(f: ValidateFlags, projectDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Settings> {
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
  const maxListed = count("--max-listed", f.maxListed ?? String(DEFAULT_MAX_LISTED), 0, problems);
  const retries = count("--retries", f.retries ?? "4", 0, problems);
  const runSize = count("--run-size", f.runSize ?? String(DEFAULT_RUN_SIZE), MIN_RUN_SIZE, problems);
  const memoryLimit = f.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  const memoryProblem = memoryLimitProblem(memoryLimit);
  if (memoryProblem) problems.push(memoryProblem);
  const inventory: InventoryCheckOptions = f.maxInventoryAge === undefined ? {} : { maxInventoryAgeMs: maxInventoryAge(f.maxInventoryAge, problems) };
  const mode = (f.aclMode ?? "exact") as AclMode;
  if (!ACL_MODES.includes(mode)) problems.push(`--acl-mode ${JSON.stringify(f.aclMode)}: one of ${ACL_MODES.join(", ")}`);
  const principalMap = f.principalMap !== undefined ? guard(() => readPrincipalMap(f.principalMap!)) : undefined;
  const ignored = f.ignorePrincipal ?? [];
  const acls = (extra: string[]): AclComparison | undefined =>
    f.acls ? { mode, principalMap, ignorePrincipals: new Set([...ignored, ...extra]) } : undefined;
  const outputs = f.outputs !== undefined ? await stackOutputsFile(f.outputs, problems) : undefined;
  const listing = (f.listing ?? "auto") as ListingMode;
  if (!LISTING_MODES.includes(listing)) problems.push(`--listing ${JSON.stringify(f.listing)}: one of ${LISTING_MODES.join(", ")}`);
  const listConcurrency = count("--list-concurrency", f.listConcurrency ?? String(DEFAULT_LIST_CONCURRENCY), 1, problems);
  if (listConcurrency > MAX_LIST_CONCURRENCY) problems.push(`--list-concurrency ${listConcurrency}: at most ${MAX_LIST_CONCURRENCY}`);
  const live = { retries, listing, listConcurrency, env };
  const open = { source: { ...live, accountUrl: f.sourceAccountUrl }, target: { ...live, accountUrl: f.accountUrl ?? outputs?.dfsEndpoint } };

  const stackMode = f.stack !== undefined || f.configFile !== undefined;
  // Loaded only for --stack: the config model pulls in @pulumi/pulumi, over 100 MB of RSS under a heap capped for the sort.
  const stack = stackMode ? await import("./stack") : undefined;
  const pairs = stack
    ? guard(() => stack.stackPairs(f, projectDir, open, acls, inventory, outputs?.principals))
    : guard(() => singlePair(f, open, acls(ignored), inventory, problems));
  if (problems.length > 0 || !pairs) throw new UsageError("validate: bad arguments", problems);
  return { pairs, maxListed, runSize, memoryLimit, allowEmpty: f.allowEmpty ?? false, tmpDir: f.tmpDir };
}

/** The outputs file, or undefined with its problem recorded; the contract module is loaded only when the flag is given. */
async function stackOutputsFile(file: string, problems: string[]): Promise<StackOutputs | undefined> {
  const { readStackOutputs } = await import("../lib/stackOutputs");
  try {
    return await readStackOutputs({ outputsFile: file });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problems.push(err.problems.length > 0 ? `${err.message} ${err.problems.join("; ")}` : err.message);
    return undefined;
  }
}

function singlePair(
  f: ValidateFlags,
  open: Record<"source" | "target", OpenOptions>,
  acls: AclComparison | undefined,
  inventory: InventoryCheckOptions,
  problems: string[],
): Pair[] {
  if (f.principals !== undefined) problems.push(`--principals ${f.principals}: only with --stack/--config-file (it resolves the stack's acls rules); give object ids with --ignore-principal`);
  const specs: SourceSpec[] = [];
  for (const side of ["source", "target"] as const) {
    if (f[side] === undefined) problems.push(`--${side} is required (or --stack <name> to compare every folder of a stack)`);
    else {
      try {
        specs.push(parseSource(`--${side}`, f[side]!, inventory));
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

export function readPrincipalMap(file: string): PrincipalMap {
  const parsed = principalMapSchema.safeParse(readDataFile("--principal-map", file));
  if (!parsed.success) throw new UsageError(`--principal-map ${file}: expected a map of source id → target id strings`);
  return new Map(Object.entries(parsed.data));
}

function count(flag: string, value: string, min: number, problems: string[]): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min) problems.push(`${flag} ${JSON.stringify(value)}: must be a whole number ≥ ${min}`);
  return n;
}
