import type { FactoryCatalog, Json, JsonObject } from "../catalog";
import type { Scope } from "../expression";
import type { LakeStore } from "../stores/store";

/** An activity run as the activity runs API reports it (subset). */
export interface ActivityRun {
  activityRunId: string;
  activityName: string;
  activityType: string;
  pipelineRunId: string;
  status: "Succeeded" | "Failed";
  activityRunStart: Date;
  activityRunEnd: Date;
  /** The attempt this run was (1 = first), counting the activity policy's retries. */
  attempt: number;
  output?: unknown;
  error?: { message: string };
}

export interface ActivityContext {
  catalog: FactoryCatalog;
  /** Lake behind each linked service name. */
  stores: ReadonlyMap<string, LakeStore>;
  scope: Scope;
  pipelineRunId: string;
  now: () => Date;
  record: (run: ActivityRun) => void;
}

/** A definition the emulator does not implement: the run fails with this message. */
export class UnsupportedError extends Error {}

/** Fails on any property outside `allowed`: an ignored property could change what ADF does. */
export function checkKeys(obj: JsonObject, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new UnsupportedError(`${where}: property "${key}" is not supported by the emulator`);
  }
}

export function asObject(v: Json | undefined, where: string): JsonObject {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new UnsupportedError(`${where}: expected an object, got ${JSON.stringify(v)}`);
  return v;
}

export function asArray(v: Json | undefined, where: string): Json[] {
  if (!Array.isArray(v)) throw new UnsupportedError(`${where}: expected an array, got ${JSON.stringify(v)}`);
  return v;
}
