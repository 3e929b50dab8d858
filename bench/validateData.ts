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

function* paths(side: "source" | "target", dirs: number): Generator<BenchPath> {
  for (let d = 0; d < dirs; d++) {
    yield { path: dirName(d), type: "directory", size: 0 };
    for (let f = 0; f < FILES_PER_DIR; f++) {
      const k = d * FILES_PER_DIR + f;
      if (side === "target" && k % 3000 === 7) continue; // missing in target
      const size = (k % 1000) + (side === "target" && k % 3000 === 1007 ? 1 : 0); // size mismatch
      yield { path: `${dirName(d)}/part-${String(f).padStart(5, "0")}.parquet`, type: "file", size };
    }
    if (side === "target" && d % 3 === 0) yield { path: `${dirName(d)}/zz-extra.parquet`, type: "file", size: 1 }; // extra
  }
}

export const sourcePaths = (dirs = DIRS) => paths("source", dirs);
export const targetPaths = (dirs = DIRS) => paths("target", dirs);
