import { builtInLake, changesFor, housekeeping } from "../../scripts/demo/lake";

/**
 * What the demo's workloads do to a lake (scripts/demo/lake.ts): the
 * changes every road map's validations are counted from. A folder left
 * with no file would make validate report a problem instead of the
 * documented differences (found with a one-file folder of a --lake).
 */

const W = Date.parse("2026-12-01T00:00:00Z");
const file = (path: string) => ({ path, type: "file" as const, size: 10, modified: Date.parse("2025-01-01T00:00:00Z") });

describe("the demo's Gen1 changes", () => {
  it("never delete the last file of a migrated folder", () => {
    const lake = [file("/data/a.csv"), file("/data/sub/b.csv"), file("/logs/x.log")];
    expect(housekeeping(lake, ["/data", "/logs"])).toEqual({ deleted: [], renamed: { from: "/data/sub/b.csv", to: "/data/sub/renamed-b.csv" } });
  });

  it("on the small and the full built-in lake: rewrites, adds, deletes and one rename, never on the same file", () => {
    for (const size of ["small", "full"] as const) {
      const roots = ["/raw/sales", "/raw/finance", "/curated"];
      const c = changesFor(builtInLake(roots, size), roots, W);
      expect({ size, changed: c.changed.length, added: c.added.length, deleted: c.deleted.length }).toEqual({ size, changed: 5, added: 3, deleted: 5 });
      const touched = [...c.changed.map((s) => s.path), ...c.deleted, c.renamed!.from];
      expect(new Set(touched).size).toBe(touched.length);
      for (const s of [...c.changed, ...c.added]) expect(s.modified! - W).toBeLessThan(25 * 60_000);
    }
  });
});
