import { readFileSync } from "fs";
import { z } from "zod";
import { UsageError } from "../lib/cli";
import { DIFFERENCE_KINDS } from "../validate/classify";
import { REPORT_VERSION } from "../validate/report";

/**
 * The validate JSON report (docs/roadmap.md, "The JSON report") as reconcile
 * reads it, checked once here: a report it cannot act on completely is bad
 * input (exit 2) before anything changes.
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

const difference = z.object({
  kind: z.enum(DIFFERENCE_KINDS),
  path: z.string(),
  source: z.string().optional(),
  target: z.string().optional(),
  sourceEntry: entry.optional(),
  targetEntry: entry.optional(),
});
export type ReportDifference = z.infer<typeof difference>;

const counts = z.object(Object.fromEntries(DIFFERENCE_KINDS.map((k) => [k, z.number().int().min(0)])) as Record<(typeof DIFFERENCE_KINDS)[number], z.ZodNumber>);

/** validate --stack's direction of a bidirectional-sync folder written on Gen2: its source is Gen2, its target Gen1. */
const gen2ToGen1 = z.object({ from: z.literal("gen2"), to: z.literal("gen1") });

const folder = z.object({
  folder: z.object({ source: z.string(), filesystem: z.string(), target: z.string(), direction: gen2ToGen1.optional() }).optional(),
  counts,
  problems: z.array(z.string()),
  differences: z.array(difference),
});

const reportSchema = z.object({ version: z.literal(REPORT_VERSION), ok: z.boolean(), folders: z.array(folder) });

export interface ReportFolder {
  source: string;
  filesystem: string;
  target: string;
  differences: ReportDifference[];
  /**
   * The section compared Gen2 (source) with Gen1 (target): its kinds are
   * mirrored (`missing` is on Gen2 only, `stale` a newer Gen2 file), so it
   * is read no further and carries no differences; reconcile skips it.
   */
  gen2ToGen1?: true;
}

/**
 * Parses a report, refusing one reconcile would act on only in part:
 * sections without a folder, problems, or truncated lists. A section
 * compared Gen2 → Gen1 is kept without its differences, whatever they are.
 */
export function parseReport(raw: unknown, from: string): ReportFolder[] {
  const parsed = reportSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`);
    throw new UsageError(`${from}: not a validate JSON report (version ${REPORT_VERSION}) reconcile can read`, problems.slice(0, 10));
  }
  const problems: string[] = [];
  const out: ReportFolder[] = [];
  parsed.data.folders.forEach((f, i) => {
    const where = `folders[${i}]`;
    if (f.folder?.direction) {
      out.push({ source: f.folder.source, filesystem: f.folder.filesystem, target: f.folder.target, differences: [], gen2ToGen1: true });
      return;
    }
    if (!f.folder) problems.push(`${where}: no folder mapping; produce the report with validate --stack/--config-file, so each path's Gen1 and Gen2 location is known`);
    for (const p of f.problems) problems.push(`${where}: validate reported a problem: ${p}`);
    for (const kind of DIFFERENCE_KINDS) {
      const listed = f.differences.filter((d) => d.kind === kind).length;
      if (listed !== f.counts[kind]) {
        problems.push(`${where}: ${f.counts[kind]} ${kind} differences counted but ${listed} listed; rerun validate with --max-listed ${f.counts[kind]} or more`);
      }
    }
    if (f.folder) out.push({ ...f.folder, differences: f.differences });
  });
  if (problems.length > 0) throw new UsageError(`${from}: reconcile cannot act on this report`, problems);
  return out;
}

export function readReport(file: string): ReportFolder[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`--report ${file}: cannot read it as JSON (${(err as Error).message.split("\n")[0]})`);
  }
  return parseReport(raw, `--report ${file}`);
}
