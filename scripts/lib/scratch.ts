import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

/**
 * Scratch directories for DuckDB's database and spill files (validate's
 * comparison, assess's aggregation). Each is removed when its run ends (a
 * stop request included), and every one still present is removed when the
 * process exits: runMain's `process.exit` on a second stop signal does not
 * run pending `finally` blocks, so without this the files (as large as the
 * listing) would stay behind.
 */
const live = new Set<string>();
let hooked = false;

/** A new directory `adls-<command>-XXXXXX` under `parent` (default: the OS temp dir). */
export function createScratch(command: string, parent?: string): string {
  if (!hooked) {
    hooked = true;
    process.once("exit", removeAllScratch);
  }
  const dir = mkdtempSync(path.join(parent ?? tmpdir(), `adls-${command}-`));
  live.add(dir);
  return dir;
}

export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  live.delete(dir);
}

function removeAllScratch(): void {
  for (const dir of [...live]) removeScratch(dir);
}
