import { existsSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";

/**
 * Rewrites the section of bench/RESULTS.md whose heading starts with
 * "## <name>" (up to the next "## " heading) with `section`, which starts
 * with that heading; appends it when there is none. Only benches run with
 * --record at their default size call this.
 */
export function recordSection(name: string, section: string): void {
  const file = path.join(__dirname, "RESULTS.md");
  const current = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmark results\n";
  const start = current.search(new RegExp(`^## ${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`, "m"));
  const rest = start >= 0 ? current.slice(start + 1).search(/^## /m) : -1;
  const next = rest >= 0 ? start + 1 + rest : -1;
  const updated = start < 0 ? `${current.trimEnd()}\n\n${section}` : `${current.slice(0, start)}${section}${next >= 0 ? `\n${current.slice(next)}` : ""}`;
  writeFileSync(file, `${updated.trimEnd()}\n`);
  process.stderr.write(`recorded in ${file}\n`);
}
