import { DIFFERENCE_KINDS, DifferenceKind, ValidateResult, zeroCounts } from "./compare";
import type { DifferencesFileInfo } from "./differencesFile";

/** Where a folder section's paths live, from the stack's `migration.folders` (absent for a single --source/--target pair). */
export interface FolderRef {
  /** Gen1 folder, e.g. "/raw/sales". */
  source: string;
  filesystem: string;
  /** Directory inside the filesystem; "" is its root. */
  target: string;
  /** Set only for a bidirectional-sync folder with `writer: gen2`: compared in its copy direction, Gen2 as the source. */
  direction?: Gen2ToGen1;
}

/**
 * A folder written on Gen2 and copied to Gen1 by sync-gen2-to-gen1: the
 * section's source is Gen2 and its target Gen1, so `missing` is on Gen2
 * only, `extra` on Gen1 only, and `stale` a Gen2 file changed after its
 * Gen1 copy. Owners, groups and ACLs are not compared: Data Factory
 * preserves them only into Gen2 (docs/roadmap.md, "Folders written on Gen2").
 */
export interface Gen2ToGen1 {
  from: "gen2";
  to: "gen1";
  /** The folder's writerSince; null without one (Gen2 has written it since schedule.startTime). */
  writerSince: string | null;
  /** writerSince, else schedule.startTime: Gen2 files modified before it are copies from Gen1 no window copies back, not checked for staleness. */
  staleFrom: string;
}

export interface FolderSection extends ValidateResult {
  folder?: FolderRef;
}

/** One run of validate: a section per compared folder. */
export interface ValidateReport {
  sections: FolderSection[];
  seconds: number;
  /** The full list beside the report (--out), whatever --max-listed; absent without one. */
  differencesFile?: DifferencesFileInfo;
}

/** Bumped when a field reconcile reads changes meaning. */
export const REPORT_VERSION = 2;

const TITLES: Record<DifferenceKind, string> = {
  missing: "Missing in target",
  extra: "Extra in target",
  type: "Type mismatch",
  size: "Size mismatch",
  stale: "Stale copy (source modified after the target copy)",
  acl: "ACL mismatch",
};

export function totalDifferences(r: ValidateReport | ValidateResult): number {
  const counts = "sections" in r ? totals(r).counts : r.counts;
  return DIFFERENCE_KINDS.reduce((n, k) => n + counts[k], 0);
}

/** Passes only with no difference and no problem in any section. */
export function reportOk(r: ValidateReport): boolean {
  return totalDifferences(r) === 0 && r.sections.every((s) => s.problems.length === 0);
}

function totals(r: ValidateReport): { matched: number; counts: Record<DifferenceKind, number> } {
  const counts = zeroCounts();
  for (const s of r.sections) for (const k of DIFFERENCE_KINDS) counts[k] += s.counts[k];
  return { matched: r.sections.reduce((n, s) => n + s.matched, 0), counts };
}

/** The JSON report (docs/roadmap.md, "validate JSON report"): totals first, then one entry per folder. */
export function toJson(r: ValidateReport): string {
  const { matched, counts } = totals(r);
  const problems = r.sections.flatMap((s) => s.problems);
  const doc = { version: REPORT_VERSION, ok: reportOk(r), matched, counts, problems, seconds: r.seconds, differencesFile: r.differencesFile, folders: r.sections };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

const code = (s: string): string => `\`${s.replace(/`/g, "\\`")}\``;
const cell = (s: string | undefined): string => (s ?? "").replace(/\|/g, "\\|");

export function toMarkdown(r: ValidateReport): string {
  const { matched } = totals(r);
  const total = totalDifferences(r);
  const out: string[] = ["# Validation report", ""];
  if (r.sections.length > 1) {
    out.push(
      `- Folders: ${r.sections.length}`,
      `- Result: ${reportOk(r) ? "**no differences**" : `**${total} differences**`}, ${matched} paths match (${r.seconds.toFixed(1)} s)`,
      "",
    );
  }
  const all = r.differencesFile;
  if (all) out.push(`- Full list: ${code(all.path)} (${all.differences} differences, one JSON object a line)`, "");
  const single = r.sections.length === 1;
  for (const s of r.sections) out.push(...section(s, single));
  return `${out.join("\n")}\n`;
}

function section(s: FolderSection, single: boolean): string[] {
  const total = totalDifferences(s);
  const h = single ? "##" : "###";
  const out: string[] = single ? [] : [`## ${heading(s)}`, ""];
  out.push(
    ...directionLines(s.folder?.direction),
    `- Source: ${code(s.source.uri)} (${s.source.paths} paths)`,
    `- Target: ${code(s.target.uri)} (${s.target.paths} paths)`,
    ...comparedLines(s, s.folder?.direction !== undefined),
    `- Result: ${total === 0 && s.problems.length === 0 ? "**no differences**" : `**${total} differences**`}, ${s.matched} paths match (${s.seconds.toFixed(1)} s)`,
    ...s.problems.map((p) => `- **Problem**: ${p}`),
    ...s.hints.map((p) => `- Hint: ${p}`),
    "",
    "| difference | count |",
    "| --- | ---: |",
    ...DIFFERENCE_KINDS.filter((k) => k !== "acl" || s.compared.acls).map((k) => `| ${TITLES[k]} | ${s.counts[k]} |`),
  );
  for (const kind of DIFFERENCE_KINDS) {
    const items = s.differences.filter((d) => d.kind === kind);
    if (items.length === 0) continue;
    out.push("", `${h} ${TITLES[kind]}${items.length < s.counts[kind] ? ` (first ${items.length} of ${s.counts[kind]})` : ""}`, "");
    if (kind === "missing" || kind === "extra") {
      out.push(...items.map((d) => `- ${code(d.path)}`));
    } else {
      out.push("| path | source | target |", "| --- | --- | --- |", ...items.map((d) => `| ${code(d.path)} | ${cell(d.source)} | ${cell(d.target)} |`));
    }
  }
  out.push("");
  return out;
}

function heading(s: FolderSection): string {
  if (!s.folder) return s.source.uri;
  const gen2 = `${s.folder.filesystem}/${s.folder.target}`;
  return s.folder.direction ? `${gen2} → ${s.folder.source} (Gen2 → Gen1, writer: gen2)` : `${s.folder.source} → ${gen2}`;
}

function directionLines(d: Gen2ToGen1 | undefined): string[] {
  if (!d) return [];
  const since = d.writerSince === null ? `since schedule.startTime ${d.staleFrom}` : `since ${d.writerSince}`;
  return [
    `- Direction: source: Gen2 (writer: gen2 ${since}), target: Gen1 (the copies of sync-gen2-to-gen1); ` +
      `Gen2 files modified before ${d.staleFrom} are copies from Gen1 made before the flip, not checked for staleness`,
  ];
}

/** "Compared:" and "Not compared:" say exactly what this section checked. */
function comparedLines(s: ValidateResult, gen2ToGen1: boolean): string[] {
  const t = s.compared.times;
  const yes = ["paths", "types", "file sizes"];
  const no = ["file contents (no checksums are read)"];
  if (t.compared > 0) yes.push(`modification times of ${t.compared} file pairs (stale copies)`);
  if (t.unavailable > 0) no.push(`modification times of ${t.unavailable} file pairs (a side gave no time), so stale copies there are not found`);
  if (s.compared.acls) yes.push(`owner, group and ACLs (${s.compared.acls === "exact" ? "exact" : "source entries present on the target"})`);
  else if (gen2ToGen1) no.push("owner, group and ACLs (Data Factory's Gen2 → Gen1 copy does not preserve them)");
  else no.push("owner, group and ACLs (pass --acls)");
  return [`- Compared: ${yes.join(", ")}`, `- Not compared: ${no.join("; ")}`];
}
