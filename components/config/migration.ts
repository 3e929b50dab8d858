import { z } from "zod";
import { triggerWindows, pastWindows } from "./windows";
import { DIRECTORY_PATH, DIRECTORY_PATH_RULE, FILESYSTEM_NAME, FILESYSTEM_NAME_RULE, flag, integer, matching, oneOf, timespan, utcInstant } from "./primitives";

/** What Data Factory moves and how: the `adls-migration:migration` key. */

/** Gen1 path of a folder to move: absolute, no trailing slash, no `.`/`..` segments. */
const GEN1_PATH_RULE = "an absolute Gen1 path such as /raw/sales: leading '/', no trailing '/', no '//', no '.' or '..' segments";
const GEN1_PATH = /^\/(?!.*(^|\/)\.{1,2}(\/|$))[^/\\]+(\/[^/\\]+)*$/;

/** `target` value meaning the root of the folder's filesystem. */
export const ROOT_TARGET = "";

export const WRITERS = ["gen1", "gen2"] as const;
export type Writer = (typeof WRITERS)[number];

export const folderSchema = z.strictObject({
  /** Folder in the Gen1 account. */
  source: matching(GEN1_PATH, GEN1_PATH_RULE),
  /** Gen2 filesystem that receives it; must be declared under `filesystems`. */
  filesystem: matching(FILESYSTEM_NAME, FILESYSTEM_NAME_RULE),
  /**
   * Directory inside the filesystem. Omitted or "" means the filesystem root
   * (ROOT_TARGET); every consumer (factory sink paths, landing paths,
   * post-deploy, rewrite-uris, validate) reads "" as the root.
   */
  target: z.union([z.literal(ROOT_TARGET), matching(DIRECTORY_PATH, DIRECTORY_PATH_RULE)]).default(ROOT_TARGET),
  /** bidirectional-sync only: the side that currently writes this folder; data flows from it to the other side. */
  writer: oneOf(WRITERS).optional(),
  /**
   * bidirectional-sync only: when the current writer started writing this
   * folder (the moment of its flip), a UTC instant. Windows copy only files
   * of this folder modified at or after it, and a direction's trigger starts
   * at the earliest of its folders' (default: schedule.startTime).
   */
  writerSince: utcInstant().optional(),
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
  /**
   * Fault tolerance of binary copies: which failing files a Copy skips
   * instead of failing. A skipped file is always written to the session log
   * (see sessionLogLocation). Source of the keys and defaults:
   * https://learn.microsoft.com/en-us/azure/data-factory/copy-activity-fault-tolerance
   */
  skipErrorFile: z
    .strictObject({
      /** Files deleted by another client during the copy (ADF default true). */
      fileMissing: flag().default(true),
      /** Files or folders whose ACLs deny the factory identity (ADF default false). */
      fileForbidden: flag().default(false),
      /** Files whose names the sink store refuses; ADF applies it only to binary copies into Gen2 (ADF default false). */
      invalidFileName: flag().default(false),
      /**
       * Files that change during the copy (needs validateDataConsistency). When
       * absent: true for the patterns copying from live writers (incremental,
       * dual-pipeline, bidirectional-sync), whose next window carries the
       * changed file; false for lift-and-shift, whose writers are stopped.
       */
      dataInconsistency: flag().optional(),
    })
    .default({ fileMissing: true, fileForbidden: false, invalidFileName: false }),
  /**
   * Session logs of skipped files go to this Gen2 filesystem (must be declared
   * under `filesystems`). When absent and any skip is on, the filesystem of
   * the first folder; see sessionLogLocation.
   */
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

/**
 * A first start runs every window from startTime to now; above this many the
 * config must say `allowBackfill: true`. Our own safety margin, not an Azure
 * limit: 1000 hourly windows are about six weeks.
 */
export const BACKFILL_WINDOW_LIMIT = 1000;

/** Every trigger is a tumbling window: it keeps state per window, backfills and retries (a schedule trigger does neither). */
export const scheduleSchema = z.strictObject({
  /** Minute, Hour or Month (the frequencies of a TumblingWindowTrigger). Changing it replaces the trigger. */
  frequency: oneOf(FREQUENCIES),
  /** Windows of `interval` × frequency. Changing it replaces the trigger. */
  interval: integer(1, 1000).default(1),
  /**
   * First window start (windows backfill from here). dual-pipeline: when
   * producers were redirected to the landing path. bidirectional-sync: a
   * folder's writerSince, when later, starts its direction's trigger.
   */
  startTime: utcInstant(),
  endTime: utcInstant().optional(),
  /** Wait after the window closes before running, d.hh:mm:ss or hh:mm:ss. */
  delay: timespan().optional(),
  /** Windows that may run at once (1-50). */
  maxConcurrency: integer(1, 50).default(1),
  /** Retries of a failed window run; a window that still fails stays Failed and is not retried by later windows. */
  retry: z
    .strictObject({ count: integer(0, 100).default(3), intervalInSeconds: integer(30, 86400).default(300) })
    .default({ count: 3, intervalInSeconds: 300 }),
  /** Allow a first start (or a replacement) that runs more than BACKFILL_WINDOW_LIMIT past windows. */
  allowBackfill: flag().default(false),
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

/** Where a dual-pipeline folder's producers land: `<ingest.path>/<target>`, or the landing path itself for a root target. */
export function landingPath(ingestPath: string, target: string): string {
  return target === ROOT_TARGET ? ingestPath : `${ingestPath}/${target}`;
}

/** The patterns whose copies run while writers keep writing the source. */
const LIVE_PATTERNS = ["incremental", "dual-pipeline", "bidirectional-sync"];

/** skipErrorFile as every Copy of the pattern gets it: dataInconsistency defaults to skipping against live writers. */
export function effectiveSkips(pattern: string, copy: CopyConfig): Required<CopyConfig["skipErrorFile"]> {
  const dataInconsistency = copy.skipErrorFile.dataInconsistency ?? (LIVE_PATTERNS.includes(pattern) && copy.validateDataConsistency);
  return { ...copy.skipErrorFile, dataInconsistency };
}

/**
 * Where ADF writes the session logs that name every skipped file: set
 * whenever a skip is on, so that no file is skipped silently. ADF writes
 * `<filesystem>/<path>/copyactivity-logs/<copy activity>/<run id>/<guid>.csv`
 * (https://learn.microsoft.com/en-us/azure/data-factory/copy-activity-fault-tolerance).
 * `defaulted`: logFilesystem was absent, the first folder's filesystem is used.
 */
export function sessionLogLocation(pattern: string, m: MigrationConfig): { filesystem: string; path: string; defaulted: boolean } | undefined {
  const anySkip = Object.values(effectiveSkips(pattern, m.copy)).some(Boolean);
  if (!anySkip && m.copy.logFilesystem === undefined) return undefined;
  const filesystem = m.copy.logFilesystem ?? m.folders[0].filesystem;
  return { filesystem, path: m.copy.logPath, defaulted: m.copy.logFilesystem === undefined };
}

/**
 * Checks that need more than the migration key itself: the pattern and the
 * declared filesystems. Returns problems with paths from the config root.
 */
export function migrationCrossChecks(c: { pattern: string; filesystems: { name: string }[]; migration: MigrationConfig }, now = new Date()): Issue[] {
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
    if (c.pattern !== "bidirectional-sync" && f.writerSince !== undefined) {
      issues.push({ path: ["migration", "folders", i, "writerSince"], message: `is for pattern bidirectional-sync only (the moment a folder's writer flipped); pattern ${c.pattern} has one start: migration.schedule.startTime` });
    }
  });
  if (m.copy.skipErrorFile.dataInconsistency === true && !m.copy.validateDataConsistency) {
    issues.push({ path: ["migration", "copy", "skipErrorFile", "dataInconsistency"], message: "needs migration.copy.validateDataConsistency: true (ADF only detects inconsistent files while validating)" });
  }
  if (m.copy.logFilesystem !== undefined) mustBeDeclared(m.copy.logFilesystem, ["migration", "copy", "logFilesystem"]);
  if (c.pattern === "dual-pipeline") {
    if (m.ingest === undefined) {
      issues.push({ path: ["migration", "ingest"], message: "is required for pattern dual-pipeline: { filesystem, path } of the landing directory" });
    } else {
      mustBeDeclared(m.ingest.filesystem, ["migration", "ingest", "filesystem"]);
    }
  }
  return [...issues, ...scheduleChecks(c.pattern, m, now)];
}

/** The trigger schedule: required, a valid tumbling window, and no unintended backfill. */
function scheduleChecks(pattern: string, m: MigrationConfig, now: Date): Issue[] {
  if (pattern === "lift-and-shift") return [];
  const s = m.schedule;
  if (s === undefined) return [{ path: ["migration", "schedule"], message: `is required for pattern ${pattern} (frequency, interval, startTime of the trigger)` }];
  const issues: Issue[] = [];
  if (!TUMBLING_FREQUENCIES.includes(s.frequency)) {
    issues.push({
      path: ["migration", "schedule", "frequency"],
      message: `"${s.frequency}" is not available for the tumbling window trigger of pattern ${pattern}; one of ${TUMBLING_FREQUENCIES.join(", ")}`,
    });
    return issues;
  }
  if (s.frequency === "Minute" && s.interval < MIN_TUMBLING_MINUTES) {
    issues.push({ path: ["migration", "schedule", "interval"], message: `${s.interval} minutes is below the tumbling window minimum of ${MIN_TUMBLING_MINUTES} minutes` });
  }
  if (s.endTime !== undefined && Date.parse(s.endTime) <= Date.parse(s.startTime)) {
    issues.push({ path: ["migration", "schedule", "endTime"], message: "must be after startTime" });
  }
  if (!s.allowBackfill) {
    for (const t of triggerWindows(pattern, m)) {
      const windows = pastWindows(t.startTime, now, s.frequency, s.interval);
      if (windows > BACKFILL_WINDOW_LIMIT) {
        const which = t.writer === undefined ? "the trigger" : `the ${t.writer} -> ${t.writer === "gen1" ? "gen2" : "gen1"} trigger`;
        issues.push({
          path: ["migration", "schedule", "allowBackfill"],
          message: `the first start of ${which} would run ${windows} past windows from ${t.startTime} at once (limit ${BACKFILL_WINDOW_LIMIT}); move startTime (or writerSince) forward, or set allowBackfill: true if that backfill is intended`,
        });
      }
    }
  }
  return issues;
}
