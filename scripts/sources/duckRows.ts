import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/** A row as readers map it: every value a string, number, boolean or null. */
export type Row = Record<string, string | number | boolean | null>;

export interface DuckRowsOptions {
  /** DuckDB worker threads (default 2). */
  threads?: number;
  /** DuckDB memory limit, e.g. "256MB" (default); DuckDB spills beyond it. */
  memoryLimit?: string;
}

/**
 * Streams the rows of CSV or Parquet files through DuckDB, one chunk in
 * memory at a time. CSV is read with every column as text (no type guessing
 * that could turn a name into a number); Parquet timestamps, which blob
 * inventory writes as timestamp_millis (learn.microsoft.com blob-inventory,
 * "Inventory files"), become epoch milliseconds, numbers become JS numbers.
 */
export async function* duckRows(files: string[], format: "csv" | "parquet", opts: DuckRowsOptions = {}): AsyncIterable<Row> {
  const instance = await DuckDBInstance.create(":memory:", { threads: String(opts.threads ?? 2), memory_limit: opts.memoryLimit ?? "256MB" });
  let connection: DuckDBConnection | undefined;
  try {
    connection = await instance.connect();
    // Timestamps without a zone are UTC in blob inventory; keep DuckDB from applying a local zone.
    await connection.run("SET TimeZone = 'UTC'");
    const list = `[${files.map(literal).join(", ")}]`;
    const source =
      format === "csv"
        ? `read_csv(${list}, header = true, all_varchar = true, union_by_name = true)`
        : `read_parquet(${list}, union_by_name = true)`;
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    const columns = described.getRowObjectsJS().map((c) => ({ name: String(c.column_name), type: String(c.column_type) }));
    const result = await connection.stream(`SELECT ${columns.map(selectExpr).join(", ")} FROM ${source}`);
    for await (const rows of result.yieldRowObjectJs()) yield* rows as Row[];
  } finally {
    connection?.closeSync();
    instance.closeSync();
  }
}

function selectExpr(c: { name: string; type: string }): string {
  const id = `"${c.name.replace(/"/g, '""')}"`;
  if (/^TIMESTAMP/.test(c.type)) return `epoch_ms(${id}::TIMESTAMP)::DOUBLE AS ${id}`;
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/.test(c.type)) return `${id}::DOUBLE AS ${id}`;
  if (c.type === "BOOLEAN") return id;
  return `${id}::VARCHAR AS ${id}`;
}

function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
