import type { Entry, ReportFolder } from "./report";

/**
 * What reconcile does about each difference, decided once from the report:
 *   missing directory       → mkdir (with the source's owner, group, ACL incl. default entries)
 *   missing / size / stale file → copy (listed for the catch-up pipeline; what Gen2 must show after it is kept)
 *   acl                     → acl (the source's ACL set on that one path)
 *   extra                   → delete (only with --delete; otherwise listed)
 *   type                    → reported, never fixed
 * Every action has a stable id, the key of its journal record.
 */

export interface Place {
  /** Index of the report folder. */
  folder: number;
  filesystem: string;
  /** Path relative to the folder's roots. */
  path: string;
  /** Path in the Gen2 filesystem: <folder.target>/<path>. */
  gen2Path: string;
  /** Absolute Gen1 path: <folder.source>/<path>. */
  gen1Path: string;
}

export type Action =
  | (Place & { kind: "mkdir"; id: string; source: Entry })
  | (Place & {
      kind: "copy";
      id: string;
      /** The file's size on Gen1 when validate listed it: what Gen2 must show after the copy. */
      sourceSize: number;
      /** A stale file: Gen2's Last-Modified when validate listed it (ISO), which the copy's rewrite must move past. */
      staleModified?: string;
    })
  | (Place & { kind: "acl"; id: string; source: Entry; isDir: boolean })
  | (Place & { kind: "delete"; id: string; isDir: boolean });

export interface Unfixable extends Place {
  kind: string;
  reason: string;
}

export interface ReconcilePlan {
  folders: ReportFolder[];
  mkdir: Extract<Action, { kind: "mkdir" }>[];
  copy: Extract<Action, { kind: "copy" }>[];
  acl: Extract<Action, { kind: "acl" }>[];
  delete: Extract<Action, { kind: "delete" }>[];
  unfixable: Unfixable[];
}

const join = (...parts: string[]) => parts.filter((p) => p !== "").join("/");
const depth = (p: string) => p.split("/").length;

export function planFrom(folders: ReportFolder[]): ReconcilePlan {
  const plan: ReconcilePlan = { folders, mkdir: [], copy: [], acl: [], delete: [], unfixable: [] };
  folders.forEach((f, folder) => {
    for (const d of f.differences) {
      const place: Place = { folder, filesystem: f.filesystem, path: d.path, gen2Path: join(f.target, d.path), gen1Path: `${f.source.replace(/\/+$/, "")}/${d.path}` };
      const id = (kind: string) => `${kind}:${folder}:${d.path}`;
      const src = d.sourceEntry;
      if (d.kind === "type") plan.unfixable.push({ ...place, kind: "type", reason: `a ${src?.type ?? "?"} on Gen1, a ${d.targetEntry?.type ?? "?"} on Gen2: never fixed automatically; decide which is right and move the other aside` });
      else if (d.kind === "extra") plan.delete.push({ ...place, kind: "delete", id: id("delete"), isDir: d.targetEntry?.type === "directory" });
      else if (!src) plan.unfixable.push({ ...place, kind: d.kind, reason: "the report has no source entry for it" });
      else if (d.kind === "acl") plan.acl.push({ ...place, kind: "acl", id: id("acl"), source: src, isDir: src.type === "directory" });
      else if (d.kind === "missing" && src.type === "directory") plan.mkdir.push({ ...place, kind: "mkdir", id: id("mkdir"), source: src });
      else if (/[\r\n]/.test(d.path)) plan.unfixable.push({ ...place, kind: d.kind, reason: "a line break in the name cannot be written into a file list" });
      else {
        const staleModified = d.kind === "stale" ? (d.targetEntry?.modified ?? undefined) : undefined;
        plan.copy.push({ ...place, kind: "copy", id: id("copy"), sourceSize: src.size, ...(staleModified ? { staleModified } : {}) });
      }
    }
  });
  // Parents before children; a deleted directory takes what is below it, so deepest last does no harm.
  plan.mkdir.sort((a, b) => depth(a.gen2Path) - depth(b.gen2Path));
  plan.delete.sort((a, b) => depth(a.gen2Path) - depth(b.gen2Path));
  return plan;
}

/** Directories and ACLs are set from the source's metadata, which a report has only when validate ran with --acls. */
export function metadataProblems(plan: ReconcilePlan): string[] {
  const lacking = [...plan.mkdir, ...plan.acl].filter((a) => a.source.owner === null || a.source.group === null || a.source.permissions === null);
  if (lacking.length === 0) return [];
  return [`${lacking.length} directories/ACLs to fix but the report has no owner/group/ACL for them (e.g. ${lacking[0].gen2Path}); run validate with --acls (reconcile --stack does)`];
}
