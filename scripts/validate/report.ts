import { DIFFERENCE_KINDS, DifferenceKind, ValidateResult } from "./compare";

const TITLES: Record<DifferenceKind, string> = {
  missing: "Missing in target",
  extra: "Extra in target",
  type: "Type mismatch",
  size: "Size mismatch",
  acl: "ACL mismatch",
};

export function totalDifferences(r: ValidateResult): number {
  return DIFFERENCE_KINDS.reduce((n, k) => n + r.counts[k], 0);
}

export function toJson(r: ValidateResult): string {
  return `${JSON.stringify({ ok: totalDifferences(r) === 0, ...r }, null, 2)}\n`;
}

const code = (s: string): string => `\`${s.replace(/`/g, "\\`")}\``;
const cell = (s: string | undefined): string => (s ?? "").replace(/\|/g, "\\|");

export function toMarkdown(r: ValidateResult): string {
  const total = totalDifferences(r);
  const out: string[] = [
    "# Validation report",
    "",
    `- Source: ${code(r.source.uri)} (${r.source.paths} paths)`,
    `- Target: ${code(r.target.uri)} (${r.target.paths} paths)`,
    `- Compared: paths, types, file sizes${r.aclsCompared ? ", owner, group and ACLs" : ""}`,
    `- Result: ${total === 0 ? "**no differences**" : `**${total} differences**`}, ${r.matched} paths match (${r.seconds.toFixed(1)} s)`,
    "",
    "| difference | count |",
    "| --- | ---: |",
    ...DIFFERENCE_KINDS.filter((k) => k !== "acl" || r.aclsCompared).map((k) => `| ${TITLES[k]} | ${r.counts[k]} |`),
  ];
  for (const kind of DIFFERENCE_KINDS) {
    const items = r.differences.filter((d) => d.kind === kind);
    if (items.length === 0) continue;
    out.push("", `## ${TITLES[kind]}${items.length < r.counts[kind] ? ` (first ${items.length} of ${r.counts[kind]})` : ""}`, "");
    if (kind === "missing" || kind === "extra") {
      out.push(...items.map((d) => `- ${code(d.path)}`));
    } else {
      out.push("| path | source | target |", "| --- | --- | --- |", ...items.map((d) => `| ${code(d.path)} | ${cell(d.source)} | ${cell(d.target)} |`));
    }
  }
  return `${out.join("\n")}\n`;
}
