import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

/**
 * Scratch directories for DuckDB's database and spill files (validate's
 * comparison, assess's aggregation). Each is removed when its run ends, and
 * every one still present is removed when the process exits: a
 * `process.exit` after a failure on one side, or a signal handled by
 * `exitOnSignals`, does not run pending `finally` blocks, so without this the
 * files (as large as the listing) would stay behind.
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

/** 128 + signal number, as shells report a process ended by that signal. */
const SIGNAL_EXIT: Record<"SIGINT" | "SIGTERM" | "SIGHUP", number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * For a CLI entry: on SIGINT, SIGTERM or SIGHUP, say so (`lost`: what did not
 * happen) and exit with 128 + the signal number; the exit hook above removes
 * the scratch files. Nothing a comparison or an assessment does is worth
 * keeping half done, so neither is resumed.
 */
export function exitOnSignals(write: (text: string) => void, command: string, lost: string): void {
  for (const [signal, code] of Object.entries(SIGNAL_EXIT)) {
    process.once(signal, () => {
      write(`${command}: interrupted by ${signal}; scratch files removed, ${lost}\n`);
      process.exit(code);
    });
  }
}
