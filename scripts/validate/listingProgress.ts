import type { Io } from "../lib/command";
import { ListingCounts, listingKey } from "../lib/listingCounts";
import { type Counter, type Expected, type Progress, startProgress } from "../lib/progress";
import type { SourceReader } from "../sources/types";
import type { ValidateOptions } from "./compare";
import type { FolderRef } from "./report";

type Side = "source" | "target";

/** Where a command shows its comparisons' progress, and the counts of earlier listings it reads and keeps. */
export interface ListingDisplay {
  progress: Progress;
  counts: ListingCounts;
  warn(problem: string): void;
}

/** Progress on the command's stderr (io.err), counts in its state directory (io.env). */
export function listingDisplay(io: Pick<Io, "err" | "tty" | "env">, command: string): ListingDisplay {
  return {
    progress: startProgress({ tty: io.tty, write: (line) => io.err(`${line}\n`) }),
    counts: new ListingCounts(io.env),
    warn: (problem) => io.err(`${command}: ${problem}\n`),
  };
}

/** The hooks to pass to `validate`, and `done` for after it (failed or not). */
export interface ComparisonProgress {
  hooks: Required<Pick<ValidateOptions, "onListed" | "onLoaded" | "onCompared">>;
  done(): void;
}

/**
 * One comparison's progress: a count per side listed in JS (a side DuckDB
 * reads from inventory files has none), then the pairs compared. A live
 * side expects the count of its last complete listing (kept when it
 * completes); failing that, when the other side is an inventory, that
 * side's path count once loaded: the two are meant to hold the same tree.
 */
export function comparisonProgress(display: ListingDisplay, pair: { folder?: FolderRef; source: SourceReader; target: SourceReader }): ComparisonProgress {
  const readers: Record<Side, SourceReader> = { source: pair.source, target: pair.target };
  const gen1 = pair.folder ? ` ${pair.folder.source}` : "";
  const gen2 = pair.folder ? ` ${pair.folder.filesystem}/${pair.folder.target}` : "";
  // A folder compared Gen2 → Gen1 lists Gen2 as its source.
  const where = pair.folder?.direction ? { source: gen2, target: gen1 } : { source: gen1, target: gen2 };
  const expected: Partial<Record<Side, Expected>> = {};
  const listing: Partial<Record<Side, Counter>> = {};
  for (const side of ["source", "target"] as const) {
    if (readByDuckDB(readers[side])) continue;
    expected[side] = display.counts.expected(readers[side].describe);
    listing[side] = display.progress.counter(`listing ${side}${where[side]}`, expected[side]);
  }
  let compared: Counter | undefined;
  const finished = new Set<Side>();
  const hooks: ComparisonProgress["hooks"] = {
    onListed: (side) => listing[side]?.increment(),
    onLoaded(side, paths) {
      finished.add(side);
      listing[side]?.done();
      const reader = readers[side];
      if (listingKey(reader.describe) !== undefined) {
        const problem = display.counts.remember(reader.describe, paths);
        if (problem) display.warn(problem);
        return;
      }
      const other: Side = side === "source" ? "target" : "source";
      if (paths > 0 && !finished.has(other) && !expected[other] && listingKey(readers[other].describe) !== undefined) {
        expected[other] = { total: paths, from: `the ${side} ${reader.describe}` };
        listing[other]?.expect(expected[other]);
      }
    },
    onCompared: () => (compared ??= display.progress.counter(`comparing${where.source}`)).increment(),
  };
  return {
    hooks,
    done() {
      for (const c of [listing.source, listing.target, compared]) c?.done();
    },
  };
}

/** Whether DuckDB reads this side's files itself (no entry passes through JS to count); a reader that cannot tell is counted, its load reports the problem. */
function readByDuckDB(reader: SourceReader): boolean {
  try {
    return reader.inventoryFiles?.() !== undefined;
  } catch {
    return false;
  }
}
