import type { DuckDBConnection } from "@duckdb/node-api";
import { COLUMNS } from "./columns";
import { checkColumns } from "./inventory";
import type { ListedField } from "./types";

/**
 * Inventory files a DuckDB engine can read itself, without a row passing
 * through JavaScript: what a reader hands over instead of streaming entries
 * (the 10-million-path case). The SQL built here maps columns exactly as
 * `rowToEntry` does: names matched case-insensitively, the first non-empty
 * of the accepted names, directories of size 0, times as epoch ms.
 */
export interface InventoryFiles {
  files: string[];
  format: "csv" | "parquet";
  /** Only names under "<subtree>/" are listed, relative to it (a blob inventory's "<filesystem>/<folder>"); undefined: every row. */
  subtree?: string;
  /** Rows the run's manifest says it holds; a different count is refused. */
  objectCount?: number;
  /** Named in messages (the manifest or the file). */
  where: string;
  /** Fields the comparison needs: a file without a column for one is refused (InputError), never read as empty. */
  require?: readonly ListedField[];
}

/** The normalized columns every listing table has: one row per path. */
export const LISTING_COLUMNS = "path VARCHAR, dir BOOLEAN, size DOUBLE, modified DOUBLE, owner VARCHAR, grp VARCHAR, perm VARCHAR, acl VARCHAR";


interface Column {
  id: string;
  type: string;
}

export function fileSource(f: Pick<InventoryFiles, "files" | "format">): string {
  const list = `[${f.files.map(literal).join(", ")}]`;
  // CSV as text (no type guessing that could turn a name into a number), as duckRows reads it.
  return f.format === "csv" ? `read_csv(${list}, header = true, all_varchar = true, union_by_name = true)` : `read_parquet(${list}, union_by_name = true)`;
}

/**
 * A SELECT of the normalized columns plus `inside` (the row is under the
 * subtree) and `rawsize` (the size cell as text, for the message when it is
 * not a byte count). With `withAcl` false owner, group, bits and ACL are NULL:
 * they are not compared, as the JS engine leaves them out of its records.
 */
/** Refuses (InputError) files lacking a column `f.require` names; run before any load starts, so no other work is in flight then. */
export async function checkInventoryColumns(conn: DuckDBConnection, f: InventoryFiles): Promise<void> {
  const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${fileSource(f)}`);
  const names = described.getRowObjectsJS().map((c) => String(c.column_name).toLowerCase());
  checkColumns(names, f.require ?? [], `${f.where} (${f.format === "csv" ? "CSV" : "Parquet"} columns)`);
}

export async function inventorySelect(conn: DuckDBConnection, f: InventoryFiles, withAcl: boolean): Promise<string> {
  const source = fileSource(f);
  const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  const columns = new Map<string, Column>();
  for (const c of described.getRowObjectsJS()) {
    const name = String(c.column_name);
    if (!columns.has(name.toLowerCase())) columns.set(name.toLowerCase(), { id: `"${name.replace(/"/g, '""')}"`, type: String(c.column_type) });
  }
  checkColumns([...columns.keys()], f.require ?? [], `${f.where} (${f.format === "csv" ? "CSV" : "Parquet"} columns)`);
  const present = (names: readonly string[]): Column[] => names.map((n) => columns.get(n)).filter((c): c is Column => c !== undefined);
  const text = (c: Column): string => `CAST(${c.id} AS VARCHAR)`;
  // rowToEntry's pick: the first column that is neither NULL nor "", converted.
  const pick = (names: readonly string[], conv: (c: Column) => string): string => {
    const cs = present(names);
    return cs.length === 0 ? "NULL" : `CASE ${cs.map((c) => `WHEN ${c.id} IS NOT NULL AND ${text(c)} <> '' THEN ${conv(c)}`).join(" ")} END`;
  };
  const name = trimSlashes(pick(COLUMNS.path, text));
  const prefix = f.subtree === undefined || f.subtree === "" ? "" : `${f.subtree}/`;
  const inside = prefix === "" ? "TRUE" : `(starts_with(${pick(COLUMNS.path, text)}, ${literal(prefix)}) AND length(${pick(COLUMNS.path, text)}) > ${prefix.length})`;
  const path = prefix === "" ? name : trimSlashes(`substr(${pick(COLUMNS.path, text)}, ${prefix.length + 1})`);
  const dir = `COALESCE(lower(${pick(COLUMNS.type, text)}) IN ('directory', 'dir', 'true', 'folder'), FALSE)`;
  const size = `CASE WHEN ${dir} THEN 0 ELSE COALESCE(${pick(COLUMNS.size, (c) => `TRY_CAST(trim(${text(c)}) AS DOUBLE)`)}, CASE WHEN ${pick(COLUMNS.size, text)} IS NULL THEN 0 END) END`;
  const acl = (expr: string): string => (withAcl ? expr : "NULL");
  return [
    "SELECT",
    `${path} AS path, ${dir} AS dir, ${size} AS size, ${pick(COLUMNS.modified, epochMs)} AS modified,`,
    `${acl(`COALESCE(${pick(COLUMNS.owner, text)}, '')`)} AS owner, ${acl(`COALESCE(${pick(COLUMNS.group, text)}, '')`)} AS grp,`,
    `${acl(`COALESCE(${pick(COLUMNS.permissions, text)}, '')`)} AS perm, ${acl(pick(COLUMNS.acl, text))} AS acl,`,
    `${inside} AS inside, ${pick(COLUMNS.size, text)} AS rawsize`,
    `FROM ${source}`,
  ].join(" ");
}

/** rowToEntry's slash trimming; the regular expression only for the rare name that needs it (it costs seconds over 10 M rows). */
function trimSlashes(v: string): string {
  return `CASE WHEN starts_with(${v}, '/') OR ends_with(${v}, '/') THEN regexp_replace(${v}, '^/+|/+$', '', 'g') ELSE ${v} END`;
}

/** rowToEntry's toEpoch: timestamps and numbers as they are, digit strings as ms, other text as a date (ISO 8601 or RFC 1123), else NULL. */
function epochMs(c: Column): string {
  if (/^TIMESTAMP/.test(c.type)) return `epoch_ms(${c.id}::TIMESTAMP)::DOUBLE`;
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/.test(c.type)) return `${c.id}::DOUBLE`;
  const v = `CAST(${c.id} AS VARCHAR)`;
  return (
    `CASE WHEN regexp_full_match(${v}, '[0-9]+') THEN ${v}::DOUBLE ` +
    `ELSE COALESCE(epoch_ms(TRY_CAST(${v} AS TIMESTAMPTZ)), epoch_ms(try_strptime(${v}, '%a, %d %b %Y %H:%M:%S GMT')))::DOUBLE END`
  );
}

export function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
