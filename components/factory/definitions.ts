import type * as adf from "@azure/arm-datafactory";
import { type CopyConfig, type FolderConfig, type MigrationConfig, type ScheduleConfig, effectiveSkips, landingPath, sessionLogLocation } from "../config/migration";
import { type TriggerWindow, folderSince, triggerWindows } from "../config/windows";
import type { Pattern } from "../config/schema";
import type { SourceConfig } from "../config/source";

/**
 * Every Data Factory object of a migration pattern, written against the
 * service models of `@azure/arm-datafactory`. azure-native types most ADF
 * fields as `any`; these models carry the required fields and the
 * discriminated unions (a Copy without `sink` does not compile), so the
 * definitions are checked here and handed to azure-native unchanged.
 * Pure functions of the config: names and URLs are known at plan time.
 */

export const LINKED_SERVICES = { gen1: "Gen1Store", gen2: "Gen2Store", keyVault: "KeyVault" } as const;
export const DATASETS = { gen1: "Gen1Binary", gen2: "Gen2Binary" } as const;
export const PIPELINES = {
  fullCopy: "full-copy",
  incrementalCopy: "incremental-copy",
  ingestDual: "ingest-dual",
  syncGen1ToGen2: "sync-gen1-to-gen2",
  syncGen2ToGen1: "sync-gen2-to-gen1",
  catchUp: "catch-up",
} as const;
export const TRIGGERS = {
  incremental: "incremental-window",
  ingest: "ingest-window",
  syncGen1ToGen2: "sync-gen1-to-gen2-window",
  syncGen2ToGen1: "sync-gen2-to-gen1-window",
} as const;

export interface Named<T> {
  name: string;
  definition: T;
}

export interface FactoryDefinitions {
  linkedServices: Named<adf.LinkedServiceUnion>[];
  datasets: Named<adf.DatasetUnion>[];
  pipelines: Named<adf.PipelineResource>[];
  triggers: Named<adf.TriggerUnion>[];
}

export interface DefinitionInputs {
  pattern: Pattern;
  source: SourceConfig;
  migration: MigrationConfig;
  /** Gen2 account name (plain: the linked service URL is part of the plan). */
  gen2AccountName: string;
}

export function factoryDefinitions(inp: DefinitionInputs): FactoryDefinitions {
  const { migration: m } = inp;
  const pipelines: Named<adf.PipelineResource>[] = [];
  const triggers: Named<adf.TriggerUnion>[] = [];
  const all = m.folders;
  const opts = copyOptions(inp);
  const windows = triggerWindows(inp.pattern, m);

  switch (inp.pattern) {
    case "lift-and-shift":
      pipelines.push(fullCopyPipeline(all, opts));
      break;
    case "incremental": {
      pipelines.push(fullCopyPipeline(all, opts), incrementalPipeline(PIPELINES.incrementalCopy, all, opts));
      triggers.push(tumblingWindowTrigger(TRIGGERS.incremental, PIPELINES.incrementalCopy, requireSchedule(m), windows[0]));
      break;
    }
    case "dual-pipeline": {
      if (!m.ingest) throw new Error("dual-pipeline needs migration.ingest (validated by the config schema)");
      const landing = m.ingest;
      pipelines.push(fullCopyPipeline(all, opts), ingestDualPipeline(all, landing, opts));
      triggers.push(tumblingWindowTrigger(TRIGGERS.ingest, PIPELINES.ingestDual, requireSchedule(m), windows[0]));
      break;
    }
    case "bidirectional-sync": {
      // Each folder flows only away from its current writer. That alone does
      // not stop a file from going both ways: nested folders with different
      // writers would (the config refuses them), and so would a window of the
      // new direction that starts before the flip (each folder's `since`
      // bounds its windows, and each direction's trigger starts at its flip).
      const schedule = requireSchedule(m);
      for (const w of windows) {
        const toGen2 = w.writer === "gen1";
        pipelines.push(toGen2 ? incrementalPipeline(PIPELINES.syncGen1ToGen2, w.folders, opts, schedule) : reverseSyncPipeline(w.folders, opts, schedule));
        triggers.push(
          tumblingWindowTrigger(toGen2 ? TRIGGERS.syncGen1ToGen2 : TRIGGERS.syncGen2ToGen1, toGen2 ? PIPELINES.syncGen1ToGen2 : PIPELINES.syncGen2ToGen1, schedule, w),
        );
      }
      break;
    }
  }

  // Every pattern converges the same way: reconcile hands the files validate found missing or changed to catch-up.
  pipelines.push(catchUpPipeline(opts));
  return { linkedServices: linkedServices(inp), datasets: datasets(), pipelines, triggers };
}

function requireSchedule(m: MigrationConfig): ScheduleConfig {
  if (!m.schedule) throw new Error("this pattern needs migration.schedule (validated by the config schema)");
  return m.schedule;
}

// ---------------------------------------------------------------- linked services

const lsRef = (referenceName: string): adf.LinkedServiceReference => ({ type: "LinkedServiceReference", referenceName });

function linkedServices(inp: DefinitionInputs): Named<adf.LinkedServiceUnion>[] {
  const src = inp.source;
  const gen1: adf.AzureDataLakeStoreLinkedService = {
    type: "AzureDataLakeStore",
    description: `ADLS Gen1 account ${src.accountName}`,
    dataLakeStoreUri: `https://${src.accountName}.azuredatalakestore.net/webhdfs/v1`,
    // Required by ADF when Gen1 is a copy sink; the config demands them for those patterns.
    subscriptionId: src.subscriptionId,
    resourceGroupName: src.resourceGroupName,
  };
  const out: Named<adf.LinkedServiceUnion>[] = [];
  if (src.auth === "servicePrincipal") {
    const vault: adf.AzureKeyVaultLinkedService = {
      type: "AzureKeyVault",
      description: "Holds the Gen1 service principal secret",
      baseUrl: `https://${src.keyVault.name}.vault.azure.net/`,
    };
    out.push({ name: LINKED_SERVICES.keyVault, definition: vault });
    const secret: adf.AzureKeyVaultSecretReference = {
      type: "AzureKeyVaultSecret",
      store: lsRef(LINKED_SERVICES.keyVault),
      secretName: src.secretName,
    };
    gen1.servicePrincipalId = src.clientId;
    gen1.tenant = src.tenantId;
    gen1.servicePrincipalKey = secret;
  }
  // No credential properties: the factory's system-assigned identity signs in.
  const gen2: adf.AzureBlobFSLinkedService = {
    type: "AzureBlobFS",
    description: `ADLS Gen2 account ${inp.gen2AccountName}`,
    url: `https://${inp.gen2AccountName}.dfs.core.windows.net/`,
  };
  out.push({ name: LINKED_SERVICES.gen1, definition: gen1 }, { name: LINKED_SERVICES.gen2, definition: gen2 });
  return out;
}

// ---------------------------------------------------------------- datasets

const expr = (value: string): adf.Expression => ({ type: "Expression", value });
const stringParam: adf.ParameterSpecification = { type: "String" };

function datasets(): Named<adf.DatasetUnion>[] {
  const gen1Location: adf.AzureDataLakeStoreLocation = { type: "AzureDataLakeStoreLocation", folderPath: expr("@dataset().folderPath") };
  const gen1: adf.BinaryDataset = {
    type: "Binary",
    description: "A Gen1 folder, copied file by file (Binary keeps bytes and POSIX metadata)",
    linkedServiceName: lsRef(LINKED_SERVICES.gen1),
    parameters: { folderPath: stringParam },
    location: gen1Location,
  };
  const gen2Location: adf.AzureBlobFSLocation = {
    type: "AzureBlobFSLocation",
    fileSystem: expr("@dataset().fileSystem"),
    folderPath: expr("@dataset().folderPath"),
  };
  const gen2: adf.BinaryDataset = {
    type: "Binary",
    description: "A Gen2 directory in a filesystem",
    linkedServiceName: lsRef(LINKED_SERVICES.gen2),
    parameters: { fileSystem: stringParam, folderPath: stringParam },
    location: gen2Location,
  };
  return [
    { name: DATASETS.gen1, definition: gen1 },
    { name: DATASETS.gen2, definition: gen2 },
  ];
}

// ---------------------------------------------------------------- copy building blocks

/**
 * `skipErrorFile` with the two keys the `@azure/arm-datafactory` model lacks
 * but the service documents for binary copies (fileForbidden, invalidFileName:
 * https://learn.microsoft.com/en-us/azure/data-factory/copy-activity-fault-tolerance).
 * The 2018-06-01 REST model lacks them, and the SDK's serializer drops them
 * from the request body (observed); whether azure-native sends them is not
 * verified (docs/patterns.md, "Caveat"). Without them ADF fails the copy on
 * such a file: loud, never a silent skip.
 */
type SkipErrorFileSettings = adf.SkipErrorFile & { fileForbidden: boolean; invalidFileName?: boolean };

/** Copy settings resolved once per pattern: the config's plus the pattern's defaults. */
interface CopyOptions {
  copy: CopyConfig;
  skips: ReturnType<typeof effectiveSkips>;
  log?: { filesystem: string; path: string };
}

function copyOptions(inp: DefinitionInputs): CopyOptions {
  const log = sessionLogLocation(inp.pattern, inp.migration);
  return { copy: inp.migration.copy, skips: effectiveSkips(inp.pattern, inp.migration.copy), ...(log ? { log: { filesystem: log.filesystem, path: log.path } } : {}) };
}

/** One entry of a ForEach's folder list: Gen1 path without its leading '/', as ADF folder paths are written. */
interface FolderItem {
  source: string;
  filesystem: string;
  /** Directory in the filesystem; "" is its root, which ADF reads as an empty folderPath. */
  target: string;
  landing?: string;
  /** bidirectional-sync: ISO instant before which this folder's changes are not copied (its flip). */
  since?: string;
}

const folderItems = (folders: FolderConfig[], extra: { landingRoot?: string; schedule?: ScheduleConfig } = {}): FolderItem[] =>
  folders.map((f) => ({
    source: f.source.replace(/^\//, ""),
    filesystem: f.filesystem,
    target: f.target,
    ...(extra.landingRoot === undefined ? {} : { landing: landingPath(extra.landingRoot, f.target) }),
    ...(extra.schedule === undefined ? {} : { since: folderSince(f, extra.schedule) }),
  }));

type Side = { kind: "gen1"; path: string } | { kind: "gen2"; fileSystem: string; path: string };

function datasetRef(side: Side): adf.DatasetReference {
  return side.kind === "gen1"
    ? { type: "DatasetReference", referenceName: DATASETS.gen1, parameters: { folderPath: expr(side.path) } }
    : { type: "DatasetReference", referenceName: DATASETS.gen2, parameters: { fileSystem: expr(side.fileSystem), folderPath: expr(side.path) } };
}

const WINDOW_START = "@pipeline().parameters.windowStart";
const WINDOW_END = "@pipeline().parameters.windowEnd";
/**
 * The later of the window start and the folder's `since`: a window of a
 * direction that began before the folder flipped copies nothing the old
 * writer (or Data Factory itself) wrote before the flip. ticks() makes the
 * comparison numeric whatever the timestamps' formats (ADF expression
 * functions if, less, ticks:
 * https://learn.microsoft.com/en-us/azure/data-factory/control-flow-expression-language-functions).
 */
const WINDOW_START_SINCE = "@if(less(ticks(pipeline().parameters.windowStart), ticks(item().since)), item().since, pipeline().parameters.windowStart)";

type Window = "none" | "window" | "windowSince" | "fileList";

/**
 * The catch-up copy reads exactly the files named in a text file: one path
 * per line, relative to the dataset's folder, the list itself a file "in the
 * same data store" as the source (ADF file connectors, storeSettings
 * `fileListPath`, "File list examples":
 * https://learn.microsoft.com/en-us/azure/data-factory/connector-azure-data-lake-store).
 * `recursive` and the modified-time filters do not apply with a file list
 * (same page), so none is set.
 */
const FILE_LIST_PATH = "@item().fileListPath";

function readSettings(from: Side["kind"], window: Window): adf.StoreReadSettingsUnion {
  if (window === "fileList") {
    if (from !== "gen1") throw new Error("the catch-up file list is read from Gen1 only");
    const s: adf.AzureDataLakeStoreReadSettings = { type: "AzureDataLakeStoreReadSettings", fileListPath: expr(FILE_LIST_PATH) };
    return s;
  }
  const bounds =
    window === "none" ? {} : { modifiedDatetimeStart: expr(window === "windowSince" ? WINDOW_START_SINCE : WINDOW_START), modifiedDatetimeEnd: expr(WINDOW_END) };
  if (from === "gen1") {
    const s: adf.AzureDataLakeStoreReadSettings = { type: "AzureDataLakeStoreReadSettings", recursive: true, ...bounds };
    return s;
  }
  const s: adf.AzureBlobFSReadSettings = { type: "AzureBlobFSReadSettings", recursive: true, ...bounds };
  return s;
}

function writeSettings(to: Side["kind"]): adf.StoreWriteSettingsUnion {
  if (to === "gen1") {
    const s: adf.AzureDataLakeStoreWriteSettings = { type: "AzureDataLakeStoreWriteSettings", copyBehavior: "PreserveHierarchy" };
    return s;
  }
  const s: adf.AzureBlobFSWriteSettings = { type: "AzureBlobFSWriteSettings", copyBehavior: "PreserveHierarchy" };
  return s;
}

const ACTIVITY_POLICY: adf.ActivityPolicy = { timeout: "7.00:00:00", retry: 2, retryIntervalInSeconds: 60, secureInput: false, secureOutput: false };

function skipSettings(to: Side["kind"], skips: CopyOptions["skips"]): SkipErrorFileSettings {
  const out: SkipErrorFileSettings = { fileMissing: skips.fileMissing, fileForbidden: skips.fileForbidden, dataInconsistency: skips.dataInconsistency };
  // ADF honours invalidFileName only for binary copies into Gen2 (fault tolerance doc above).
  if (to === "gen2") out.invalidFileName = skips.invalidFileName;
  return out;
}

function copyActivity(name: string, from: Side, to: Side, opts: CopyOptions, window: Window): adf.CopyActivity {
  const { copy } = opts;
  const source: adf.BinarySource = { type: "BinarySource", storeSettings: readSettings(from.kind, window) };
  const sink: adf.BinarySink = { type: "BinarySink", storeSettings: writeSettings(to.kind) };
  const activity: adf.CopyActivity = {
    name,
    type: "Copy",
    policy: ACTIVITY_POLICY,
    inputs: [datasetRef(from)],
    outputs: [datasetRef(to)],
    source,
    sink,
    dataIntegrationUnits: copy.dataIntegrationUnits,
    validateDataConsistency: copy.validateDataConsistency,
    skipErrorFile: skipSettings(to.kind, opts.skips),
  };
  if (copy.parallelCopies !== undefined) activity.parallelCopies = copy.parallelCopies;
  // Only the Gen1 → Gen2 migration copies carry POSIX metadata over. ADF
  // rejects preserve into Gen1, and data landing from the Gen2 landing zone
  // should take the target's default ACLs rather than the landing zone's.
  if (from.kind === "gen1" && to.kind === "gen2" && copy.preserve.length > 0) activity.preserve = [...copy.preserve];
  if (opts.log !== undefined) {
    activity.logSettings = {
      enableCopyActivityLog: true,
      copyActivityLogSettings: { logLevel: copy.logLevel, enableReliableLogging: false },
      logLocationSettings: { linkedServiceName: lsRef(LINKED_SERVICES.gen2), path: `${opts.log.filesystem}/${opts.log.path}` },
    };
  }
  return activity;
}

function forEachFolder(inner: adf.ActivityUnion[], copy: CopyConfig, folderCount: number): adf.ForEachActivity {
  return {
    name: "ForEachFolder",
    type: "ForEach",
    isSequential: false,
    batchCount: Math.min(copy.folderConcurrency, Math.max(folderCount, 1)),
    items: expr("@pipeline().parameters.folders"),
    activities: inner,
  };
}

const ITEM_GEN1: Side = { kind: "gen1", path: "@item().source" };
const ITEM_GEN2: Side = { kind: "gen2", fileSystem: "@item().filesystem", path: "@item().target" };

const foldersParam = (items: FolderItem[]): adf.ParameterSpecification => ({ type: "Array", defaultValue: items });
const windowParams = (): Record<string, adf.ParameterSpecification> => ({ windowStart: stringParam, windowEnd: stringParam });

// ---------------------------------------------------------------- pipelines

function fullCopyPipeline(folders: FolderConfig[], opts: CopyOptions): Named<adf.PipelineResource> {
  return {
    name: PIPELINES.fullCopy,
    definition: {
      description: "Copies every configured Gen1 folder to Gen2 in full, keeping ACLs, owner and group",
      parameters: { folders: foldersParam(folderItems(folders)) },
      activities: [forEachFolder([copyActivity("CopyFolder", ITEM_GEN1, ITEM_GEN2, opts, "none")], opts.copy, folders.length)],
    },
  };
}

/** Gen1 → Gen2 per window; with `schedule` (bidirectional-sync) each folder's window starts no earlier than its `since`. */
function incrementalPipeline(name: string, folders: FolderConfig[], opts: CopyOptions, schedule?: ScheduleConfig): Named<adf.PipelineResource> {
  return {
    name,
    definition: {
      description: "Copies Gen1 files modified in [windowStart, windowEnd) to Gen2",
      parameters: { folders: foldersParam(folderItems(folders, { schedule })), ...windowParams() },
      activities: [forEachFolder([copyActivity("CopyWindow", ITEM_GEN1, ITEM_GEN2, opts, schedule ? "windowSince" : "window")], opts.copy, folders.length)],
    },
  };
}

function reverseSyncPipeline(folders: FolderConfig[], opts: CopyOptions, schedule: ScheduleConfig): Named<adf.PipelineResource> {
  return {
    name: PIPELINES.syncGen2ToGen1,
    definition: {
      description: "Copies Gen2 files modified in [windowStart, windowEnd) back to Gen1 for folders Gen2 workloads now write",
      parameters: { folders: foldersParam(folderItems(folders, { schedule })), ...windowParams() },
      activities: [forEachFolder([copyActivity("CopyWindowToGen1", ITEM_GEN2, ITEM_GEN1, opts, "windowSince")], opts.copy, folders.length)],
    },
  };
}

/**
 * catch-up: copies exactly the files of one list per folder, Gen1 → Gen2,
 * with the pattern's copy settings (preserve ACL/Owner/Group included).
 * `reconcile` writes the lists and starts it with `lists`: one item per
 * folder, { source, filesystem, target, fileListPath } (fileListPath is
 * the list's Gen1 path, without a leading '/'). No trigger: on demand only.
 */
function catchUpPipeline(opts: CopyOptions): Named<adf.PipelineResource> {
  return {
    name: PIPELINES.catchUp,
    definition: {
      description: "Copies exactly the Gen1 files named in each folder's file list to Gen2 (reconcile starts it), keeping ACLs, owner and group",
      parameters: { lists: { type: "Array", defaultValue: [] } },
      activities: [
        {
          ...forEachFolder([copyActivity("CopyFileList", ITEM_GEN1, ITEM_GEN2, opts, "fileList")], opts.copy, opts.copy.folderConcurrency),
          items: expr("@pipeline().parameters.lists"),
        },
      ],
    },
  };
}

function ingestDualPipeline(folders: FolderConfig[], landing: { filesystem: string; path: string }, opts: CopyOptions): Named<adf.PipelineResource> {
  const from: Side = { kind: "gen2", fileSystem: landing.filesystem, path: "@item().landing" };
  return {
    name: PIPELINES.ingestDual,
    definition: {
      description: `Lands new files from ${landing.filesystem}/${landing.path} in Gen1 and Gen2 in parallel`,
      parameters: { folders: foldersParam(folderItems(folders, { landingRoot: landing.path })), ...windowParams() },
      // No dependency between the two copies: ADF runs them in parallel.
      activities: [
        forEachFolder(
          [copyActivity("LandInGen1", from, ITEM_GEN1, opts, "window"), copyActivity("LandInGen2", from, ITEM_GEN2, opts, "window")],
          opts.copy,
          folders.length,
        ),
      ],
    },
  };
}

// ---------------------------------------------------------------- triggers

const pipelineRef = (referenceName: string): adf.PipelineReference => ({ type: "PipelineReference", referenceName });

/**
 * A tumbling window trigger: one run per window, windows retried by the
 * retry policy, past windows backfilled from the start. ADF refuses to edit
 * frequency and interval once published, so a change to either replaces the
 * trigger (see MigrationFactory).
 */
function tumblingWindowTrigger(name: string, pipeline: string, s: ScheduleConfig, w: TriggerWindow): Named<adf.TumblingWindowTrigger> {
  const trigger: adf.TumblingWindowTrigger = {
    type: "TumblingWindowTrigger",
    description: `Runs ${pipeline} once per window; created stopped, start it with \`npm run factory -- triggers start\``,
    pipeline: {
      pipelineReference: pipelineRef(pipeline),
      parameters: { windowStart: "@trigger().outputs.windowStartTime", windowEnd: "@trigger().outputs.windowEndTime" },
    },
    frequency: s.frequency,
    interval: s.interval,
    startTime: new Date(w.startTime),
    maxConcurrency: s.maxConcurrency,
    retryPolicy: { count: s.retry.count, intervalInSeconds: s.retry.intervalInSeconds },
  };
  if (s.endTime !== undefined) trigger.endTime = new Date(s.endTime);
  if (s.delay !== undefined) trigger.delay = s.delay;
  return { name, definition: trigger };
}
