import { DEFAULT_MEMORY_LIMIT, Engine, openEngine } from "../lib/duckEngine";
import { createScratch, removeScratch } from "../lib/scratch";
import { DEFAULT_FLUSH_ROWS, checkFiles, loadListing } from "../sources/duckLoad";
import { ListOptions, SourceReader } from "../sources/types";
import { AclComparison } from "./acl";
import { DIFFERENCE_KINDS, Difference, DifferenceKind, classify } from "./classify";
import { Shortcut, Tally, differenceTable, settled, unsettled } from "./duckEngine";
import { prefixHints } from "./hints";

export { DIFFERENCE_KINDS } from "./classify";
export type { Difference, DifferenceKind } from "./classify";

/** What one comparison did and did not compare, stated exactly in the report. */
export interface Compared {
  /** Paths and types are always compared; sizes of every file pair of the same type. */
  paths: true;
  types: true;
  sizes: true;
  /** File pairs whose modified times were compared (stale), and file pairs where a side had no time. */
  times: { compared: number; unavailable: number };
  /** The ACL mode, or false when owners, groups and ACLs were not compared. */
  acls: AclComparison["mode"] | false;
}

/** One folder's comparison: a section of the report. */
export interface ValidateResult {
  source: { uri: string; paths: number };
  target: { uri: string; paths: number };
  matched: number;
  counts: Record<DifferenceKind, number>;
  /** Up to `maxListed` examples per kind, in kind then path order. */
  differences: Difference[];
  compared: Compared;
  /** Reasons this section cannot pass that are not path differences (a side listed nothing). */
  problems: string[];
  /** Likely causes when nothing matches (a path prefix on one side). */
  hints: string[];
  seconds: number;
}

/** Paths per side appended before they are handed to DuckDB: default 100 000 (range ≥ MIN_RUN_SIZE). */
export const DEFAULT_RUN_SIZE = DEFAULT_FLUSH_ROWS;
export const MIN_RUN_SIZE = 1000;
/** Examples kept per difference kind: default 1000 (range ≥ 0). */
export const DEFAULT_MAX_LISTED = 1000;

export interface ValidateOptions {
  /** Undefined (default): owners, groups and ACLs are not compared. */
  acls?: AclComparison;
  /** Epoch ms: source files modified before it are never stale (classify's staleFrom); default: no bound. */
  staleFrom?: number;
  /** Paths per side appended before they are handed to DuckDB (bounds the appender's buffer); default 100 000. */
  runSize?: number;
  /** DuckDB memory limit ("512MB" default; "<n>KB|MB|GB"); beyond it DuckDB spills to the scratch directory. */
  memoryLimit?: string;
  /** DuckDB worker threads (default: every core). */
  threads?: number;
  /** Parent of the scratch directory (default: the OS temp dir). */
  tmpDir?: string;
  /** Examples kept per difference kind (default 1000); counts are always complete. */
  maxListed?: number;
  /** A side that lists no path is a problem (exit 1) unless this is true; default false. */
  allowEmpty?: boolean;
  onListed?: (side: "source" | "target") => void;
  /** A side is loaded, listed to its end or read from its inventory files: its path count. */
  onLoaded?: (side: "source" | "target", paths: number) => void;
  /** Called once per pair classified in JS (the pairs that are not plain matches). */
  onCompared?: () => void;
  /** Receives every difference, whatever `maxListed` (the report's full list, scripts/validate/differencesFile.ts). */
  allDifferences?: DifferenceSink;
  /** Stops the comparison: validate rejects with its reason once both sides stopped, the engine closed and the scratch directory removed. */
  signal?: AbortSignal;
}

/** Where every difference of a comparison goes: chunks of JSON-encoded `Difference`s, in kind then path order (UTF-8 bytes), written before `validate` returns. */
export interface DifferenceSink {
  write(encoded: string[]): Promise<void>;
}

/** Every difference kind at zero. */
export function zeroCounts(): Record<DifferenceKind, number> {
  return Object.fromEntries(DIFFERENCE_KINDS.map((k) => [k, 0])) as Record<DifferenceKind, number>;
}

/**
 * Compares two listings path by path. Both sides are loaded concurrently
 * into DuckDB (see duckEngine), which settles the plain matches and hands
 * every other pair to `classify`, which alone decides what a pair counts
 * as. Memory: DuckDB's limit plus the kept examples, not the listing size
 * nor the number of differences (`allDifferences` gets them from DuckDB, sorted).
 */
export async function validate(source: SourceReader, target: SourceReader, opts: ValidateOptions = {}): Promise<ValidateResult> {
  const started = Date.now();
  opts.signal?.throwIfAborted();
  const withAcl = opts.acls !== undefined;
  const list = { acls: withAcl, require: withAcl ? REQUIRED_WITH_ACLS : REQUIRED };
  // One scratch directory for the database and its spill files, removed whatever happens (process exit included).
  const scratch = createScratch("validate", opts.tmpDir);
  // The caller's stop, or the first side's failure: the other side's listing is of no use then.
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  let engine: Engine | undefined;
  let both: Promise<number>[] = [];
  const interrupt = () => engine?.connection.interrupt();
  try {
    // A database file, as benchmarked for validate (10 M paths a side under 1 GB, bench/RESULTS.md): the tables stored compressed.
    engine = await openEngine(scratch, { memoryLimit: opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT, threads: opts.threads, storage: "file" });
    const carry = { owners: withAcl, acl: withAcl };
    const load = async (side: SourceReader, table: "source" | "target"): Promise<number> =>
      loadListing(await engine!.connect(), table, side.inventoryFiles?.(list) ?? side.list({ ...list, signal }), side.describe, {
        carry,
        flushRows: opts.runSize ?? DEFAULT_RUN_SIZE,
        onEntry: () => opts.onListed?.(table),
        signal,
      }).then(
        (paths) => {
          opts.onLoaded?.(table, paths);
          return paths;
        },
        (err: unknown) => {
          stop.abort(err);
          throw err;
        },
      );
    // Bad input is found before both sides load at once: a failure then leaves no DuckDB call in flight.
    for (const side of [source, target]) await precheckColumns(engine, side, list);
    both = [load(source, "source"), load(target, "target")];
    const [sourcePaths, targetPaths] = await Promise.all(both);
    // The join and counts run on the engine's own connection: a stop interrupts them (duckdb_interrupt, duckdb/duckdb#8064).
    signal.addEventListener("abort", interrupt, { once: true });
    // Not with a principal map: equal raw ids can differ once the source's are mapped.
    const shortcut = { enabled: !opts.acls?.principalMap, staleFrom: opts.staleFrom };
    const result: ValidateResult = {
      source: { uri: source.describe, paths: sourcePaths },
      target: { uri: target.describe, paths: targetPaths },
      matched: 0,
      counts: zeroCounts(),
      differences: [],
      compared: { paths: true, types: true, sizes: true, times: { compared: 0, unavailable: 0 }, acls: opts.acls?.mode ?? false },
      problems: emptySides(source, sourcePaths, target, targetPaths, opts.allowEmpty ?? false),
      hints: [],
      seconds: 0,
    };
    const examples = new Examples(opts.maxListed ?? DEFAULT_MAX_LISTED);
    const all = opts.allDifferences ? await differenceTable(engine, opts.runSize ?? DEFAULT_RUN_SIZE) : undefined;
    const seen = await classifyUnsettled(engine, shortcut, result, opts, signal, (d) => {
      examples.offer(d);
      all?.add(DIFFERENCE_KINDS.indexOf(d.kind), d.path, JSON.stringify(d));
    });
    if (all) {
      for await (const chunk of all.sorted()) {
        signal.throwIfAborted();
        await opts.allDifferences!.write(chunk);
      }
    }
    const plain = await settled(engine, shortcut, seen, sourcePaths);
    result.matched += plain.matched;
    result.compared.times.compared += plain.timesCompared;
    result.compared.times.unavailable += plain.timesUnavailable;
    result.differences = examples.sorted();
    result.hints = [source.hint?.(), target.hint?.()].filter((h): h is string => h !== undefined);
    if (result.hints.length === 0) result.hints = prefixHints(result);
    result.seconds = (Date.now() - started) / 1000;
    return result;
  } catch (err) {
    // A query interrupted by the stop fails with DuckDB's own error: the stop is what happened.
    throw opts.signal?.aborted ? opts.signal.reason : err;
  } finally {
    // Closing the engine while a side is inside a DuckDB call blocks this thread on that call (a hang
    // seen under load): the stop above ends both sides' calls first, so this waits briefly if at all.
    await Promise.allSettled(both);
    signal.removeEventListener("abort", interrupt);
    engine?.close();
    removeScratch(scratch);
  }
}

/** Classifies every pair DuckDB did not settle, counting into `result`; returns what it saw for `settled`. */
async function classifyUnsettled(
  engine: Engine,
  shortcut: Shortcut,
  result: ValidateResult,
  opts: ValidateOptions,
  signal: AbortSignal,
  onDifference: (d: Difference) => void,
): Promise<Tally> {
  const seen = new Tally();
  for await (const chunk of unsettled(engine, shortcut)) {
    signal.throwIfAborted();
    for (const [p, s, t] of chunk) {
      opts.onCompared?.();
      seen.see(s, t);
      const c = classify(p, s, t, { acls: opts.acls, staleFrom: opts.staleFrom });
      if (s && t && s.type === "file" && t.type === "file") result.compared.times[c.timesCompared ? "compared" : "unavailable"]++;
      if (c.differences.length === 0) result.matched++;
      for (const d of c.differences) {
        result.counts[d.kind]++;
        onDifference(d);
      }
    }
  }
  return seen;
}

/**
 * The examples a report lists: per kind the `max` first paths in the order
 * of JSON-encoded paths (the order the merge-join engine visited them in, so
 * a capped list names the same paths), bounded while the pairs arrive in no
 * order; then sorted by kind and path as the report shows them.
 */
class Examples {
  private readonly kept = new Map<DifferenceKind, { key: string; d: Difference }[]>();

  constructor(private readonly max: number) {}

  offer(d: Difference): void {
    if (this.max === 0) return;
    let list = this.kept.get(d.kind);
    if (!list) this.kept.set(d.kind, (list = []));
    list.push({ key: JSON.stringify(d.path), d });
    if (list.length >= 2 * this.max) this.trim(list);
  }

  sorted(): Difference[] {
    const all = [...this.kept.values()].flatMap((list) => this.trim(list).map((x) => x.d));
    return all.sort((x, y) => DIFFERENCE_KINDS.indexOf(x.kind) - DIFFERENCE_KINDS.indexOf(y.kind) || (x.path < y.path ? -1 : 1));
  }

  private trim(list: { key: string; d: Difference }[]): { key: string; d: Difference }[] {
    list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    list.length = Math.min(list.length, this.max);
    return list;
  }
}

/** Fields every comparison needs; an inventory without them cannot be compared (exit 2). */
const REQUIRED = ["type", "size"] as const;
const REQUIRED_WITH_ACLS = [...REQUIRED, "owner", "group", "permissions", "acl"] as const;

function emptySides(source: SourceReader, sourcePaths: number, target: SourceReader, targetPaths: number, allowEmpty: boolean): string[] {
  if (allowEmpty) return [];
  const sides: [string, SourceReader, number][] = [["source", source, sourcePaths], ["target", target, targetPaths]];
  return sides
    .filter(([, , n]) => n === 0)
    .map(([name, r]) => `the ${name} ${r.describe} listed no paths: a wrong path, an empty export or a listing that failed silently looks the same; pass --allow-empty if it is meant to be empty`);
}

/** Column checks of a side DuckDB reads directly (CSV, Parquet, blob inventory runs), one side at a time. */
async function precheckColumns(engine: Engine, side: SourceReader, list: ListOptions): Promise<void> {
  const files = side.inventoryFiles?.(list);
  if (files) await checkFiles(await engine.connect(), side.describe, files);
}
