import type * as adf from "@azure/arm-datafactory";
import type { CopyConfig, FolderConfig, MigrationConfig, ScheduleConfig } from "../config/migration";
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
} as const;
export const TRIGGERS = {
  incremental: "incremental-window",
  ingest: "ingest-schedule",
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

  switch (inp.pattern) {
    case "lift-and-shift":
      pipelines.push(fullCopyPipeline(all, m.copy));
      break;
    case "incremental": {
      pipelines.push(fullCopyPipeline(all, m.copy), incrementalPipeline(PIPELINES.incrementalCopy, all, m.copy));
      triggers.push(tumblingWindowTrigger(TRIGGERS.incremental, PIPELINES.incrementalCopy, requireSchedule(m)));
      break;
    }
    case "dual-pipeline": {
      if (!m.ingest) throw new Error("dual-pipeline needs migration.ingest (validated by the config schema)");
      const landing = m.ingest;
      pipelines.push(fullCopyPipeline(all, m.copy), ingestDualPipeline(all, landing, m.copy));
      triggers.push(scheduleTrigger(TRIGGERS.ingest, PIPELINES.ingestDual, requireSchedule(m)));
      break;
    }
    case "bidirectional-sync": {
      // Each folder flows only away from its current writer, so no file is
      // ever copied in both directions in the same window.
      const fromGen1 = all.filter((f) => f.writer === "gen1");
      const fromGen2 = all.filter((f) => f.writer === "gen2");
      const schedule = requireSchedule(m);
      if (fromGen1.length > 0) {
        pipelines.push(incrementalPipeline(PIPELINES.syncGen1ToGen2, fromGen1, m.copy));
        triggers.push(tumblingWindowTrigger(TRIGGERS.syncGen1ToGen2, PIPELINES.syncGen1ToGen2, schedule));
      }
      if (fromGen2.length > 0) {
        pipelines.push(reverseSyncPipeline(fromGen2, m.copy));
        triggers.push(tumblingWindowTrigger(TRIGGERS.syncGen2ToGen1, PIPELINES.syncGen2ToGen1, schedule));
      }
      break;
    }
  }

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

/** One entry of a ForEach's folder list: Gen1 path without its leading '/', as ADF folder paths are written. */
interface FolderItem {
  source: string;
  filesystem: string;
  target: string;
  landing?: string;
}

const folderItems = (folders: FolderConfig[], landingRoot?: string): FolderItem[] =>
  folders.map((f) => ({
    source: f.source.replace(/^\//, ""),
    filesystem: f.filesystem,
    target: f.target,
    ...(landingRoot === undefined ? {} : { landing: `${landingRoot}/${f.target}` }),
  }));

type Side = { kind: "gen1"; path: string } | { kind: "gen2"; fileSystem: string; path: string };

function datasetRef(side: Side): adf.DatasetReference {
  return side.kind === "gen1"
    ? { type: "DatasetReference", referenceName: DATASETS.gen1, parameters: { folderPath: expr(side.path) } }
    : { type: "DatasetReference", referenceName: DATASETS.gen2, parameters: { fileSystem: expr(side.fileSystem), folderPath: expr(side.path) } };
}

const WINDOW_START = "@pipeline().parameters.windowStart";
const WINDOW_END = "@pipeline().parameters.windowEnd";

function readSettings(from: Side["kind"], windowed: boolean): adf.StoreReadSettingsUnion {
  const window = windowed ? { modifiedDatetimeStart: expr(WINDOW_START), modifiedDatetimeEnd: expr(WINDOW_END) } : {};
  if (from === "gen1") {
    const s: adf.AzureDataLakeStoreReadSettings = { type: "AzureDataLakeStoreReadSettings", recursive: true, ...window };
    return s;
  }
  const s: adf.AzureBlobFSReadSettings = { type: "AzureBlobFSReadSettings", recursive: true, ...window };
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

function copyActivity(name: string, from: Side, to: Side, copy: CopyConfig, windowed: boolean): adf.CopyActivity {
  const source: adf.BinarySource = { type: "BinarySource", storeSettings: readSettings(from.kind, windowed) };
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
    skipErrorFile: { fileMissing: copy.skipErrorFile.fileMissing, dataInconsistency: copy.skipErrorFile.dataInconsistency },
  };
  if (copy.parallelCopies !== undefined) activity.parallelCopies = copy.parallelCopies;
  // Only the Gen1 → Gen2 migration copies carry POSIX metadata over. ADF
  // rejects preserve into Gen1, and data landing from the Gen2 landing zone
  // should take the target's default ACLs rather than the landing zone's.
  if (from.kind === "gen1" && to.kind === "gen2" && copy.preserve.length > 0) activity.preserve = [...copy.preserve];
  if (copy.logFilesystem !== undefined) {
    activity.logSettings = {
      enableCopyActivityLog: true,
      copyActivityLogSettings: { logLevel: copy.logLevel, enableReliableLogging: false },
      logLocationSettings: { linkedServiceName: lsRef(LINKED_SERVICES.gen2), path: `${copy.logFilesystem}/${copy.logPath}` },
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

function fullCopyPipeline(folders: FolderConfig[], copy: CopyConfig): Named<adf.PipelineResource> {
  return {
    name: PIPELINES.fullCopy,
    definition: {
      description: "Copies every configured Gen1 folder to Gen2 in full, keeping ACLs, owner and group",
      parameters: { folders: foldersParam(folderItems(folders)) },
      activities: [forEachFolder([copyActivity("CopyFolder", ITEM_GEN1, ITEM_GEN2, copy, false)], copy, folders.length)],
    },
  };
}

function incrementalPipeline(name: string, folders: FolderConfig[], copy: CopyConfig): Named<adf.PipelineResource> {
  return {
    name,
    definition: {
      description: "Copies Gen1 files modified in [windowStart, windowEnd) to Gen2",
      parameters: { folders: foldersParam(folderItems(folders)), ...windowParams() },
      activities: [forEachFolder([copyActivity("CopyWindow", ITEM_GEN1, ITEM_GEN2, copy, true)], copy, folders.length)],
    },
  };
}

function reverseSyncPipeline(folders: FolderConfig[], copy: CopyConfig): Named<adf.PipelineResource> {
  return {
    name: PIPELINES.syncGen2ToGen1,
    definition: {
      description: "Copies Gen2 files modified in [windowStart, windowEnd) back to Gen1 for folders Gen2 workloads now write",
      parameters: { folders: foldersParam(folderItems(folders)), ...windowParams() },
      activities: [forEachFolder([copyActivity("CopyWindowToGen1", ITEM_GEN2, ITEM_GEN1, copy, true)], copy, folders.length)],
    },
  };
}

function ingestDualPipeline(folders: FolderConfig[], landing: { filesystem: string; path: string }, copy: CopyConfig): Named<adf.PipelineResource> {
  const from: Side = { kind: "gen2", fileSystem: landing.filesystem, path: "@item().landing" };
  return {
    name: PIPELINES.ingestDual,
    definition: {
      description: `Lands new files from ${landing.filesystem}/${landing.path} in Gen1 and Gen2 in parallel`,
      parameters: { folders: foldersParam(folderItems(folders, landing.path)), ...windowParams() },
      // No dependency between the two copies: ADF runs them in parallel.
      activities: [
        forEachFolder(
          [copyActivity("LandInGen1", from, ITEM_GEN1, copy, true), copyActivity("LandInGen2", from, ITEM_GEN2, copy, true)],
          copy,
          folders.length,
        ),
      ],
    },
  };
}

// ---------------------------------------------------------------- triggers

const pipelineRef = (referenceName: string): adf.PipelineReference => ({ type: "PipelineReference", referenceName });

function tumblingWindowTrigger(name: string, pipeline: string, s: ScheduleConfig): Named<adf.TumblingWindowTrigger> {
  const trigger: adf.TumblingWindowTrigger = {
    type: "TumblingWindowTrigger",
    description: `Runs ${pipeline} once per window; created stopped, start it with \`npm run factory -- triggers start\``,
    pipeline: {
      pipelineReference: pipelineRef(pipeline),
      parameters: { windowStart: "@trigger().outputs.windowStartTime", windowEnd: "@trigger().outputs.windowEndTime" },
    },
    frequency: s.frequency,
    interval: s.interval,
    startTime: new Date(s.startTime),
    maxConcurrency: s.maxConcurrency,
    retryPolicy: { count: s.retry.count, intervalInSeconds: s.retry.intervalInSeconds },
  };
  if (s.endTime !== undefined) trigger.endTime = new Date(s.endTime);
  if (s.delay !== undefined) trigger.delay = s.delay;
  return { name, definition: trigger };
}

function scheduleTrigger(name: string, pipeline: string, s: ScheduleConfig): Named<adf.ScheduleTrigger> {
  const trigger: adf.ScheduleTrigger = {
    type: "ScheduleTrigger",
    description: `Runs ${pipeline} on a schedule; created stopped, start it with \`npm run factory -- triggers start\``,
    pipelines: [
      {
        pipelineReference: pipelineRef(pipeline),
        // A schedule trigger has no window: the run covers the interval before its
        // scheduled time (subtractFromTime takes the same unit names as the recurrence).
        parameters: {
          windowStart: `@subtractFromTime(trigger().scheduledTime, ${s.interval}, '${s.frequency}')`,
          windowEnd: "@trigger().scheduledTime",
        },
      },
    ],
    recurrence: { frequency: s.frequency, interval: s.interval, startTime: new Date(s.startTime), timeZone: s.timeZone ?? "UTC" },
  };
  if (s.endTime !== undefined) trigger.recurrence.endTime = new Date(s.endTime);
  return { name, definition: trigger };
}
