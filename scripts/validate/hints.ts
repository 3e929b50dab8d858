import type { ValidateResult } from "./compare";

/** Pairs of example paths looked at (missing × extra); enough to see a common prefix. */
const SAMPLE = 50;

/**
 * When both sides list paths and none match, the usual cause is a prefix one
 * side carries and the other does not (an inventory of absolute Gen1 paths
 * against a target folder). Finds it from the listed examples: a missing
 * path that ends with an extra path (or the reverse) at a segment boundary.
 */
export function prefixHints(r: ValidateResult): string[] {
  if (r.matched > 0 || r.counts.missing === 0 || r.counts.extra === 0) return [];
  const missing = r.differences.filter((d) => d.kind === "missing").slice(0, SAMPLE).map((d) => d.path);
  const extra = r.differences.filter((d) => d.kind === "extra").slice(0, SAMPLE).map((d) => d.path);
  const votes = new Map<string, number>();
  for (const m of missing) {
    for (const x of extra) {
      const hint = m.endsWith(`/${x}`) ? `source:${m.slice(0, -x.length - 1)}` : x.endsWith(`/${m}`) ? `target:${x.slice(0, -m.length - 1)}` : undefined;
      if (hint) votes.set(hint, (votes.get(hint) ?? 0) + 1);
    }
  }
  const example = `source paths look like "${missing[0]}", target paths like "${extra[0]}"`;
  const best = [...votes].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!best) {
    return [`no path matches (${example}): do --source and --target name the same folder? A path prefix can be stripped or mapped with --source-prefix / --target-prefix`];
  }
  const [side, prefix] = [best.slice(0, best.indexOf(":")), best.slice(best.indexOf(":") + 1)];
  return [`no path matches (${example}): the ${side} paths carry the prefix "${prefix}"; pass --${side}-prefix ${prefix} to strip it`];
}
