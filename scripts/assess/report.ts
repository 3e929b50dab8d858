import type { Assessment } from "./analyze";
import { NAME_RULES } from "./rules";

export function formatBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

const code = (s: string): string => `\`${s.replace(/`/g, "\\`")}\``;

export function toMarkdown(a: Assessment): string {
  const out = [
    "# Assessment report",
    "",
    `- Source: ${code(a.source)}`,
    `- ${a.paths} paths: ${a.files} files, ${a.directories} folders, ${formatBytes(a.bytes)}`,
    `- Estimated copy time at ${formatBytes(a.throughputBytesPerSecond)}/s: **${formatDuration(a.estimatedCopySeconds)}** ` +
      "(data volume only; many small files, throttling and ACL preservation make real runs slower)",
    "",
    "## Top-level folders",
    "",
    "| folder | files | folders | bytes |",
    "| --- | ---: | ---: | ---: |",
    ...a.topLevel.map((t) => `| ${code(t.folder)} | ${t.files} | ${t.directories} | ${formatBytes(t.bytes)} |`),
    "",
    "## Age (last modified)",
    "",
    "| age | files | bytes |",
    "| --- | ---: | ---: |",
    ...a.ages.map((b) => `| ${b.bucket} | ${b.files} | ${formatBytes(b.bytes)} |`),
    "",
    "## Largest files",
    "",
    "| path | size |",
    "| --- | ---: |",
    ...a.largest.map((f) => `| ${code(f.path)} | ${formatBytes(f.size)} |`),
    "",
    "## Names Gen2 or the copy tooling rejects",
    "",
  ];
  const bad = NAME_RULES.filter((r) => a.badNames[r.id].count > 0);
  if (bad.length === 0) out.push("None found.");
  for (const r of bad) {
    const b = a.badNames[r.id];
    out.push(`- ${r.title}: ${b.count}`, ...b.examples.map((p) => `  - ${code(p)}`));
  }
  out.push("", "## ACLs over the 28 named entries Gen2 allows", "");
  if (!a.largeAcls) out.push("Not checked (run with `--acls`, or use an inventory with an Acl column).");
  else if (a.largeAcls.count === 0) out.push("None found.");
  else out.push(`${a.largeAcls.count} paths; replace per-user entries with groups before migrating.`, "", ...a.largeAcls.examples.map((f) => `- ${code(f.path)}: ${f.detail}`));
  return `${out.join("\n")}\n`;
}
