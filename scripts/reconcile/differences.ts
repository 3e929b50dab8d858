import { createHash } from "crypto";
import { createReadStream } from "fs";
import { createInterface } from "readline";
import { z } from "zod";
import { UsageError } from "../lib/cli";
import { DIFFERENCE_KINDS, type DifferenceKind } from "../validate/classify";
import { type DifferenceList, type ReportDifference, difference } from "./report";

/**
 * A report's differences, read in batches on every pass: a full list file
 * a line at a time (so memory does not grow with it), or the lists inside
 * the report. Whether a file is whole and belongs to its report (SHA-256,
 * line count, lines per folder and kind against the report's counts) is
 * known once a pass has read it all; reconcile's first pass changes nothing,
 * so a file that fails is refused before any change.
 */

/** A difference of the list, with the index of its section in the report. */
export type ListedDifference = ReportDifference & { folder: number };

/** Differences handed over at a time. */
export const READ_BATCH = 1000;

const line = difference.extend({ folder: z.number().int().min(0) });

export function readDifferences(list: DifferenceList): AsyncIterable<ListedDifference[]> {
  return list.kind === "inline" ? inline(list.sections) : fromFile(list);
}

async function* inline(sections: ReportDifference[][]): AsyncIterable<ListedDifference[]> {
  for (const [folder, all] of sections.entries()) {
    for (let i = 0; i < all.length; i += READ_BATCH) yield all.slice(i, i + READ_BATCH).map((d) => ({ ...d, folder }));
  }
}

async function* fromFile(list: Extract<DifferenceList, { kind: "file" }>): AsyncIterable<ListedDifference[]> {
  const hash = createHash("sha256");
  const seen = list.counts.map(() => new Map<DifferenceKind, number>());
  const input = createReadStream(list.file);
  let n = 0;
  let batch: ListedDifference[] = [];
  try {
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      n++;
      hash.update(`${text}\n`);
      const d = parse(list.file, n, text);
      const counted = seen[d.folder];
      if (!counted) throw new UsageError(`${list.file}: line ${n}: folder ${d.folder}, but the report has ${seen.length} folders: the file belongs to another report`);
      counted.set(d.kind, (counted.get(d.kind) ?? 0) + 1);
      batch.push(d);
      if (batch.length === READ_BATCH) {
        yield batch;
        batch = [];
      }
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${list.file}: cannot read the report's full list (${(err as Error).message.split("\n")[0]}); keep it beside the report, as validate --out wrote it`);
  } finally {
    input.destroy();
  }
  if (batch.length > 0) yield batch;
  const problems = wholeFileProblems(list, n, hash.digest("hex"), seen);
  if (problems.length > 0) throw new UsageError(`${list.file}: not the full list of this report (cut short, changed, or another run's); run validate --out again`, problems);
}

function parse(file: string, n: number, text: string): ListedDifference {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`${file}: line ${n} is not JSON`);
  }
  const parsed = line.safeParse(value);
  if (!parsed.success) throw new UsageError(`${file}: line ${n}: not a difference reconcile can read`, parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(line)"}: ${i.message}`));
  return parsed.data;
}

function wholeFileProblems(list: Extract<DifferenceList, { kind: "file" }>, lines: number, sha256: string, seen: Map<DifferenceKind, number>[]): string[] {
  const problems: string[] = [];
  if (lines !== list.lines) problems.push(`${lines} lines; the report says ${list.lines}`);
  if (sha256 !== list.sha256) problems.push(`SHA-256 ${sha256}; the report says ${list.sha256}`);
  list.counts.forEach((counts, i) => {
    for (const kind of DIFFERENCE_KINDS) {
      const listed = seen[i].get(kind) ?? 0;
      if (listed !== counts[kind]) problems.push(`folders[${i}]: ${counts[kind]} ${kind} differences counted but ${listed} in the file`);
    }
  });
  return problems;
}
