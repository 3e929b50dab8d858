/**
 * The synthetic lake of the validate benchmark: 1000 folders × 999 files =
 * 1 000 000 paths on each side, with 0.1 % differences (≈333 missing, ≈333
 * size mismatches, 334 extra) placed deterministically so both processes
 * build the same data without sharing state.
 */
export const DIRS = 1000;
export const FILES_PER_DIR = 999;
export const FILESYSTEM = "bench";

export interface BenchPath {
  path: string;
  type: "file" | "directory";
  size: number;
}

const dirName = (d: number): string => `d${String(d).padStart(4, "0")}`;
const fileName = (d: number, f: number): string => `${dirName(d)}/part-${String(f).padStart(5, "0")}.parquet`;
const isMissing = (k: number): boolean => k % 3000 === 7;
const isResized = (k: number): boolean => k % 3000 === 1007;
const hasExtra = (d: number): boolean => d % 3 === 0;

function* paths(side: "source" | "target", dirs: number): Generator<BenchPath> {
  for (let d = 0; d < dirs; d++) {
    yield { path: dirName(d), type: "directory", size: 0 };
    for (let f = 0; f < FILES_PER_DIR; f++) {
      const k = d * FILES_PER_DIR + f;
      if (side === "target" && isMissing(k)) continue;
      const size = (k % 1000) + (side === "target" && isResized(k) ? 1 : 0);
      yield { path: fileName(d, f), type: "file", size };
    }
    if (side === "target" && hasExtra(d)) yield { path: `${dirName(d)}/zz-extra.parquet`, type: "file", size: 1 };
  }
}

export const sourcePaths = (dirs = DIRS) => paths("source", dirs);
export const targetPaths = (dirs = DIRS) => paths("target", dirs);

export interface Planted {
  kind: "missing" | "extra" | "size";
  path: string;
}

/** Every difference between the two sides, as validate should report it. */
export function* plantedDifferences(dirs = DIRS): Generator<Planted> {
  for (let d = 0; d < dirs; d++) {
    for (let f = 0; f < FILES_PER_DIR; f++) {
      const k = d * FILES_PER_DIR + f;
      if (isMissing(k)) yield { kind: "missing", path: fileName(d, f) };
      if (isResized(k)) yield { kind: "size", path: fileName(d, f) };
    }
    if (hasExtra(d)) yield { kind: "extra", path: `${dirName(d)}/zz-extra.parquet` };
  }
}
