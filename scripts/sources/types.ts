import type { InventoryFiles } from "./duckListing";

/**
 * One path as every source reader reports it. Paths are relative to the root
 * the reader was pointed at ("raw/2024/a.csv", no leading slash), so a Gen1
 * folder and the Gen2 filesystem it was copied to compare path by path.
 */
export interface PathEntry {
  path: string;
  type: "file" | "directory";
  /** Bytes; 0 for directories. */
  size: number;
  /** Last modified, epoch milliseconds (NaN when the source does not say). */
  modified: number;
  owner: string;
  group: string;
  /** As the source reports it: octal ("750") from Gen1, symbolic ("rwxr-x---+") from Gen2. */
  permissions: string;
  /** Comma-separated POSIX ACL entries (`[default:]user|group|mask|other:[id]:rwx`), when asked for. */
  acl?: string;
}

/** Fields a comparison can depend on; a listing that cannot supply one it needs is unusable. */
export const LISTED_FIELDS = ["type", "size", "modified", "owner", "group", "permissions", "acl"] as const;
export type ListedField = (typeof LISTED_FIELDS)[number];

export interface ListOptions {
  /** Also read each path's ACL (one extra request per path on live accounts). */
  acls?: boolean;
  /**
   * Fields the caller cannot do without. A saved inventory that has no column
   * for one of them fails with an InputError naming it, instead of every path
   * silently getting a default (size 0 on both sides compares as equal).
   */
  require?: readonly ListedField[];
  /**
   * Stops a live listing: its requests in flight are aborted and the
   * iterator throws. A reader that does not take it stops at its next entry
   * when the caller returns from the iterator.
   */
  signal?: AbortSignal;
}

/** Anything that can stream a listing: Gen1, Gen2, or an inventory file. */
export interface SourceReader {
  /** The URI or file as the user wrote it; every error message names it. */
  readonly describe: string;
  list(opts?: ListOptions): AsyncIterable<PathEntry>;
  /** After listing: a likely cause when this side listed nothing or nothing matched. */
  hint?(): string | undefined;
  /**
   * Saved inventory files a DuckDB engine can read directly instead of
   * calling `list` (no row through JavaScript), or undefined when this input
   * is to be listed after all; throws what `list` would for an unusable
   * input (a missing file, no ACL columns when asked for).
   */
  inventoryFiles?(opts?: ListOptions): InventoryFiles | undefined;
}

/** The source could not be read (unreachable, denied, malformed response): exit 1 with this message. */
export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SourceError";
  }
}

/** "a//b/" → "a/b": the relative form every reader emits. */
export function relativePath(p: string): string {
  return p.split("/").filter((s) => s.length > 0).join("/");
}

/**
 * The input itself cannot answer the question (an inventory without a column
 * the comparison needs): exit 2, bad input, nothing was compared.
 */
export class InputError extends SourceError {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}
