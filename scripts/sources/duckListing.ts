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

/** The normalized columns every listing table has, with their types: one row per path. */
const COLUMN_TYPES = [
  ["path", "VARCHAR"],
  ["dir", "BOOLEAN"],
  ["size", "DOUBLE"],
  ["modified", "DOUBLE"],
  ["owner", "VARCHAR"],
  ["grp", "VARCHAR"],
  ["perm", "VARCHAR"],
  ["acl", "VARCHAR"],
] as const;
export const LISTING_COLUMNS = COLUMN_TYPES.map(([name, type]) => `${name} ${type}`).join(", ");
/** The listing columns of a SELECT, in their types (a column read as NULL, absent from the files, is no INTEGER column then). */
export const LISTING_CASTS = COLUMN_TYPES.map(([name, type]) => `CAST(${name} AS ${type}) AS ${name}`).join(", ");

interface Column {
  id: string;
  type: string;
}

/** Which of the optional fields a loaded listing keeps (the others are NULL): what its consumer reads. */
export interface Carried {
  /** Owner, group and permission bits. */
  owners: boolean;
  acl: boolean;
}

export function fileSource(f: Pick<InventoryFiles, "files" | "format">): string {
  const list = `[${f.files.map(literal).join(", ")}]`;
  // CSV as text (no type guessing that could turn a name into a number), as duckRows reads it; RFC 4180 quoting, and
  // the delimiter given rather than sniffed (a sniffer took a whole row for one column); short rows padded, as csv-parse's relax_column_count.
  return f.format === "csv"
    ? `read_csv(${list}, header = true, all_varchar = true, union_by_name = true, delim = ',', quote = '"', escape = '"', null_padding = true)`
    : `read_parquet(${list}, union_by_name = true)`;
}

/** Where a missing column is reported: the CSV header, or the Parquet schema. */
function columnsOf(f: InventoryFiles): string {
  return `${f.where} (${f.format === "csv" ? "CSV header" : "Parquet columns"})`;
}

/** Refuses (InputError) files lacking a column `f.require` names; run before any load starts, so no other work is in flight then. */
export async function checkInventoryColumns(conn: DuckDBConnection, f: InventoryFiles): Promise<void> {
  const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${fileSource(f)}`);
  const names = described.getRowObjectsJS().map((c) => String(c.column_name).toLowerCase());
  checkColumns(names, f.require ?? [], columnsOf(f));
}

/**
 * A SELECT of the normalized columns plus `inside` (the row is under the
 * subtree) and `rawsize` (the size cell as text, for the message when it is
 * not a byte count). Owner, group and bits, and the ACL, are NULL unless
 * `carry` keeps them: what is not compared or assessed is not read. Each
 * field is picked once in an inner SELECT and mapped in the outer one.
 */
export async function inventorySelect(conn: DuckDBConnection, f: InventoryFiles, carry: Carried): Promise<string> {
  const source = fileSource(f);
  const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  const columns = new Map<string, Column>();
  for (const c of described.getRowObjectsJS()) {
    const name = String(c.column_name);
    if (!columns.has(name.toLowerCase())) columns.set(name.toLowerCase(), { id: `"${name.replace(/"/g, '""')}"`, type: String(c.column_type) });
  }
  checkColumns([...columns.keys()], f.require ?? [], columnsOf(f));
  const present = (names: readonly string[]): Column[] => names.map((n) => columns.get(n)).filter((c): c is Column => c !== undefined);
  // rowToEntry's pick: the first column that is neither NULL nor "", converted (only text can be "").
  const pick = (names: readonly string[], conv: (c: Column) => string): string => {
    const cs = present(names);
    const given = (c: Column): string => (NOT_TEXT.test(c.type) ? `${c.id} IS NOT NULL` : `${c.id} IS NOT NULL AND ${text(c)} <> ''`);
    return cs.length === 0 ? "NULL" : `CASE ${cs.map((c) => `WHEN ${given(c)} THEN ${conv(c)}`).join(" ")} END`;
  };
  const owners = (names: readonly string[]): string => (carry.owners ? pick(names, text) : "NULL");
  const inner = [
    `${pick(COLUMNS.path, text)} AS name`,
    `${pick(COLUMNS.type, text)} AS kind`,
    `${pick(COLUMNS.size, byteCount)} AS bytes`,
    `${pick(COLUMNS.size, text)} AS rawsize`,
    `${pick(COLUMNS.modified, epochMs)} AS modified`,
    `${owners(COLUMNS.owner)} AS owner, ${owners(COLUMNS.group)} AS grp, ${owners(COLUMNS.permissions)} AS perm`,
    `${carry.acl ? pick(COLUMNS.acl, text) : "NULL"} AS acl`,
  ];
  const prefix = f.subtree === undefined || f.subtree === "" ? "" : literal(`${f.subtree}/`);
  // Lengths by DuckDB (code points), not JavaScript (UTF-16 units): they differ for a name outside the Basic Multilingual Plane.
  const inside = prefix === "" ? "TRUE" : `(starts_with(name, ${prefix}) AND length(name) > length(${prefix}))`;
  const path = trimSlashes(prefix === "" ? "name" : `substr(name, length(${prefix}) + 1)`);
  const dir = "COALESCE(lower(kind) IN ('directory', 'dir', 'true', 'folder'), FALSE)";
  const size = `CASE WHEN ${dir} THEN 0 ELSE COALESCE(bytes, CASE WHEN rawsize IS NULL THEN 0 END) END`;
  const keep = (v: string): string => (carry.owners ? `COALESCE(${v}, '')` : v);
  return [
    `SELECT ${path} AS path, ${dir} AS dir, ${size} AS size, modified,`,
    `${keep("owner")} AS owner, ${keep("grp")} AS grp, ${keep("perm")} AS perm, acl, ${inside} AS inside, rawsize`,
    `FROM (SELECT ${inner.join(", ")} FROM ${source})`,
  ].join(" ");
}

/** Column types whose text is never "" (numbers, booleans, times): present means not NULL. */
const NOT_TEXT = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL|BOOLEAN|DATE|TIME|TIMESTAMP)/;
const NUMBER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE)/;

const text = (c: Column): string => `CAST(${c.id} AS VARCHAR)`;

/** rowToEntry's Number(size): a number column as it is (no detour through text), text parsed, NULL when it is no number. */
function byteCount(c: Column): string {
  return NUMBER.test(c.type) ? `${c.id}::DOUBLE` : `TRY_CAST(trim(${text(c)}) AS DOUBLE)`;
}

/** rowToEntry's slash trimming; the regular expression only for the rare name that needs it (it costs seconds over 10 M rows). */
function trimSlashes(v: string): string {
  return `CASE WHEN starts_with(${v}, '/') OR ends_with(${v}, '/') THEN regexp_replace(${v}, '^/+|/+$', '', 'g') ELSE ${v} END`;
}

/** rowToEntry's toEpoch: timestamps and numbers as they are, digit strings as ms, other text as a date (ISO 8601 or RFC 1123), else NULL. */
function epochMs(c: Column): string {
  if (/^TIMESTAMP/.test(c.type)) return `epoch_ms(${c.id}::TIMESTAMP)::DOUBLE`;
  if (NUMBER.test(c.type) || /^DECIMAL/.test(c.type)) return `${c.id}::DOUBLE`;
  const v = text(c);
  return (
    `CASE WHEN regexp_full_match(${v}, '[0-9]+') THEN ${v}::DOUBLE ` +
    `ELSE COALESCE(epoch_ms(TRY_CAST(${v} AS TIMESTAMPTZ)), epoch_ms(try_strptime(${v}, '%a, %d %b %Y %H:%M:%S GMT')))::DOUBLE END`
  );
}

export function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
