import { DuckDBInstance } from "@duckdb/node-api";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { InventoryReader } from "../../scripts/sources/inventory";
import { ParquetInventoryReader } from "../../scripts/sources/parquetInventory";
import { validate } from "../../scripts/validate/compare";

/**
 * Parquet inventories are read by DuckDB itself (no row through JS): the SQL
 * must map columns as rowToEntry does. Each case is checked against the same
 * listing as JSON lines, which the JS reader maps.
 */
const dir = mkdtempSync(path.join(tmpdir(), "validate-duck-"));
let n = 0;

async function parquet(select: string): Promise<string> {
  const file = path.join(dir, `inv-${n++}.parquet`);
  const instance = await DuckDBInstance.create(":memory:");
  const c = await instance.connect();
  await c.run(`COPY (${select}) TO '${file}' (FORMAT parquet)`);
  c.closeSync();
  instance.closeSync();
  return file;
}

function jsonl(rows: object[]): InventoryReader {
  const file = path.join(dir, `inv-${n++}.jsonl`);
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n"));
  return new InventoryReader(file, "jsonl");
}

describe("validate reads Parquet inventories in DuckDB with rowToEntry's mapping", () => {
  it("blob inventory column names, slashes trimmed, directories of size 0, times as ISO, RFC 1123 or ms text", async () => {
    const file = await parquet(
      "SELECT * FROM (VALUES ('/raw/a.csv', 'false', '10', '2026-01-01T00:00:05Z'), ('raw/', 'true', '99', 'Thu, 01 Jan 2026 00:00:00 GMT'), " +
        "('raw/b.csv', 'false', '7', '1767225600000'), ('raw/c.csv', NULL, NULL, NULL)) t(\"Name\", hdi_isfolder, \"Content-Length\", \"Last-Modified\")",
    );
    const target = jsonl([
      { path: "raw/a.csv", type: "file", size: 10, modified: Date.parse("2026-01-01T00:00:05Z") },
      { path: "raw", type: "directory", size: 0, modified: Date.parse("2026-01-01T00:00:00Z") },
      { path: "raw/b.csv", type: "file", size: 7, modified: 1767225600000 },
      { path: "raw/c.csv", type: "file", size: 0 },
    ]);
    const r = await validate(new ParquetInventoryReader(file), target);
    expect(r.counts).toEqual({ missing: 0, extra: 0, type: 0, size: 0, stale: 0, acl: 0 });
    expect(r.matched).toBe(4);
    expect(r.compared.times).toEqual({ compared: 2, unavailable: 1 });
  });

  it("a newer source time in a later second is stale; a size that is not a number is an error naming the path", async () => {
    const newer = await parquet("SELECT 'x.csv' AS path, 'file' AS type, 3::BIGINT AS size, make_timestamp_ms(1767225601500) AS modified");
    const r = await validate(new ParquetInventoryReader(newer), jsonl([{ path: "x.csv", type: "file", size: 3, modified: 1767225600999 }]));
    expect(r.counts.stale).toBe(1);
    expect(r.differences[0]).toMatchObject({ kind: "stale", source: "2026-01-01T00:00:01.500Z", target: "2026-01-01T00:00:00.999Z" });
    const bad = await parquet("SELECT 'y.csv' AS path, 'file' AS type, 'ten' AS size");
    await expect(validate(new ParquetInventoryReader(bad), jsonl([{ path: "y.csv", type: "file", size: 10 }]))).rejects.toThrow(
      `${bad}: y.csv: size "ten" is not a byte count`,
    );
  });

  it("plain matches count their times exactly: both sides untimed, one side untimed, both timed", async () => {
    const rows = (t: (i: number) => number | undefined) =>
      jsonl(["a", "b", "c", "d"].map((p, i) => ({ path: p, type: "file", size: 1, ...(t(i) === undefined ? {} : { modified: t(i) }) })));
    const r = await validate(rows((i) => (i < 2 ? undefined : 1000)), rows((i) => (i === 0 || i === 2 ? undefined : 1000)));
    expect(r.matched).toBe(4);
    expect(r.compared.times).toEqual({ compared: 1, unavailable: 3 });
  });
});
