import { KINDS, bigExpected } from "./inventoryData";
import { Measured } from "./measure";
import { plantedDifferences } from "./validateData";

/** The part of validate's JSON report the bench reads; the same shape before and after the DuckDB engine (report.ts at both commits). */
interface Report {
  counts: Record<string, number>;
  folders: { differences: { kind: string; path: string }[] }[];
}

export function parseReport(m: Measured): Report {
  try {
    return JSON.parse(m.stdout) as Report;
  } catch {
    throw new Error(`no JSON result (exit ${m.code}): ${m.stderr.slice(-2000)}`);
  }
}

/** The planted differences of `dirs` folders, counted per kind (the naive comparison reports counts only). */
export function expectedCounts(dirs: number): Record<string, number> {
  const counts: Record<string, number> = { missing: 0, extra: 0, type: 0, size: 0 };
  for (const d of plantedDifferences(dirs)) counts[d.kind]++;
  return counts;
}

export function countsProblem(got: Record<string, number>, expected: Record<string, number>): string | undefined {
  const wrong = Object.keys(expected).filter((k) => got[k] !== expected[k]);
  return wrong.length ? `wrong counts: ${wrong.map((k) => `${k} ${got[k]} (expected ${expected[k]})`).join(", ")}` : undefined;
}

/**
 * Why validate's report is not exactly the planted differences, or undefined
 * when it is: every count, and every listed difference (the run passes a
 * --max-listed that fits them all), so a missed or invented path is caught.
 */
export function plantedProblem(m: Measured, dirs: number): string | undefined {
  let doc: Report;
  try {
    doc = parseReport(m);
  } catch (err) {
    return (err as Error).message;
  }
  const counts = countsProblem(doc.counts, expectedCounts(dirs));
  if (counts) return counts;
  const listed = new Set(doc.folders.flatMap((f) => f.differences.map((d) => `${d.kind} ${d.path}`)));
  const planted = new Set([...plantedDifferences(dirs)].map((d) => `${d.kind} ${d.path}`));
  const invented = [...listed].find((d) => !planted.has(d));
  if (invented) return `listed ${invented}, which is not a planted difference`;
  const missed = [...planted].find((d) => !listed.has(d));
  return missed ? `did not list the planted difference ${missed}` : undefined;
}

/** --max-listed for the 1 M case: every planted difference of one kind is listed. */
export const listedToFit = (dirs: number): number => Math.max(...Object.values(expectedCounts(dirs)));

/** 10 M case: every listed example of a kind must be a path of that kind's residue (k % 1000), and every count exact. */
export function checkBig(m: Measured, paths: number): void {
  const doc = parseReport(m);
  const counts = countsProblem(doc.counts, bigExpected(paths));
  if (counts) throw new Error(counts);
  for (const d of doc.folders[0].differences) {
    const residue = d.kind === "extra" ? undefined : KINDS[d.kind as keyof typeof KINDS];
    const ok = residue === undefined ? /zz-extra/.test(d.path) : Number(/part-(\d+)/.exec(d.path)?.[1]) % 1000 === residue;
    if (!ok) throw new Error(`listed ${d.kind} ${d.path} is not one of the planted differences`);
  }
}
