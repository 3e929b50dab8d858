import type { Row } from "./duckRows";
import { COLUMNS, isDirectory, toEpoch } from "./columns";
import { PathEntry } from "./types";

/**
 * Maps a typed row (Parquet or CSV read through DuckDB) to a PathEntry. Column
 * names are matched case-insensitively, so our own saved listings (path,
 * type, size, modified, owner, group, permissions, acl) and blob inventory
 * columns (Name, Content-Length, Last-Modified, hdi_isfolder, Owner, Group,
 * Permissions, Acl) both work. Returns a message instead of an entry when the
 * row cannot be one, for the caller to place (file and row).
 */
export function rowToEntry(raw: Row, path?: string): PathEntry | string {
  const row = new Map(Object.entries(raw).map(([k, v]) => [k.toLowerCase(), v]));
  const pick = (...names: string[]) => names.map((n) => row.get(n)).find((v) => v !== undefined && v !== null && v !== "");
  const name = path ?? pick(...COLUMNS.path);
  if (typeof name !== "string" || name.length === 0) return 'no path (expected a "path" or "Name" column)';
  const directory = isDirectory(pick(...COLUMNS.type));
  const sizeValue = pick(...COLUMNS.size);
  const size = directory ? 0 : Number(sizeValue ?? 0);
  if (!Number.isFinite(size) || size < 0) return `size ${JSON.stringify(sizeValue)} is not a byte count`;
  const acl = pick(...COLUMNS.acl);
  return {
    path: name.replace(/^\/+/, "").replace(/\/+$/, ""),
    type: directory ? "directory" : "file",
    size,
    modified: toEpoch(pick(...COLUMNS.modified)),
    owner: String(pick(...COLUMNS.owner) ?? ""),
    group: String(pick(...COLUMNS.group) ?? ""),
    permissions: String(pick(...COLUMNS.permissions) ?? ""),
    ...(acl !== undefined ? { acl: String(acl) } : {}),
  };
}
