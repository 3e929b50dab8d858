import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { InventoryReader } from "../../scripts/sources/inventory";
import { validate } from "../../scripts/validate/compare";

/**
 * staleFrom, the bound of a folder compared Gen2 → Gen1 (its writerSince):
 * a source file modified before it is never stale. DuckDB settles such
 * pairs in SQL and classify decides the others, so both must apply the
 * bound alike: the same pairs come out stale with the SQL shortcut and
 * without it (a principal map turns it off), and the pairs before the bound
 * never reach JavaScript.
 */

const dir = mkdtempSync(path.join(tmpdir(), "validate-stale-from-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const FROM = Date.parse("2026-12-01T01:05:00Z");
const S = 1000;

function side(times: Record<string, number>): InventoryReader {
  const file = path.join(dir, `inv-${n++}.jsonl`);
  const rows = Object.entries(times).map(([p, modified]) => ({ path: p, type: "file", size: 5, modified, owner: "o", group: "g", permissions: "640", acl: "" }));
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n"));
  return new InventoryReader(file, "jsonl");
}

/** Gen2 (the source) newer than Gen1 everywhere but the last pair, which falls in the same second. */
const gen2 = () => side({ "copied-before.csv": FROM - 60 * S, "at-bound.csv": FROM, "after.csv": FROM + 60 * S, "same-second.csv": FROM + 120 * S + 900 });
const gen1 = () => side({ "copied-before.csv": FROM - 3600 * S, "at-bound.csv": FROM - S, "after.csv": FROM + 30 * S, "same-second.csv": FROM + 120 * S });

async function staleness(opts: Parameters<typeof validate>[2]): Promise<{ stale: string[]; matched: number; inJs: number }> {
  let inJs = 0;
  const r = await validate(gen2(), gen1(), { ...opts, onCompared: () => inJs++ });
  return { stale: r.differences.filter((d) => d.kind === "stale").map((d) => d.path), matched: r.matched, inJs };
}

describe("validate's staleFrom", () => {
  it("a source modified before it is not stale, at or after it the whole-second rule applies, in SQL and in classify alike", async () => {
    const sql = await staleness({ staleFrom: FROM });
    expect(sql).toEqual({ stale: ["after.csv", "at-bound.csv"], matched: 2, inJs: 2 });
    const js = await staleness({ staleFrom: FROM, acls: { mode: "exact", principalMap: new Map([["unused", "other"]]) } });
    expect(js).toEqual({ stale: ["after.csv", "at-bound.csv"], matched: 2, inJs: 4 });
  });

  it("without it, every newer source in a later second is stale (today's rule)", async () => {
    expect(await staleness({})).toEqual({ stale: ["after.csv", "at-bound.csv", "copied-before.csv"], matched: 1, inJs: 3 });
  });
});
