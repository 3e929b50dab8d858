import { createHash } from "crypto";
import { readDifferences } from "./differences";
import type { DifferenceList, Entry, ReportDifference, ReportFolder } from "./report";

/**
 * What reconcile does about each difference, decided per difference as the
 * list is read (nothing of the list is kept between passes):
 *   missing directory       → mkdir (with the source's owner, group, ACL incl. default entries)
 *   missing / size / stale file → copy (listed for the catch-up pipeline; what Gen2 must show after it is kept)
 *   acl                     → acl (the source's ACL set on that one path)
 *   extra                   → delete (only with --delete; otherwise listed)
 *   type                    → reported, never fixed
 * Every action has a stable id, the key of its journal record.
 */

export interface Place {
  /** Index of the folder in the plan's folders. */
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
export type ActionKind = Action["kind"];
export type CopyAction = Extract<Action, { kind: "copy" }>;

export interface Unfixable extends Place {
  kind: string;
  reason: string;
}

export type Planned = Action | Unfixable;

/** The folders acted on (report order, gen2-written ones left out) and the report's differences. */
export interface ReconcilePlan {
  folders: ReportFolder[];
  list: DifferenceList;
}

const join = (...parts: string[]) => parts.filter((p) => p !== "").join("/");
const isAction = (p: Planned): p is Action => "id" in p;

/** What is done about difference `d` of plan folder `folder` (the table above). */
export function plannedFor(folder: number, f: ReportFolder, d: ReportDifference): Planned {
  const place: Place = { folder, filesystem: f.filesystem, path: d.path, gen2Path: join(f.target, d.path), gen1Path: `${f.source.replace(/\/+$/, "")}/${d.path}` };
  const id = (kind: string) => `${kind}:${folder}:${d.path}`;
  const src = d.sourceEntry;
  if (d.kind === "type") return { ...place, kind: "type", reason: `a ${src?.type ?? "?"} on Gen1, a ${d.targetEntry?.type ?? "?"} on Gen2: never fixed automatically; decide which is right and move the other aside` };
  if (d.kind === "extra") return { ...place, kind: "delete", id: id("delete"), isDir: d.targetEntry?.type === "directory" };
  if (!src) return { ...place, kind: d.kind, reason: "the report has no source entry for it" };
  if (d.kind === "acl") return { ...place, kind: "acl", id: id("acl"), source: src, isDir: src.type === "directory" };
  if (d.kind === "missing" && src.type === "directory") return { ...place, kind: "mkdir", id: id("mkdir"), source: src };
  if (/[\r\n]/.test(d.path)) return { ...place, kind: d.kind, reason: "a line break in the name cannot be written into a file list" };
  const staleModified = d.kind === "stale" ? (d.targetEntry?.modified ?? undefined) : undefined;
  return { ...place, kind: "copy", id: id("copy"), sourceSize: src.size, ...(staleModified ? { staleModified } : {}) };
}

/** One pass over the list: every action and unfixable difference of the plan's folders, in list order, in batches. */
export async function* plannedBatches(plan: ReconcilePlan): AsyncIterable<Planned[]> {
  const position = new Map(plan.folders.map((f, i) => [f.index, i]));
  for await (const batch of readDifferences(plan.list)) {
    const out: Planned[] = [];
    for (const d of batch) {
      const i = position.get(d.folder);
      if (i !== undefined) out.push(plannedFor(i, plan.folders[i], d));
    }
    if (out.length > 0) yield out;
  }
}

/**
 * One pass: the actions of one kind, `size` at a time, in list order. The
 * list is in path order per folder and kind, so a directory comes in the
 * same batch as what is below it or in an earlier one.
 */
export async function* actionBatches<K extends ActionKind>(plan: ReconcilePlan, kind: K, size: number): AsyncIterable<Extract<Action, { kind: K }>[]> {
  let batch: Extract<Action, { kind: K }>[] = [];
  for await (const planned of plannedBatches(plan)) {
    for (const p of planned) {
      if (!isAction(p) || p.kind !== kind) continue;
      batch.push(p as Extract<Action, { kind: K }>);
      if (batch.length === size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/** A list that keeps its first `max` items and counts all of them. */
export class Capped<T> {
  readonly items: T[] = [];
  total = 0;

  constructor(private readonly max: number) {}

  add(item: T): void {
    this.total++;
    if (this.items.length < this.max) this.items.push(item);
  }
}

/** Paths listed per kind of what is left (the counts are complete). */
export const RESULT_LISTED = 1000;

/** What a first pass over the list finds, before anything changes. */
export interface PlanSummary {
  planned: Record<ActionKind, number>;
  unfixable: Capped<Unfixable>;
  /** The extra paths (deleted only with --delete). */
  extras: Capped<Extract<Action, { kind: "delete" }>>;
  /** Why the plan cannot be acted on (empty when it can). */
  problems: string[];
}

/**
 * The first pass: counts, what cannot be fixed, and the refusals. Directories
 * and ACLs are set from the source's metadata, which a report has only when
 * validate ran with --acls. Reading the list to its end also proves a full
 * list file whole (./differences.ts).
 */
export async function scanPlan(plan: ReconcilePlan): Promise<PlanSummary> {
  const summary: PlanSummary = { planned: { mkdir: 0, copy: 0, acl: 0, delete: 0 }, unfixable: new Capped(RESULT_LISTED), extras: new Capped(RESULT_LISTED), problems: [] };
  let lacking = 0;
  let example: string | undefined;
  for await (const planned of plannedBatches(plan)) {
    for (const p of planned) {
      if (!isAction(p)) {
        summary.unfixable.add(p);
        continue;
      }
      summary.planned[p.kind]++;
      if (p.kind === "delete") summary.extras.add(p);
      if ((p.kind === "mkdir" || p.kind === "acl") && (p.source.owner === null || p.source.group === null || p.source.permissions === null)) {
        lacking++;
        example ??= p.gen2Path;
      }
    }
  }
  if (lacking > 0) summary.problems.push(`${lacking} directories/ACLs to fix but the report has no owner/group/ACL for them (e.g. ${example}); run validate with --acls (reconcile --stack does)`);
  return summary;
}

/** Ties a journal to the report it acts on: a resume must act on the same folders and differences. */
export function planHash(plan: ReconcilePlan): string {
  const list = plan.list;
  const mapping = ({ source, filesystem, target }: ReportFolder) => ({ source, filesystem, target });
  // For a report with its lists inside, the form earlier versions hashed, so their unfinished journals still resume.
  const text =
    list.kind === "inline"
      ? JSON.stringify(plan.folders.map((f) => ({ ...mapping(f), differences: list.sections[f.index] })))
      : JSON.stringify({ folders: plan.folders.map(mapping), sha256: list.sha256 });
  return createHash("sha256").update(text).digest("hex");
}
