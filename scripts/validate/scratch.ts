import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

/**
 * Scratch directories for spilled sort runs. Each is removed when its
 * comparison ends, and every one still present is removed when the process
 * exits: a `process.exit` after a failure on one side, or a signal handled by
 * `exitOnSignals`, does not run pending `finally` blocks, so without this the
 * runs (as large as the listing) would stay behind.
 */
const live = new Set<string>();
let hooked = false;

export function createScratch(parent?: string): string {
  if (!hooked) {
    hooked = true;
    process.once("exit", removeAllScratch);
  }
  const dir = mkdtempSync(path.join(parent ?? tmpdir(), "adls-validate-"));
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
 * For a CLI entry: on SIGINT, SIGTERM or SIGHUP, say so and exit with
 * 128 + the signal number; the exit hook above removes the scratch files.
 * Nothing a comparison does is worth keeping half done, so it is not resumed.
 */
export function exitOnSignals(write: (text: string) => void, command: string): void {
  for (const [signal, code] of Object.entries(SIGNAL_EXIT)) {
    process.once(signal, () => {
      write(`${command}: interrupted by ${signal}; scratch files removed, nothing was compared\n`);
      process.exit(code);
    });
  }
}
