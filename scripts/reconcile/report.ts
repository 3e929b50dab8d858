import { copyFileSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import { z } from "zod";
import { UsageError } from "../lib/cli";
import { DIFFERENCE_KINDS, type DifferenceKind } from "../validate/classify";
import { REPORT_VERSION } from "../validate/report";

/**
 * The validate JSON report (docs/roadmap.md, "The JSON report") as reconcile
 * reads it, checked once here: a report it cannot act on completely is bad
 * input (exit 2) before anything changes. Its differences are either its
 * full list (`differencesFile`, read a line at a time by ./differences.ts)
 * or, without one, the lists inside the report, which must then be whole.
 */

const entry = z.object({
  type: z.enum(["file", "directory"]),
  size: z.number(),
  modified: z.string().nullable(),
  owner: z.string().nullable(),
  group: z.string().nullable(),
  permissions: z.string().nullable(),
  acl: z.string().nullable(),
});
export type Entry = z.infer<typeof entry>;

export const difference = z.object({
  kind: z.enum(DIFFERENCE_KINDS),
  path: z.string(),
  source: z.string().optional(),
  target: z.string().optional(),
  sourceEntry: entry.optional(),
  targetEntry: entry.optional(),
});
export type ReportDifference = z.infer<typeof difference>;

const counts = z.object(Object.fromEntries(DIFFERENCE_KINDS.map((k) => [k, z.number().int().min(0)])) as Record<DifferenceKind, z.ZodNumber>);

/** validate --stack's direction of a bidirectional-sync folder written on Gen2: its source is Gen2, its target Gen1. */
const gen2ToGen1 = z.object({ from: z.literal("gen2"), to: z.literal("gen1") });

const folder = z.object({
  folder: z.object({ source: z.string(), filesystem: z.string(), target: z.string(), direction: gen2ToGen1.optional() }).optional(),
  counts,
  problems: z.array(z.string()),
  differences: z.array(difference),
});

const fullList = z.object({ path: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/), differences: z.number().int().min(0) });

const reportSchema = z.object({ version: z.literal(REPORT_VERSION), ok: z.boolean(), differencesFile: fullList.optional(), folders: z.array(folder) });

/** A folder section of the report: where its paths live on Gen1 and Gen2. */
export interface ReportFolder {
  /** The section's index in the report's `folders` (what a line of the full list names). */
  index: number;
  source: string;
  filesystem: string;
  target: string;
  /**
   * The section compared Gen2 (source) with Gen1 (target): its kinds are
   * mirrored (`missing` is on Gen2 only, `stale` a newer Gen2 file), so none
   * of its differences is read (its lines of a full list are still counted
   * and hashed with the rest); reconcile skips it.
   */
  gen2ToGen1?: true;
}

/** Every difference of a report, from one of its two places. */
export type DifferenceList =
  | { kind: "inline"; sections: ReportDifference[][] }
  | { kind: "file"; file: string; sha256: string; lines: number; counts: Record<DifferenceKind, number>[] };

export interface Report {
  folders: ReportFolder[];
  list: DifferenceList;
}

/**
 * Parses a report, refusing one reconcile would act on only in part:
 * sections without a folder, problems, or lists cut at --max-listed with no
 * full list beside them. A section compared Gen2 → Gen1 is kept without its
 * differences, whatever they are. `dir` is where the report is (its full
 * list is named relative to it).
 */
export function parseReport(raw: unknown, from: string, dir: string): Report {
  const parsed = reportSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`);
    throw new UsageError(`${from}: not a validate JSON report (version ${REPORT_VERSION}) reconcile can read`, problems.slice(0, 10));
  }
  const { folders: sections, differencesFile: full } = parsed.data;
  const problems: string[] = [];
  const folders: ReportFolder[] = [];
  let cut = false;
  sections.forEach((f, i) => {
    const where = `folders[${i}]`;
    if (f.folder?.direction) {
      folders.push({ index: i, source: f.folder.source, filesystem: f.folder.filesystem, target: f.folder.target, gen2ToGen1: true });
      return;
    }
    if (!f.folder) problems.push(`${where}: no folder mapping; produce the report with validate --stack/--config-file, so each path's Gen1 and Gen2 location is known`);
    for (const p of f.problems) problems.push(`${where}: validate reported a problem: ${p}`);
    const short = full ? [] : cutLists(where, f);
    cut ||= short.length > 0;
    problems.push(...short);
    if (f.folder) folders.push({ index: i, source: f.folder.source, filesystem: f.folder.filesystem, target: f.folder.target });
  });
  if (cut) {
    problems.push("validate --out <base> writes every difference to <base>.differences.jsonl, whatever --max-listed: pass --report <base>.json with it beside the report");
  }
  const total = sections.reduce((n, f) => n + DIFFERENCE_KINDS.reduce((m, k) => m + f.counts[k], 0), 0);
  if (full && full.differences !== total) problems.push(`differencesFile: ${full.differences} differences in ${full.path} but the folders count ${total}`);
  if (problems.length > 0) throw new UsageError(`${from}: reconcile cannot act on this report`, problems);
  const list: DifferenceList = full
    ? { kind: "file", file: path.resolve(dir, full.path), sha256: full.sha256, lines: full.differences, counts: sections.map((f) => f.counts) }
    : { kind: "inline", sections: sections.map((f) => (f.folder?.direction ? [] : f.differences)) };
  return { folders, list };
}

function cutLists(where: string, f: z.infer<typeof folder>): string[] {
  return DIFFERENCE_KINDS.flatMap((kind) => {
    const listed = f.differences.filter((d) => d.kind === kind).length;
    return listed === f.counts[kind] ? [] : [`${where}: ${f.counts[kind]} ${kind} differences counted but ${listed} listed; rerun validate with --max-listed ${f.counts[kind]} or more`];
  });
}

/** Reads and parses the report at `file`; `raw` is kept to be saved beside a journal. */
export function readReport(file: string, from: string): { raw: unknown; report: Report } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`${from}: cannot read it as JSON (${(err as Error).message.split("\n")[0]})`);
  }
  return { raw, report: parseReport(raw, from, path.dirname(path.resolve(file))) };
}

/**
 * Keeps the report a run acts on beside its journal, for a resume:
 * `<journal>.report.json`, and its full list copied to
 * `<journal>.differences.jsonl` (a file the user may replace meanwhile is
 * not read again). Returns the report reading the kept list.
 */
export function keepBesideJournal(raw: unknown, report: Report, journal: string): Report {
  const listCopy = `${journal}.differences.jsonl`;
  const list = report.list;
  if (list.kind === "inline") {
    rmSync(listCopy, { force: true });
    writeFileSync(`${journal}.report.json`, JSON.stringify(raw));
    return report;
  }
  try {
    copyFileSync(list.file, listCopy);
  } catch (err) {
    throw new UsageError(`${list.file}: cannot read the report's full list (${(err as Error).message.split("\n")[0]}); keep it beside the report, as validate --out wrote it`);
  }
  const doc = raw as { differencesFile: z.infer<typeof fullList> };
  writeFileSync(`${journal}.report.json`, JSON.stringify({ ...doc, differencesFile: { ...doc.differencesFile, path: path.basename(listCopy) } }));
  return { ...report, list: { ...list, file: listCopy } };
}
