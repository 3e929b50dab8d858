import { existsSync, readdirSync, readFileSync, statSync } from "fs";
import { basename, dirname, join } from "path";
import { z } from "zod";

/**
 * One blob inventory run on local disk, located through its manifest.
 *
 * Layout and manifest fields follow learn.microsoft.com/azure/storage/blobs/blob-inventory
 * ("Inventory output", "Inventory files"): a rule's run is written under
 * `<container>/YYYY/MM/DD/HH-MM-SS/<ruleName>/` as one or more CSV or Parquet
 * files, `<ruleName>-manifest.json` (files[{blob, size}], inventoryStartTime,
 * inventoryCompletionTime, ruleDefinition, ruleName, status, summary
 * {objectCount, totalObjectSize}) and `<ruleName>-manifest.checksum`, written
 * last: "Generation of the checksum file marks the completion of an
 * inventory rule run". Run statuses are Succeeded, PartiallySucceeded, Failed
 * (the BlobInventoryPolicyCompleted event's policyRunStatus).
 */

const manifestSchema = z.looseObject({
  files: z.array(z.looseObject({ blob: z.string().min(1), size: z.number().nonnegative().optional() })),
  inventoryStartTime: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "is not a date"),
  inventoryCompletionTime: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "is not a date"),
  ruleName: z.string().min(1),
  status: z.string(),
  ruleDefinition: z.looseObject({
    format: z.string().optional(),
    schemaFields: z.array(z.string()),
    filters: z
      .looseObject({
        prefixMatch: z.array(z.string()).optional(),
        excludePrefix: z.array(z.string()).optional(),
        includeSnapshots: z.boolean().optional(),
        includeBlobVersions: z.boolean().optional(),
        includeDeleted: z.boolean().optional(),
      })
      .optional(),
  }),
  summary: z.looseObject({ objectCount: z.number().int().nonnegative().optional() }).optional(),
});
type Manifest = z.infer<typeof manifestSchema>;

/** A run that passed every check, ready to read. */
export interface InventoryRun {
  manifest: string;
  ruleName: string;
  /** Local data files, in manifest order. */
  files: string[];
  format: "csv" | "parquet";
  startTime: number;
  completionTime: number;
  /** Rows the manifest says the run holds, when it says. */
  objectCount?: number;
  schemaFields: string[];
}

/** A run that cannot be used; the message says which manifest and why. */
export class InventoryRunError extends Error {}

export interface RunOptions {
  /** "<filesystem>/<path>" the caller reads ("" for the whole account); the run's prefixes must cover it. */
  subtree?: string;
  /** Refuse runs completed longer ago than this (ms). Default 36 h: a daily run plus its own duration. */
  maxAgeMs?: number;
  /** Fields the caller needs beyond Name, Content-Length, Last-Modified, hdi_isfolder (e.g. Acl). */
  requiredFields?: readonly string[];
  /** Clock for the age check (epoch ms; default Date.now()). */
  now?: number;
}

export const DEFAULT_MAX_AGE_MS = 36 * 3600_000;
const BASE_FIELDS = ["Name", "Content-Length", "Last-Modified", "hdi_isfolder"];
/** Deep enough for <dir>/YYYY/MM/DD/HH-MM-SS/<rule>/ below a download folder, bounded so a wrong path is not walked forever. */
const MAX_DEPTH = 7;

/** Resolves a manifest file, or the newest run covering `subtree` under a directory, and checks it. */
export function locateRun(location: string, opts: RunOptions = {}): InventoryRun {
  const subtree = opts.subtree ?? "";
  let manifest: string;
  if (statSync(location).isDirectory()) {
    const found = findManifests(location, 0).map((file) => ({ file, m: readManifest(file) }));
    if (found.length === 0) throw new InventoryRunError(`${location}: no *-manifest.json under it (a run folder is YYYY/MM/DD/HH-MM-SS/<rule>/)`);
    const covering = found.filter(({ m }) => uncovered(m, subtree) === undefined);
    if (covering.length === 0) throw new InventoryRunError(`${location}: no run covers ${subtree}: ${uncovered(found[0].m, subtree)}`);
    covering.sort((a, b) => Date.parse(b.m.inventoryStartTime) - Date.parse(a.m.inventoryStartTime) || (a.file < b.file ? 1 : -1));
    manifest = covering[0].file;
  } else {
    manifest = location;
  }
  return checkRun(manifest, readManifest(manifest), opts);
}

function checkRun(file: string, m: Manifest, opts: RunOptions): InventoryRun {
  const refuse = (why: string) => new InventoryRunError(`${file}: ${why}`);
  if (m.status !== "Succeeded") throw refuse(`run status is ${m.status}, not Succeeded: an incomplete run does not list every path`);
  const checksum = join(dirname(file), `${m.ruleName}-manifest.checksum`);
  if (!existsSync(checksum)) throw refuse(`${basename(checksum)} is missing beside it: the service writes it last, so the run was copied before it finished (copy the whole run folder again)`);
  const completed = Date.parse(m.inventoryCompletionTime);
  const age = (opts.now ?? Date.now()) - completed;
  const maxAge = opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  if (age > maxAge) {
    throw refuse(`run completed ${m.inventoryCompletionTime}, ${hours(age)} ago, older than the allowed ${hours(maxAge)} (--max-inventory-age); paths changed since would be missed`);
  }
  const fields = new Set(m.ruleDefinition.schemaFields.map((f) => f.toLowerCase()));
  const missing = [...BASE_FIELDS, ...(opts.requiredFields ?? [])].filter((f) => !fields.has(f.toLowerCase()));
  if (missing.length > 0) throw refuse(`the rule's schemaFields lack ${missing.join(", ")} (adls-migration:inventory.acls adds Owner, Group, Permissions, Acl)`);
  const f = m.ruleDefinition.filters ?? {};
  for (const [key, why] of [
    ["includeDeleted", "soft-deleted paths would count as present"],
    ["includeSnapshots", "snapshots would repeat their paths"],
    ["includeBlobVersions", "versions would repeat their paths"],
  ] as const) {
    if (f[key] === true) throw refuse(`the rule sets ${key}: ${why}`);
  }
  const gap = uncovered(m, opts.subtree ?? "");
  if (gap) throw refuse(gap);
  return {
    manifest: file,
    ruleName: m.ruleName,
    files: m.files.map((entry) => dataFile(file, entry, refuse)),
    format: format(m, refuse),
    startTime: Date.parse(m.inventoryStartTime),
    completionTime: completed,
    objectCount: m.summary?.objectCount,
    schemaFields: m.ruleDefinition.schemaFields,
  };
}

/** Why the run's prefix filters may leave out part of `subtree`, or undefined when they cover it all. */
function uncovered(m: Manifest, subtree: string): string | undefined {
  const want = subtree === "" ? "" : `${subtree}/`;
  const include = (m.ruleDefinition.filters?.prefixMatch ?? []).filter((p) => p !== "");
  if (include.length > 0 && !include.some((p) => want.startsWith(p))) {
    return `its prefixMatch (${include.join(", ")}) does not cover ${subtree || "the whole account"}`;
  }
  const exclude = (m.ruleDefinition.filters?.excludePrefix ?? []).find((p) => p !== "" && (p.startsWith(want) || want.startsWith(p)));
  return exclude === undefined ? undefined : `its excludePrefix ${exclude} leaves out part of ${subtree || "the account"}`;
}

/** A listed blob, found beside the manifest (the run folder as downloaded), at the size the manifest gives. */
function dataFile(manifest: string, entry: { blob: string; size?: number }, refuse: (why: string) => Error): string {
  // files[].blob is relative to the destination container: YYYY/MM/DD/HH-MM-SS/<rule>/<file>.
  const inRun = entry.blob.replace(/^\d{4}\/\d{2}\/\d{2}\/\d{2}-\d{2}-\d{2}\/[^/]+\//, "");
  const local = join(dirname(manifest), inRun.includes("..") ? basename(inRun) : inRun);
  if (!existsSync(local)) throw refuse(`data file ${entry.blob} is not at ${local}; copy the whole run folder`);
  const size = statSync(local).size;
  if (entry.size !== undefined && size !== entry.size) throw refuse(`${local} has ${size} bytes, the manifest says ${entry.size}: the copy is incomplete`);
  return local;
}

function format(m: Manifest, refuse: (why: string) => Error): "csv" | "parquet" {
  const byName = m.files.every((f) => /\.parquet$/i.test(f.blob)) ? "parquet" : m.files.every((f) => /\.csv$/i.test(f.blob)) ? "csv" : undefined;
  const declared = m.ruleDefinition.format?.toLowerCase();
  const fmt = byName ?? (declared === "csv" || declared === "parquet" ? declared : undefined);
  if (!fmt) throw refuse(`cannot tell the format of its files (ruleDefinition.format ${JSON.stringify(m.ruleDefinition.format)})`);
  return fmt;
}

function readManifest(file: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new InventoryRunError(`${file}: not a readable JSON manifest (${(err as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InventoryRunError(`${file}: not a blob inventory manifest: ${issue.path.join(".") || "(root)"} ${issue.message}`);
  }
  return parsed.data;
}

function findManifests(dir: string, depth: number): string[] {
  if (depth > MAX_DEPTH) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? findManifests(join(dir, e.name), depth + 1) : e.isFile() && e.name.endsWith("-manifest.json") ? [join(dir, e.name)] : [],
  );
}

function hours(ms: number): string {
  return ms >= 48 * 3600_000 ? `${(ms / 86400_000).toFixed(1)} days` : `${(ms / 3600_000).toFixed(1)} h`;
}
