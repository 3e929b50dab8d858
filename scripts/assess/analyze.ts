import { DEFAULT_MEMORY_LIMIT, openEngine } from "../lib/duckEngine";
import { createScratch, removeScratch } from "../lib/scratch";
import type { InventoryFiles } from "../sources/duckListing";
import { DEFAULT_FLUSH_ROWS, loadListing } from "../sources/duckLoad";
import { PathEntry } from "../sources/types";
import { Aggregated, aggregate } from "./aggregate";

export interface Assessment extends Aggregated {
  source: string;
  throughputBytesPerSecond: number;
  estimatedCopySeconds: number;
}

export interface AssessOptions {
  /** ACLs were asked for (--acls): the ACL finding is reported even when no path has an ACL. */
  acls: boolean;
  throughput: number;
  top: number;
  examples: number;
  now?: number;
  /** DuckDB memory limit ("512MB" default); beyond it DuckDB spills to the scratch directory. */
  memoryLimit?: string;
  /** DuckDB worker threads (default: every core). */
  threads?: number;
  /** Parent of the scratch directory (default: the OS temp dir). */
  tmpDir?: string;
}

/**
 * Assesses a listing: inventory files DuckDB reads itself, or entries
 * streamed in (a live listing, JSON lines), loaded into one DuckDB table and
 * aggregated in SQL (aggregate.ts) on every core. Memory: DuckDB's limit,
 * spilling to a scratch directory removed whatever happens.
 */
export async function assess(source: string, input: AsyncIterable<PathEntry> | InventoryFiles, opts: AssessOptions): Promise<Assessment> {
  const scratch = createScratch("assess", opts.tmpDir);
  try {
    // In memory (spilled beyond the limit): the table is loaded once and read three times, and loads about twice as fast as into a file.
    const engine = await openEngine(scratch, { memoryLimit: opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT, threads: opts.threads, storage: "memory" });
    try {
      await loadListing(engine.connection, "listing", input, source, { carry: { owners: false, acl: true }, flushRows: DEFAULT_FLUSH_ROWS });
      const found = await aggregate(engine.connection, "listing", { acls: opts.acls, top: opts.top, examples: opts.examples, now: opts.now ?? Date.now() });
      return { source, ...found, throughputBytesPerSecond: opts.throughput, estimatedCopySeconds: found.bytes / opts.throughput };
    } finally {
      engine.close();
    }
  } finally {
    removeScratch(scratch);
  }
}

/** "2GB/s", "500 MB/s", "1.5TB/s", or plain bytes per second. */
export function parseThroughput(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?(?:\/s|ps)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 }[(m[2] ?? "B").toUpperCase() as "B"];
  const v = Number(m[1]) * unit;
  return v > 0 ? v : undefined;
}
