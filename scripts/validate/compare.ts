import { SourceReader } from "../sources/types";
import { AclComparison } from "./acl";
import { DIFFERENCE_KINDS, Difference, DifferenceKind, Listed, classify, isStale } from "./classify";
import { Fields, SortRecord, SortedListing, decode, externalSort, sameButTime } from "./externalSort";
import { prefixHints } from "./hints";
import { createScratch, removeScratch } from "./scratch";

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

/** Records per side held in memory before a sorted run is spilled: default 100 000 (range ≥ MIN_RUN_SIZE). */
export const DEFAULT_RUN_SIZE = 100_000;
export const MIN_RUN_SIZE = 1000;
/** Examples kept per difference kind: default 1000 (range ≥ 0). */
export const DEFAULT_MAX_LISTED = 1000;

export interface ValidateOptions {
  /** Undefined (default): owners, groups and ACLs are not compared. */
  acls?: AclComparison;
  /** Records held in memory per side before spilling a sorted run (bounds memory); default 100 000. */
  runSize?: number;
  /** Parent of the scratch directory (default: the OS temp dir). */
  tmpDir?: string;
  /** Examples kept per difference kind (default 1000); counts are always complete. */
  maxListed?: number;
  /** A side that lists no path is a problem (exit 1) unless this is true; default false. */
  allowEmpty?: boolean;
  onListed?: (side: "source" | "target") => void;
  onCompared?: () => void;
}

/** Every difference kind at zero. */
export function zeroCounts(): Record<DifferenceKind, number> {
  return Object.fromEntries(DIFFERENCE_KINDS.map((k) => [k, 0])) as Record<DifferenceKind, number>;
}

/**
 * Compares two listings path by path. Both sides are listed concurrently into
 * external sorts, then merge-joined; memory is bounded by the run size and
 * the kept examples, not by the number of paths. What a joined pair counts
 * as is decided by `classify` alone.
 */
export async function validate(source: SourceReader, target: SourceReader, opts: ValidateOptions = {}): Promise<ValidateResult> {
  const started = Date.now();
  const runSize = opts.runSize ?? DEFAULT_RUN_SIZE;
  const withAcl = opts.acls !== undefined;
  const require = withAcl ? REQUIRED_WITH_ACLS : REQUIRED;
  // One scratch directory for both sides' runs, removed whatever happens (process exit and signals included).
  const scratch = createScratch(opts.tmpDir);
  const sort = (side: SourceReader, name: "source" | "target"): Promise<SortedListing> =>
    externalSort(side.list({ acls: withAcl, require }), { runSize, withAcl, tmpDir: scratch, onEntry: () => opts.onListed?.(name) });
  try {
    const both = [sort(source, "source"), sort(target, "target")];
    // Report the first failure at once; the other side may then fail too once its scratch directory is gone, and nobody waits for it.
    for (const p of both) p.catch(() => undefined);
    const [src, tgt] = await Promise.all(both);
    const result: ValidateResult = {
      source: { uri: source.describe, paths: src.count },
      target: { uri: target.describe, paths: tgt.count },
      matched: 0,
      counts: zeroCounts(),
      differences: [],
      compared: { paths: true, types: true, sizes: true, times: { compared: 0, unavailable: 0 }, acls: opts.acls?.mode ?? false },
      problems: emptySides(source, src.count, target, tgt.count, opts.allowEmpty ?? false),
      hints: [],
      seconds: 0,
    };
    const maxListed = opts.maxListed ?? DEFAULT_MAX_LISTED;
    await mergeJoin(src.batches(), tgt.batches(), (a, b) => {
      opts.onCompared?.();
      // Records equal but for the time, and not stale, are what classify calls a match: no need to decode them.
      // (Not with a principal map: equal raw ids can differ once the source's are mapped.)
      const same = a && b && !opts.acls?.principalMap ? sameButTime(a, b) : undefined;
      if (same && !(same.file && isStale(same.source, same.target))) {
        if (same.file) result.compared.times[same.source !== null && same.target !== null ? "compared" : "unavailable"]++;
        result.matched++;
        return;
      }
      const s = a ? decode(a) : undefined;
      const t = b ? decode(b) : undefined;
      const c = classify((s ?? t)!.path, s && toListed(s.fields), t && toListed(t.fields), { acls: opts.acls });
      if (s && t && s.fields[0] === "f" && t.fields[0] === "f") result.compared.times[c.timesCompared ? "compared" : "unavailable"]++;
      if (c.differences.length === 0) result.matched++;
      for (const d of c.differences) if (result.counts[d.kind]++ < maxListed) result.differences.push(d);
    });
    result.differences.sort((x, y) => DIFFERENCE_KINDS.indexOf(x.kind) - DIFFERENCE_KINDS.indexOf(y.kind) || (x.path < y.path ? -1 : 1));
    result.hints = [source.hint?.(), target.hint?.()].filter((h): h is string => h !== undefined);
    if (result.hints.length === 0) result.hints = prefixHints(result);
    result.seconds = (Date.now() - started) / 1000;
    return result;
  } finally {
    removeScratch(scratch);
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

function toListed(f: Fields): Listed {
  return { type: f[0] === "d" ? "directory" : "file", size: f[1], modified: f[2], owner: f[3], group: f[4], permissions: f[5], acl: f[6] };
}


/** Calls `visit(a, b)` once per key: both present, or only one side. Inputs must be sorted by key. */
async function mergeJoin(
  left: AsyncIterable<SortRecord[]>,
  right: AsyncIterable<SortRecord[]>,
  visit: (a: SortRecord | undefined, b: SortRecord | undefined) => void,
): Promise<void> {
  const l = new BatchCursor(left);
  const r = new BatchCursor(right);
  await Promise.all([l.fill(), r.fill()]);
  for (;;) {
    const a = l.head();
    const b = r.head();
    if (!a && !b) return;
    if (a && (!b || a.key < b.key)) {
      visit(a, undefined);
      if (!l.advance()) await l.fill();
    } else if (b && (!a || b.key < a.key)) {
      visit(undefined, b);
      if (!r.advance()) await r.fill();
    } else {
      visit(a, b);
      if (!l.advance()) await l.fill();
      if (!r.advance()) await r.fill();
    }
  }
}

class BatchCursor {
  private readonly it: AsyncIterator<SortRecord[]>;
  private batch: SortRecord[] = [];
  private i = 0;

  constructor(source: AsyncIterable<SortRecord[]>) {
    this.it = source[Symbol.asyncIterator]();
  }

  head(): SortRecord | undefined {
    return this.batch[this.i];
  }

  /** False when the batch is used up and fill() must be awaited. */
  advance(): boolean {
    return ++this.i < this.batch.length;
  }

  async fill(): Promise<void> {
    for (;;) {
      const r = await this.it.next();
      this.batch = r.done ? [] : r.value;
      this.i = 0;
      if (r.done || this.batch.length > 0) return;
    }
  }
}
