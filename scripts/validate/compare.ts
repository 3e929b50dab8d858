import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { SourceReader } from "../sources/types";
import { PrincipalMap, canonicalAcl } from "./acl";
import { SortRecord, SortedListing, decode, externalSort } from "./externalSort";

export const DIFFERENCE_KINDS = ["missing", "extra", "type", "size", "acl"] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

export interface Difference {
  kind: DifferenceKind;
  path: string;
  source?: string;
  target?: string;
}

export interface ValidateResult {
  source: { uri: string; paths: number };
  target: { uri: string; paths: number };
  matched: number;
  counts: Record<DifferenceKind, number>;
  /** Up to `maxListed` examples per kind, in path order. */
  differences: Difference[];
  aclsCompared: boolean;
  seconds: number;
}

/** Records per side held in memory before a sorted run is spilled: default 100 000 (range ≥ MIN_RUN_SIZE). */
export const DEFAULT_RUN_SIZE = 100_000;
export const MIN_RUN_SIZE = 1000;
/** Examples kept per difference kind: default 1000 (range ≥ 0). */
export const DEFAULT_MAX_LISTED = 1000;

export interface ValidateOptions {
  acls?: boolean;
  principalMap?: PrincipalMap;
  /** Records held in memory per side before spilling a sorted run (bounds memory). */
  runSize?: number;
  tmpDir?: string;
  /** Examples kept per difference kind; counts are always complete. */
  maxListed?: number;
  onListed?: (side: "source" | "target") => void;
  onCompared?: () => void;
}

/**
 * Compares two listings path by path. Both sides are listed concurrently into
 * external sorts, then merge-joined; memory is bounded by the run size and
 * the kept examples, not by the number of paths.
 */
export async function validate(source: SourceReader, target: SourceReader, opts: ValidateOptions = {}): Promise<ValidateResult> {
  const started = Date.now();
  const runSize = opts.runSize ?? DEFAULT_RUN_SIZE;
  const withAcl = opts.acls ?? false;
  // One scratch directory for both sides' runs, removed whatever happens.
  const scratch = mkdtempSync(path.join(opts.tmpDir ?? tmpdir(), "adls-validate-"));
  const sort = (side: SourceReader, name: "source" | "target"): Promise<SortedListing> =>
    externalSort(side.list({ acls: withAcl }), { runSize, withAcl, tmpDir: scratch, onEntry: () => opts.onListed?.(name) });
  try {
    const both = [sort(source, "source"), sort(target, "target")];
    // Report the first failure at once; the other side may then fail too once its scratch directory is gone, and nobody waits for it.
    for (const p of both) p.catch(() => undefined);
    const sorted = await Promise.all(both);
    const [src, tgt] = sorted;
    const result: ValidateResult = {
      source: { uri: source.describe, paths: src.count },
      target: { uri: target.describe, paths: tgt.count },
      matched: 0,
      counts: { missing: 0, extra: 0, type: 0, size: 0, acl: 0 },
      differences: [],
      aclsCompared: withAcl,
      seconds: 0,
    };
    const maxListed = opts.maxListed ?? DEFAULT_MAX_LISTED;
    const report = (d: Difference): void => {
      if (result.counts[d.kind]++ < maxListed) result.differences.push(d);
    };
    await mergeJoin(src.batches(), tgt.batches(), (a, b) => {
      opts.onCompared?.();
      if (!b) return report({ kind: "missing", path: decode(a!).path });
      if (!a) return report({ kind: "extra", path: decode(b).path });
      if (a.line === b.line) return void result.matched++;
      const s = decode(a);
      const t = decode(b).fields;
      const [sType, sSize] = s.fields;
      let same = true;
      if (sType !== t[0]) {
        // A file where a folder should be: size and ACL comparisons would only add noise.
        return report({ kind: "type", path: s.path, source: typeName(sType), target: typeName(t[0]) });
      }
      if (sType === "f" && sSize !== t[1]) {
        same = false;
        report({ kind: "size", path: s.path, source: String(sSize), target: String(t[1]) });
      }
      if (withAcl) {
        const sa = canonicalAcl(s.fields[2], s.fields[3], s.fields[4], s.fields[5], opts.principalMap);
        const ta = canonicalAcl(t[2], t[3], t[4], t[5]);
        if (sa !== ta) {
          same = false;
          report({ kind: "acl", path: s.path, source: sa, target: ta });
        }
      }
      if (same) result.matched++;
    });
    result.differences.sort((x, y) => DIFFERENCE_KINDS.indexOf(x.kind) - DIFFERENCE_KINDS.indexOf(y.kind) || (x.path < y.path ? -1 : 1));
    result.seconds = (Date.now() - started) / 1000;
    return result;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function typeName(t: "f" | "d"): string {
  return t === "d" ? "directory" : "file";
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
