import { AclComparison, compareAcl } from "./acl";

/**
 * The comparison's semantics, in one place: what a joined pair of listing
 * entries (source, target, or both for one path) counts as. The engine that
 * lists, sorts and joins (today the external sort and merge-join) only
 * decides which entries meet; it never decides what differs.
 */

export const DIFFERENCE_KINDS = ["missing", "extra", "type", "size", "stale", "acl"] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

/** One side's metadata for a path, as the JSON report carries it (reconcile acts on it). */
export interface PathMeta {
  type: "file" | "directory";
  size: number;
  /** Last modified, ISO 8601 UTC; null when the listing gave no time. */
  modified: string | null;
  /** Owner, owning group and permission bits as the listing gave them; null without --acls (not compared, not kept). */
  owner: string | null;
  group: string | null;
  permissions: string | null;
  /** Comma-separated ACL entries; null when ACLs were not read. */
  acl: string | null;
}

/** A side's entry as the engine hands it to `classify`: PathMeta with the time in epoch ms (no string built per pair). */
export interface Listed extends Omit<PathMeta, "modified"> {
  modified: number | null;
}

export interface Difference {
  kind: DifferenceKind;
  /** Relative to the folder section's source and target roots. */
  path: string;
  /** What differs, as shown in the report (a size, a type, a time, a canonical ACL). */
  source?: string;
  target?: string;
  /** Everything the source listing said about the path (absent for `extra`). */
  sourceEntry?: PathMeta;
  /** Everything the target listing said about the path (absent for `missing`). */
  targetEntry?: PathMeta;
}

export interface ClassifyOptions {
  /** Undefined: owners, groups and ACLs are not compared. */
  acls?: AclComparison;
  /**
   * Epoch ms: a source file modified before it is never stale. For a folder
   * compared Gen2 → Gen1 (bidirectional-sync, writer: gen2), the folder's
   * writerSince: Gen2 files older than it are Data Factory's copies from
   * Gen1 made before the flip, which no Gen2 → Gen1 window copies, so their
   * Gen1 originals are older by construction. Undefined: no bound.
   */
  staleFrom?: number;
}

export interface Classified {
  /** Empty when the pair matches. */
  differences: Difference[];
  /** Both sides were files with a modified time, so staleness was checked. */
  timesCompared: boolean;
}

/**
 * Classifies one joined pair. Rules, in order:
 * - only a source entry: missing; only a target entry: extra;
 * - file on one side, directory on the other: type (nothing else is compared);
 * - files of different sizes: size;
 * - files of the same size whose source was modified in a later second than
 *   the target: stale (the source changed after it was copied). Whole
 *   seconds, because Gen2 reports Last-Modified with one-second resolution
 *   (RFC 1123 dates), so a copy made in the same second as the source write
 *   is not flagged; with `staleFrom`, only sources modified at or after it;
 * - with ACL comparison, owner/group/ACL not equal under its mode: acl
 *   (in addition to a size or stale difference of the same path).
 */
export function classify(path: string, s: Listed | undefined, t: Listed | undefined, opts: ClassifyOptions): Classified {
  if (!t) return { differences: [{ kind: "missing", path, sourceEntry: meta(s!) }], timesCompared: false };
  if (!s) return { differences: [{ kind: "extra", path, targetEntry: meta(t) }], timesCompared: false };
  const differences: Difference[] = [];
  const add = (kind: DifferenceKind, source: string, target: string): void => {
    differences.push({ kind, path, source, target, sourceEntry: meta(s), targetEntry: meta(t) });
  };
  if (s.type !== t.type) {
    add("type", s.type, t.type);
    return { differences, timesCompared: false };
  }
  const files = s.type === "file";
  const timesCompared = files && s.modified !== null && t.modified !== null;
  if (files && s.size !== t.size) add("size", String(s.size), String(t.size));
  else if (files && isStale(s.modified, t.modified, opts.staleFrom)) add("stale", iso(s.modified), iso(t.modified));
  if (opts.acls) {
    const side = (m: Listed) => ({ owner: m.owner ?? "", group: m.group ?? "", permissions: m.permissions ?? "", acl: m.acl });
    const a = compareAcl(side(s), side(t), opts.acls);
    if (!a.same) add("acl", a.source, a.target);
  }
  return { differences, timesCompared };
}

/** Same-size files: the source was modified in a later whole second than the target, and not before `staleFrom` (rule above); false without both times. */
export function isStale(sourceMs: number | null, targetMs: number | null, staleFrom?: number): boolean {
  if (sourceMs === null || targetMs === null || (staleFrom !== undefined && sourceMs < staleFrom)) return false;
  return Math.floor(sourceMs / 1000) > Math.floor(targetMs / 1000);
}

function iso(ms: number | null): string {
  return ms === null ? "" : new Date(ms).toISOString();
}

/** The report's form of an entry, built only for differences. */
function meta(l: Listed): PathMeta {
  return { ...l, modified: l.modified === null ? null : iso(l.modified) };
}
