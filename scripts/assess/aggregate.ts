import type { DuckDBConnection } from "@duckdb/node-api";
import { AGE_BUCKETS, BELOW_TOP_SQL, LARGE_ACL_SQL, NAME_RULES, NameRule, TOP_FOLDER_SQL, UNKNOWN_AGE, ageBucketSql, ageDaysSql, namedEntriesSql } from "./rules";

export interface Finding {
  path: string;
  detail: string;
}

/** What the aggregation finds in a listing table; analyze.ts adds the source and the estimate. */
export interface Aggregated {
  paths: number;
  files: number;
  directories: number;
  bytes: number;
  topLevel: { folder: string; files: number; directories: number; bytes: number }[];
  ages: { bucket: string; files: number; bytes: number }[];
  largest: { path: string; size: number }[];
  badNames: Record<NameRule, { count: number; examples: string[] }>;
  /** undefined when the listing carried no ACLs and none were asked for. */
  largeAcls?: { count: number; examples: Finding[] };
}

export interface AggregateOptions {
  /** ACLs were asked for: the finding is reported (as none) even when no path has one. */
  acls: boolean;
  top: number;
  examples: number;
  /** Epoch ms the ages are counted from. */
  now: number;
}

/**
 * Sizes summed as integers (HUGEINT), exact at any total (a running double
 * sum is not beyond 2^53 bytes, 9 PB), then rounded once to a JS number;
 * sizes are whole bytes (a fractional one would be rounded).
 */
const EXACT_SIZE = "size::HUGEINT";

/**
 * Aggregates `table` in three queries on every core: one pass for totals,
 * ages, names and ACLs, one GROUP BY for the top-level folders, one top-N
 * for the largest files. Examples are the first paths in code point order
 * (DuckDB's binary string order), the largest files by size, then path: a
 * listing read in any order gives the same report.
 */
export async function aggregate(conn: DuckDBConnection, table: string, opts: AggregateOptions): Promise<Aggregated> {
  const row = (await conn.runAndReadAll(totalsSql(table, opts))).getRowObjectsJS()[0];
  const num = (key: string): number => Number(row[key]);
  const list = <T>(key: string): T[] => (row[key] ?? []) as T[];
  const badNames = Object.fromEntries(
    NAME_RULES.map((r, i) => [r.id, { count: num(`name_${i}`), examples: opts.examples > 0 ? list<string>(`name_${i}_examples`) : [] }]),
  ) as Aggregated["badNames"];
  const ages = AGE_BUCKETS.map((b, i) => ({ bucket: b.label as string, files: num(`age_${i}_files`), bytes: num(`age_${i}_bytes`) }));
  const unknown = AGE_BUCKETS.length;
  if (num(`age_${unknown}_files`) > 0) ages.push({ bucket: UNKNOWN_AGE, files: num(`age_${unknown}_files`), bytes: num(`age_${unknown}_bytes`) });
  const largeAcls =
    opts.acls || num("acls") > 0
      ? {
          count: num("large_acls"),
          examples: opts.examples > 0 ? list<{ path: string; access: number; defaults: number }>("large_acl_examples").map(aclFinding) : [],
        }
      : undefined;
  return {
    paths: num("paths"),
    files: num("files"),
    directories: num("paths") - num("files"),
    bytes: num("bytes"),
    topLevel: await topLevel(conn, table),
    ages,
    largest: await largest(conn, table, opts.top),
    badNames,
    ...(largeAcls ? { largeAcls } : {}),
  };
}

function aclFinding(x: { path: string; access: number; defaults: number }): Finding {
  return { path: x.path, detail: `${Number(x.access)} named access entries, ${Number(x.defaults)} named default entries` };
}

/**
 * The one pass, in two levels: each row's class (file or folder, age
 * bucket, which name rules it breaks, a large ACL) computed once, the rows
 * grouped by class (a few dozen groups, each keeping its first examples),
 * then each finding summed over the classes that have it. One aggregate per
 * class instead of one per finding and row halves the pass.
 */
function totalsSql(table: string, opts: AggregateOptions): string {
  const k = opts.examples;
  const names = NAME_RULES.map((_, i) => `name_${i}`);
  const rows = `SELECT path, dir, size, acl, ${ageDaysSql(opts.now)} AS days FROM ${table}`;
  // The days computed once per row, below the CASE that compares them with each bucket's bound.
  const classified = ["path, dir, size, acl", `${ageBucketSql("days")} AS age`, ...NAME_RULES.map((r, i) => `${r.sql} AS ${names[i]}`), `${LARGE_ACL_SQL} AS large_acl`];
  const perClass = [
    "dir, age, large_acl",
    ...names,
    "count(*) AS n",
    `sum(${EXACT_SIZE}) AS bytes`,
    "count(acl) AS acls",
    // Arguments in a CASE: an aggregate's argument is computed for every row; the entries are counted again only for a large ACL's detail.
    ...(k > 0
      ? [
          `min(CASE WHEN ${names.join(" OR ")} THEN path END, ${k}) AS name_examples`,
          `min(CASE WHEN large_acl THEN {path: path, access: ${namedEntriesSql("access")}, defaults: ${namedEntriesSql("default")}} END, ${k}) AS acl_examples`,
        ]
      : []),
  ];
  const sum = (filter: string): string => `coalesce(sum(n) FILTER (WHERE ${filter}), 0)::DOUBLE`;
  const bytes = (filter: string): string => `coalesce(sum(bytes) FILTER (WHERE ${filter}), 0)::DOUBLE`;
  const firstOf = (lists: string, filter: string): string => `list_sort(flatten(list(${lists}) FILTER (WHERE ${filter})))[1:${k}]`;
  const totals = [
    `${sum("TRUE")} AS paths`,
    `${sum("NOT dir")} AS files`,
    `${bytes("NOT dir")} AS bytes`,
    "coalesce(sum(acls), 0)::DOUBLE AS acls",
    ...Array.from({ length: AGE_BUCKETS.length + 1 }, (_, i) => [`${sum(`NOT dir AND age = ${i}`)} AS age_${i}_files`, `${bytes(`NOT dir AND age = ${i}`)} AS age_${i}_bytes`]).flat(),
    ...names.flatMap((name) => [`${sum(name)} AS ${name}`, ...(k > 0 ? [`${firstOf("name_examples", name)} AS ${name}_examples`] : [])]),
    `${sum("large_acl")} AS large_acls`,
    ...(k > 0 ? [`${firstOf("acl_examples", "large_acl")} AS large_acl_examples`] : []),
  ];
  return `SELECT ${totals.join(", ")} FROM (SELECT ${perClass.join(", ")} FROM (SELECT ${classified.join(", ")} FROM (${rows})) GROUP BY ALL)`;
}

/** The `top` largest files, ties by path. */
async function largest(conn: DuckDBConnection, table: string, top: number): Promise<Aggregated["largest"]> {
  if (top === 0) return [];
  const rows = (await conn.runAndReadAll(`SELECT path, size FROM ${table} WHERE NOT dir ORDER BY size DESC, path LIMIT ${top}`)).getRowObjectsJS();
  return rows.map((r) => ({ path: String(r.path), size: Number(r.size) }));
}

/** Per top-level folder, largest first, then by name (JavaScript's string order, as the report always sorted them). */
async function topLevel(conn: DuckDBConnection, table: string): Promise<Aggregated["topLevel"]> {
  const sql =
    "SELECT folder, count(*) FILTER (WHERE NOT dir)::DOUBLE AS files, count(*) FILTER (WHERE dir AND below)::DOUBLE AS directories, " +
    `coalesce(sum(${EXACT_SIZE}) FILTER (WHERE NOT dir), 0)::DOUBLE AS bytes ` +
    `FROM (SELECT ${TOP_FOLDER_SQL} AS folder, ${BELOW_TOP_SQL} AS below, dir, size FROM ${table}) GROUP BY folder`;
  const rows = (await conn.runAndReadAll(sql)).getRowObjectsJS();
  return rows
    .map((r) => ({ folder: String(r.folder), files: Number(r.files), directories: Number(r.directories), bytes: Number(r.bytes) }))
    .sort((a, b) => b.bytes - a.bytes || (a.folder < b.folder ? -1 : 1));
}
