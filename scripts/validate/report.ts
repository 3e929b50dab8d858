import { DIFFERENCE_KINDS, DifferenceKind, ValidateResult, zeroCounts } from "./compare";
import type { DifferencesFileInfo } from "./differencesFile";

/** Where a folder section's paths live, from the stack's `migration.folders` (absent for a single --source/--target pair). */
export interface FolderRef {
  /** Gen1 folder, e.g. "/raw/sales". */
  source: string;
  filesystem: string;
  /** Directory inside the filesystem; "" is its root. */
  target: string;
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
  const out: string[] = single ? [] : [`## ${s.folder ? `${s.folder.source} → ${s.folder.filesystem}/${s.folder.target}` : s.source.uri}`, ""];
  out.push(
    `- Source: ${code(s.source.uri)} (${s.source.paths} paths)`,
    `- Target: ${code(s.target.uri)} (${s.target.paths} paths)`,
    ...comparedLines(s),
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

/** "Compared:" and "Not compared:" say exactly what this section checked. */
function comparedLines(s: ValidateResult): string[] {
  const t = s.compared.times;
  const yes = ["paths", "types", "file sizes"];
  const no = ["file contents (no checksums are read)"];
  if (t.compared > 0) yes.push(`modification times of ${t.compared} file pairs (stale copies)`);
  if (t.unavailable > 0) no.push(`modification times of ${t.unavailable} file pairs (a side gave no time), so stale copies there are not found`);
  if (s.compared.acls) yes.push(`owner, group and ACLs (${s.compared.acls === "exact" ? "exact" : "source entries present on the target"})`);
  else no.push("owner, group and ACLs (pass --acls)");
  return [`- Compared: ${yes.join(", ")}`, `- Not compared: ${no.join("; ")}`];
}
