import { z } from "zod";
import { DIRECTORY_PATH, DIRECTORY_PATH_RULE, FILESYSTEM_NAME, FILESYSTEM_NAME_RULE, flag, integer, matching, oneOf, timespan, utcInstant } from "./primitives";

/** What Data Factory moves and how: the `adls-migration:migration` key. */

/** Gen1 path of a folder to move: absolute, no trailing slash, no `.`/`..` segments. */
const GEN1_PATH_RULE = "an absolute Gen1 path such as /raw/sales: leading '/', no trailing '/', no '//', no '.' or '..' segments";
const GEN1_PATH = /^\/(?!.*(^|\/)\.{1,2}(\/|$))[^/\\]+(\/[^/\\]+)*$/;

export const WRITERS = ["gen1", "gen2"] as const;
export type Writer = (typeof WRITERS)[number];

export const folderSchema = z.strictObject({
  /** Folder in the Gen1 account. */
  source: matching(GEN1_PATH, GEN1_PATH_RULE),
  /** Gen2 filesystem that receives it; must be declared under `filesystems`. */
  filesystem: matching(FILESYSTEM_NAME, FILESYSTEM_NAME_RULE),
  /** Directory inside the filesystem. */
  target: matching(DIRECTORY_PATH, DIRECTORY_PATH_RULE),
  /** bidirectional-sync only: the side that currently writes this folder; data flows from it to the other side. */
  writer: oneOf(WRITERS).optional(),
});
export type FolderConfig = z.infer<typeof folderSchema>;

export const PRESERVABLE = ["ACL", "Owner", "Group"] as const;
export type Preservable = (typeof PRESERVABLE)[number];

export const copySchema = z.strictObject({
  /** Data Integration Units per Copy activity (ADF allows 2-256). */
  dataIntegrationUnits: integer(2, 256).default(32),
  /** Parallel file copies per Copy activity; ADF decides when absent. */
  parallelCopies: integer(1, 256).optional(),
  /** Folders copied at the same time by the ForEach (ADF allows up to 50). */
  folderConcurrency: integer(1, 50).default(4),
  /** POSIX metadata carried to Gen2 (Gen1/Gen2 → Gen2 only). */
  preserve: z.array(oneOf(PRESERVABLE)).default(["ACL", "Owner", "Group"]),
  /** Verify size/checksum of every copied file. */
  validateDataConsistency: flag().default(true),
  /** Fault tolerance: skip files deleted during the copy, and (with validation) files that fail the consistency check. */
  skipErrorFile: z
    .strictObject({ fileMissing: flag().default(true), dataInconsistency: flag().default(false) })
    .default({ fileMissing: true, dataInconsistency: false }),
  /** Session logs of skipped files go to this Gen2 filesystem (must be declared under `filesystems`); none when absent. */
  logFilesystem: matching(FILESYSTEM_NAME, FILESYSTEM_NAME_RULE).optional(),
  /** Directory inside logFilesystem. */
  logPath: matching(DIRECTORY_PATH, DIRECTORY_PATH_RULE).default("adf-copy-logs"),
  logLevel: oneOf(["Warning", "Info"]).default("Warning"),
});
export type CopyConfig = z.infer<typeof copySchema>;

export const FREQUENCIES = ["Minute", "Hour", "Day", "Week", "Month"] as const;
export type Frequency = (typeof FREQUENCIES)[number];
/** Frequencies a TumblingWindowTrigger accepts. */
export const TUMBLING_FREQUENCIES: readonly Frequency[] = ["Minute", "Hour", "Month"];
/** The service rejects tumbling windows shorter than this. */
export const MIN_TUMBLING_MINUTES = 15;

export const scheduleSchema = z.strictObject({
  /** Tumbling window (incremental, bidirectional-sync): Minute, Hour or Month. Schedule (dual-pipeline): any. */
  frequency: oneOf(FREQUENCIES),
  interval: integer(1, 1000).default(1),
  /** First window start (tumbling windows backfill from here) or first schedule run. */
  startTime: utcInstant(),
  endTime: utcInstant().optional(),
  /** Tumbling window only: wait after the window closes before running, d.hh:mm:ss or hh:mm:ss. */
  delay: timespan().optional(),
  /** Tumbling window only: windows that may run at once (1-50). */
  maxConcurrency: integer(1, 50).default(1),
  /** Tumbling window only: retries of a failed window run. */
  retry: z
    .strictObject({ count: integer(0, 100).default(0), intervalInSeconds: integer(30, 86400).default(30) })
    .default({ count: 0, intervalInSeconds: 30 }),
  /**
   * Schedule trigger only. Only UTC: ADF wants zone-less local times for any
   * other zone, while startTime/endTime here are UTC instants ("...Z").
   */
  timeZone: oneOf(["UTC"]).optional(),
});
export type ScheduleConfig = z.infer<typeof scheduleSchema>;

export const ingestSchema = z.strictObject({
  /** Gen2 filesystem where producers land new data (must be declared under `filesystems`). */
  filesystem: matching(FILESYSTEM_NAME, FILESYSTEM_NAME_RULE),
  /** Landing directory; each configured folder lands under <path>/<folder target>. */
  path: matching(DIRECTORY_PATH, DIRECTORY_PATH_RULE),
});
export type IngestConfig = z.infer<typeof ingestSchema>;

export const migrationSchema = z.strictObject(
  {
    folders: z.array(folderSchema).min(1, { error: "needs at least one folder to move" }),
    copy: copySchema.default(copySchema.parse({})),
    /** Trigger settings; required by incremental, dual-pipeline and bidirectional-sync. */
    schedule: scheduleSchema.optional(),
    /** dual-pipeline only: the landing path the ingestion pipeline fans out from. */
    ingest: ingestSchema.optional(),
  },
  {
    error: (issue) =>
      issue.input === undefined ? "is required for every pattern: { folders, copy, schedule } of what Data Factory moves" : undefined,
  },
);
export type MigrationConfig = z.infer<typeof migrationSchema>;

type Issue = { path: PropertyKey[]; message: string };

/**
 * Checks that need more than the migration key itself: the pattern and the
 * declared filesystems. Returns problems with paths from the config root.
 */
export function migrationCrossChecks(c: { pattern: string; filesystems: { name: string }[]; migration: MigrationConfig }): Issue[] {
  const issues: Issue[] = [];
  const declared = new Set(c.filesystems.map((f) => f.name));
  const mustBeDeclared = (name: string, path: PropertyKey[]) => {
    if (!declared.has(name)) {
      issues.push({ path, message: `filesystem "${name}" is not declared under adls-migration:filesystems (declared: ${[...declared].join(", ")})` });
    }
  };
  const m = c.migration;
  m.folders.forEach((f, i) => {
    mustBeDeclared(f.filesystem, ["migration", "folders", i, "filesystem"]);
    if (c.pattern === "bidirectional-sync" && f.writer === undefined) {
      issues.push({ path: ["migration", "folders", i, "writer"], message: "is required for pattern bidirectional-sync: gen1 or gen2 (the side that writes this folder now)" });
    }
  });
  if (m.copy.skipErrorFile.dataInconsistency && !m.copy.validateDataConsistency) {
    issues.push({ path: ["migration", "copy", "skipErrorFile", "dataInconsistency"], message: "needs migration.copy.validateDataConsistency: true (ADF only detects inconsistent files while validating)" });
  }
  if (m.copy.logFilesystem !== undefined) mustBeDeclared(m.copy.logFilesystem, ["migration", "copy", "logFilesystem"]);

  if (c.pattern !== "lift-and-shift" && m.schedule === undefined) {
    issues.push({ path: ["migration", "schedule"], message: `is required for pattern ${c.pattern} (frequency, interval, startTime of the trigger)` });
  }
  const tumbling = c.pattern === "incremental" || c.pattern === "bidirectional-sync";
  if (tumbling && m.schedule) {
    const s = m.schedule;
    if (!TUMBLING_FREQUENCIES.includes(s.frequency)) {
      issues.push({
        path: ["migration", "schedule", "frequency"],
        message: `"${s.frequency}" is not available for the tumbling window trigger of pattern ${c.pattern}; one of ${TUMBLING_FREQUENCIES.join(", ")}`,
      });
    } else if (s.frequency === "Minute" && s.interval < MIN_TUMBLING_MINUTES) {
      issues.push({
        path: ["migration", "schedule", "interval"],
        message: `${s.interval} minutes is below the tumbling window minimum of ${MIN_TUMBLING_MINUTES} minutes`,
      });
    }
  }
  if (m.schedule?.endTime !== undefined && Date.parse(m.schedule.endTime) <= Date.parse(m.schedule.startTime)) {
    issues.push({ path: ["migration", "schedule", "endTime"], message: "must be after startTime" });
  }
  if (c.pattern === "dual-pipeline") {
    if (m.ingest === undefined) {
      issues.push({ path: ["migration", "ingest"], message: "is required for pattern dual-pipeline: { filesystem, path } of the landing directory" });
    } else {
      mustBeDeclared(m.ingest.filesystem, ["migration", "ingest", "filesystem"]);
    }
  }
  return issues;
}
