import type { ListedField } from "./types";

/**
 * How saved listings name their columns, shared by every reader (CSV and
 * JSON lines in JS, Parquet and blob inventory runs in DuckDB), so one
 * format cannot accept a column another reads as empty.
 */

/** Accepted column names (lower case) per field: ours first, then Azure blob inventory's and Gen1 WebHDFS's. */
export const COLUMNS: Record<ListedField | "path", readonly string[]> = {
  path: ["path", "name"],
  type: ["type", "hdi_isfolder", "isdirectory", "resourcetype"],
  size: ["size", "length", "content-length", "contentlength"],
  modified: ["modified", "last-modified", "lastmodified", "modificationtime"],
  owner: ["owner"],
  group: ["group"],
  permissions: ["permissions", "permission"],
  acl: ["acl"],
};

/** A type or hdi_isfolder cell meaning "directory". */
export function isDirectory(v: unknown): boolean {
  if (typeof v === "boolean") return v;
  return typeof v === "string" && ["directory", "dir", "true", "folder"].includes(v.toLowerCase());
}

/** A modified cell as epoch ms: numbers as they are, digit strings as ms, other text as a date; NaN when none. */
export function toEpoch(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v !== "string") return NaN;
  return /^\d+$/.test(v) ? Number(v) : Date.parse(v);
}
