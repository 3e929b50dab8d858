import type { Json, JsonObject } from "../catalog";
import { type CopyOutput, type CopySpec, type PreserveKind, type SkipOptions, runCopy } from "../copy";
import { type Scope, type Value, resolveValue } from "../expression";
import type { LakeStore, Location } from "../stores/store";
import { type ActivityContext, UnsupportedError, asArray, asObject, checkKeys } from "./context";

/**
 * Reads a Copy activity's JSON, strictly: every property is either
 * understood or fails the run by name. Binary datasets between the
 * AzureDataLakeStore (Gen1) and AzureBlobFS (Gen2) connectors only.
 * Property names follow the @azure/arm-datafactory models (CopyActivity,
 * BinarySource/BinarySink, AzureDataLakeStore/AzureBlobFS read and write
 * settings, BinaryDataset and its locations).
 */

/** dataIntegrationUnits and parallelCopies only tune throughput: accepted, no effect on what is copied. */
const COPY_KEYS = [
  "name", "type", "description", "dependsOn", "policy", "inputs", "outputs", "source", "sink",
  "dataIntegrationUnits", "parallelCopies", "validateDataConsistency", "skipErrorFile", "preserve", "logSettings",
] as const;

const CONNECTORS: Record<string, { generation: LakeStore["generation"]; location: string; read: string; write: string }> = {
  AzureDataLakeStore: { generation: "gen1", location: "AzureDataLakeStoreLocation", read: "AzureDataLakeStoreReadSettings", write: "AzureDataLakeStoreWriteSettings" },
  AzureBlobFS: { generation: "gen2", location: "AzureBlobFSLocation", read: "AzureBlobFSReadSettings", write: "AzureBlobFSWriteSettings" },
};

interface Side {
  store: LakeStore;
  location: Location;
  connector: (typeof CONNECTORS)[string];
}

export async function runCopyActivity(def: JsonObject, ctx: ActivityContext, activityRunId: string): Promise<CopyOutput> {
  const name = String(def.name);
  const where = `Copy ${name}`;
  checkKeys(def, COPY_KEYS, where);
  const from = datasetSide(single(def.inputs, `${where}.inputs`), ctx);
  const to = datasetSide(single(def.outputs, `${where}.outputs`), ctx);
  const read = sourceSettings(asObject(def.source, `${where}.source`), from, ctx.scope, where);
  sinkSettings(asObject(def.sink, `${where}.sink`), to, ctx.scope, where);
  const preserve = preserveList(def.preserve, to, where);
  const spec: CopySpec = {
    activityName: name,
    activityRunId,
    source: { store: from.store, location: from.location, ...read },
    sink: { store: to.store, location: to.location },
    preserve,
    validateDataConsistency: bool(def.validateDataConsistency, ctx.scope, false, `${where}.validateDataConsistency`),
    skip: skipOptions(def.skipErrorFile, ctx.scope, where),
    log: logTarget(def.logSettings, ctx, where),
    now: ctx.now,
  };
  return runCopy(spec);
}

function single(v: Json | undefined, where: string): JsonObject {
  const list = asArray(v, where);
  if (list.length !== 1) throw new UnsupportedError(`${where}: exactly one dataset reference expected, got ${list.length}`);
  return asObject(list[0], where);
}

/** Resolves a DatasetReference: its parameters in the activity's scope, the dataset's location in the dataset's scope. */
function datasetSide(ref: JsonObject, ctx: ActivityContext): Side {
  checkKeys(ref, ["type", "referenceName", "parameters"], "dataset reference");
  const dsName = String(ref.referenceName);
  const ds = ctx.catalog.datasets.get(dsName);
  if (!ds) throw new UnsupportedError(`dataset ${dsName} does not exist in the factory`);
  checkKeys(ds, ["type", "description", "linkedServiceName", "parameters", "location", "annotations"], `dataset ${dsName}`);
  if (ds.type !== "Binary") throw new UnsupportedError(`dataset ${dsName}: type ${String(ds.type)} is not supported (Binary only)`);
  const params = bindParameters(asObject(ds.parameters ?? {}, `dataset ${dsName}.parameters`), asObject(ref.parameters ?? {}, "dataset reference parameters"), ctx.scope, `dataset ${dsName}`);
  const lsName = String(asObject(ds.linkedServiceName, `dataset ${dsName}.linkedServiceName`).referenceName);
  const ls = ctx.catalog.linkedServices.get(lsName);
  const connector = ls && CONNECTORS[String(ls.type)];
  if (!ls || !connector) throw new UnsupportedError(`linked service ${lsName}: ${ls ? `type ${String(ls.type)} is not supported` : "does not exist"}`);
  const store = ctx.stores.get(lsName);
  if (!store || store.generation !== connector.generation) throw new UnsupportedError(`linked service ${lsName}: no ${connector.generation} lake is bound to it in the emulator`);
  const loc = asObject(ds.location, `dataset ${dsName}.location`);
  const dsScope: Scope = { ...ctx.scope, dataset: params };
  checkKeys(loc, connector.generation === "gen2" ? ["type", "fileSystem", "folderPath"] : ["type", "folderPath"], `dataset ${dsName}.location`);
  if (loc.type !== connector.location) throw new UnsupportedError(`dataset ${dsName}: location ${String(loc.type)} does not match linked service type ${String(ls.type)}`);
  const folderPath = str(loc.folderPath, dsScope, `dataset ${dsName}.location.folderPath`, true);
  const fileSystem = connector.generation === "gen2" ? str(loc.fileSystem, dsScope, `dataset ${dsName}.location.fileSystem`, false) : undefined;
  return { store, connector, location: { fileSystem, path: folderPath } };
}

function bindParameters(declared: JsonObject, given: JsonObject, scope: Scope, where: string): { [key: string]: Value } {
  const out: { [key: string]: Value } = {};
  for (const key of Object.keys(given)) if (!(key in declared)) throw new UnsupportedError(`${where}: parameter "${key}" is not declared`);
  for (const [key, spec] of Object.entries(declared)) {
    const s = asObject(spec, `${where}.parameters.${key}`);
    if (key in given) out[key] = resolveValue(given[key], scope);
    else if ("defaultValue" in s) out[key] = s.defaultValue as Value;
    else throw new UnsupportedError(`${where}: parameter "${key}" has no value`);
  }
  return out;
}

type ReadSettings = { recursive: boolean; modifiedStart?: number; modifiedEnd?: number; fileList?: Location };

function sourceSettings(source: JsonObject, side: Side, scope: Scope, where: string): ReadSettings {
  checkKeys(source, ["type", "storeSettings"], `${where}.source`);
  if (source.type !== "BinarySource") throw new UnsupportedError(`${where}: source type ${String(source.type)} is not supported`);
  const s = asObject(source.storeSettings, `${where}.source.storeSettings`);
  checkKeys(s, ["type", "recursive", "modifiedDatetimeStart", "modifiedDatetimeEnd", "fileListPath"], `${where}.source.storeSettings`);
  if (s.type !== side.connector.read) throw new UnsupportedError(`${where}: read settings ${String(s.type)} do not match the source dataset's connector`);
  if (s.fileListPath !== undefined) return fileListSettings(s, side, scope, where);
  return {
    // "recursive ... Default is true" (connector-azure-data-lake-store, source properties).
    recursive: bool(s.recursive, scope, true, `${where}.recursive`),
    modifiedStart: time(s.modifiedDatetimeStart, scope, `${where}.modifiedDatetimeStart`),
    modifiedEnd: time(s.modifiedDatetimeEnd, scope, `${where}.modifiedDatetimeEnd`),
  };
}

/**
 * `fileListPath`: "a text file that includes a list of files you want to
 * copy, one file per line, which is the relative path to the path
 * configured in the dataset"; the list lives "in the same data store", and
 * `recursive` and `modifiedDatetimeStart/End` do not apply with it (ADF file
 * connectors, "File list examples", e.g.
 * https://learn.microsoft.com/en-us/azure/data-factory/connector-azure-data-lake-store).
 * Setting those beside a list is refused rather than silently ignored. Gen1
 * sources only: the path is from the account root.
 */
function fileListSettings(s: JsonObject, side: Side, scope: Scope, where: string): ReadSettings {
  for (const key of ["recursive", "modifiedDatetimeStart", "modifiedDatetimeEnd"]) {
    if (s[key] !== undefined) throw new UnsupportedError(`${where}: ${key} does not apply with fileListPath (ADF ignores it); remove it`);
  }
  if (side.connector.generation !== "gen1") throw new UnsupportedError(`${where}: fileListPath is supported by the emulator for Gen1 sources only`);
  return { recursive: false, fileList: { path: str(s.fileListPath, scope, `${where}.source.storeSettings.fileListPath`, false) } };
}

function sinkSettings(sink: JsonObject, side: Side, scope: Scope, where: string): void {
  checkKeys(sink, ["type", "storeSettings"], `${where}.sink`);
  if (sink.type !== "BinarySink") throw new UnsupportedError(`${where}: sink type ${String(sink.type)} is not supported`);
  const s = asObject(sink.storeSettings, `${where}.sink.storeSettings`);
  checkKeys(s, ["type", "copyBehavior"], `${where}.sink.storeSettings`);
  if (s.type !== side.connector.write) throw new UnsupportedError(`${where}: write settings ${String(s.type)} do not match the sink dataset's connector`);
  const behavior = s.copyBehavior === undefined ? "PreserveHierarchy" : resolveValue(s.copyBehavior, scope);
  if (behavior !== "PreserveHierarchy") throw new UnsupportedError(`${where}: copyBehavior ${JSON.stringify(behavior)} is not supported (PreserveHierarchy only)`);
}

function preserveList(v: Json | undefined, to: Side, where: string): Set<PreserveKind> {
  const list = v === undefined ? [] : asArray(v, `${where}.preserve`);
  const out = new Set<PreserveKind>();
  for (const p of list) {
    if (p !== "ACL" && p !== "Owner" && p !== "Group") throw new UnsupportedError(`${where}: preserve "${String(p)}" is not supported`);
    out.add(p);
  }
  // copy-activity-preserve-metadata: ACLs are preserved from Gen1/Gen2 to Gen2 only; the service rejects other sinks.
  if (out.size > 0 && to.connector.generation !== "gen2") throw new UnsupportedError(`${where}: preserve ${[...out].join(",")} needs a Gen2 sink; ADF rejects it for ${to.connector.location}`);
  return out;
}

function skipOptions(v: Json | undefined, scope: Scope, where: string): SkipOptions {
  const s = v === undefined ? {} : asObject(v, `${where}.skipErrorFile`);
  checkKeys(s, ["fileMissing", "dataInconsistency", "invalidFileName", "fileForbidden"], `${where}.skipErrorFile`);
  // Defaults from the SkipErrorFile model: fileMissing true, the others false.
  return {
    fileMissing: bool(s.fileMissing, scope, true, `${where}.skipErrorFile.fileMissing`),
    dataInconsistency: bool(s.dataInconsistency, scope, false, `${where}.skipErrorFile.dataInconsistency`),
    invalidFileName: bool(s.invalidFileName, scope, false, `${where}.skipErrorFile.invalidFileName`),
    fileForbidden: bool(s.fileForbidden, scope, false, `${where}.skipErrorFile.fileForbidden`),
  };
}

function logTarget(v: Json | undefined, ctx: ActivityContext, where: string): CopySpec["log"] {
  if (v === undefined) return undefined;
  const s = asObject(v, `${where}.logSettings`);
  checkKeys(s, ["enableCopyActivityLog", "copyActivityLogSettings", "logLocationSettings"], `${where}.logSettings`);
  if (!bool(s.enableCopyActivityLog, ctx.scope, false, `${where}.logSettings.enableCopyActivityLog`)) return undefined;
  const level = asObject(s.copyActivityLogSettings ?? {}, `${where}.copyActivityLogSettings`);
  checkKeys(level, ["logLevel", "enableReliableLogging"], `${where}.copyActivityLogSettings`);
  const logLevel = level.logLevel === undefined ? "Info" : resolveValue(level.logLevel, ctx.scope);
  if (logLevel !== "Info" && logLevel !== "Warning") throw new UnsupportedError(`${where}: logLevel ${JSON.stringify(logLevel)} is not supported`);
  const loc = asObject(s.logLocationSettings, `${where}.logLocationSettings`);
  checkKeys(loc, ["linkedServiceName", "path"], `${where}.logLocationSettings`);
  const lsName = String(asObject(loc.linkedServiceName, `${where}.logLocationSettings.linkedServiceName`).referenceName);
  const store = ctx.stores.get(lsName);
  if (!store || store.generation !== "gen2") throw new UnsupportedError(`${where}: session logs go to a Gen2 linked service; ${lsName} is not one bound in the emulator`);
  // For AzureBlobFS the log path is "<filesystem>/<folder>" (copy-activity-log, logLocationSettings.path).
  const [fileSystem, ...rest] = str(loc.path, ctx.scope, `${where}.logLocationSettings.path`, false).split("/").filter((x) => x !== "");
  return { store, level: logLevel, location: { fileSystem, path: rest.join("/") } };
}

function str(v: Json | undefined, scope: Scope, where: string, allowEmpty: boolean): string {
  const r = resolveValue(v, scope);
  if (typeof r !== "string" || (!allowEmpty && r === "")) throw new UnsupportedError(`${where}: expected a string, got ${JSON.stringify(r)}`);
  return r;
}

function bool(v: Json | undefined, scope: Scope, dflt: boolean, where: string): boolean {
  if (v === undefined) return dflt;
  const r = resolveValue(v, scope);
  if (typeof r !== "boolean") throw new UnsupportedError(`${where}: expected a boolean, got ${JSON.stringify(r)}`);
  return r;
}

function time(v: Json | undefined, scope: Scope, where: string): number | undefined {
  if (v === undefined) return undefined;
  const r = resolveValue(v, scope);
  if (r === null || r === "") return undefined;
  const t = typeof r === "string" ? Date.parse(r) : NaN;
  if (Number.isNaN(t)) throw new UnsupportedError(`${where}: ${JSON.stringify(r)} is not a datetime`);
  return t;
}
