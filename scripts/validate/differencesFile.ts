import { createHash } from "crypto";
import { createWriteStream, renameSync } from "fs";
import * as path from "path";
import { once } from "events";
import { finished } from "stream/promises";
import { UsageError } from "../lib/cli";
import type { DifferenceSink } from "./compare";
import { createScratch, removeScratch } from "../lib/scratch";

/**
 * The report's full list (docs/roadmap.md, "The full list"): every
 * difference of every folder section, one JSON object a line, written as
 * each section's comparison ends, so none is held in the heap. A line is a
 * `Difference` of the JSON report with `folder`, the index of its section
 * in the report's `folders`, in front: sections in report order, then kind
 * (DIFFERENCE_KINDS order), then path in UTF-8 byte order (a directory
 * before what is below it). The JSON report names the file with its
 * SHA-256 and line count, so a reader can tell it is whole and belongs to
 * that report.
 */
export interface DifferencesFileInfo {
  /** File name, relative to the JSON report's folder. */
  path: string;
  sha256: string;
  /** Lines, one per difference: the sum of every section's counts. */
  differences: number;
}

export interface DifferencesFile {
  /** The sink of the folder section at `index` of the report. */
  section(index: number): DifferenceSink;
  /** Completes the file, then puts it in place. */
  finish(): Promise<DifferencesFileInfo>;
}

/** `<base>.json` → `<base>.differences.jsonl`, beside it. */
export function differencesPath(jsonReport: string): string {
  return `${jsonReport.replace(/\.json$/i, "")}.differences.jsonl`;
}

/**
 * Opens `file` for writing. The lines go to a scratch directory beside it
 * (removed on any exit, signals included), so an interrupted run never
 * leaves a partial list under the final name; `flag` names the option in
 * the error when the folder cannot be written.
 */
export function openDifferencesFile(file: string, flag: string): DifferencesFile {
  let scratch: string;
  try {
    scratch = createScratch("validate", path.dirname(path.resolve(file)));
  } catch (err) {
    throw new UsageError(`${flag}: cannot write beside ${file} (${(err as Error).message.split("\n")[0]})`);
  }
  const partial = path.join(scratch, path.basename(file));
  const out = createWriteStream(partial);
  let failure: Error | undefined;
  out.on("error", (err) => (failure = err));
  const hash = createHash("sha256");
  let lines = 0;
  return {
    section(index) {
      const head = `{"folder":${index},`;
      return {
        async write(encoded) {
          if (failure) throw failure;
          // Each encoded difference is an object: its opening brace gives way to the folder.
          const text = encoded.map((e) => `${head}${e.slice(1)}\n`).join("");
          hash.update(text);
          lines += encoded.length;
          if (!out.write(text)) await once(out, "drain");
        },
      };
    },
    async finish() {
      out.end();
      await finished(out);
      renameSync(partial, file);
      removeScratch(scratch);
      return { path: path.basename(file), sha256: hash.digest("hex"), differences: lines };
    },
  };
}
