import { randomUUID } from "crypto";
import type { ActivityRun } from "./activities/context";
import { UnsupportedError, asArray, asObject, checkKeys } from "./activities/context";
import { runActivities } from "./activities/run";
import type { FactoryCatalog, Json, JsonObject } from "./catalog";
import { type Scope, type Value, formatRoundTrip } from "./expression";
import type { LakeStore } from "./stores/store";

/** A pipeline run in the shape of the ARM PipelineRun model (@azure/arm-datafactory). */
export interface PipelineRunRecord {
  runId: string;
  runGroupId: string;
  isLatest: boolean;
  pipelineName: string;
  parameters: Record<string, string>;
  invokedBy: { name: string; id: string; invokedByType: string; pipelineName?: string; pipelineRunId?: string };
  lastUpdated: string;
  runStart: string;
  runEnd?: string;
  durationInMs?: number;
  status: "Queued" | "InProgress" | "Succeeded" | "Failed";
  message: string;
}

/** createRun refused (HTTP 400 from ARM): nothing was started. */
export class BadRunRequest extends Error {}

export interface Invocation {
  invokedByType: "Manual" | "TumblingWindowTrigger";
  name: string;
  trigger?: Scope["trigger"];
}

const PIPELINE_KEYS = ["activities", "parameters", "description"];
const PARAM_TYPES: Record<string, (v: unknown) => boolean> = {
  String: (v) => typeof v === "string",
  SecureString: (v) => typeof v === "string",
  Int: (v) => Number.isInteger(v),
  Float: (v) => typeof v === "number",
  Bool: (v) => typeof v === "boolean",
  Array: (v) => Array.isArray(v),
  Object: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
};

/** Runs pipelines of one factory and keeps their records and activity runs. */
export class PipelineRuns {
  readonly records = new Map<string, PipelineRunRecord>();
  readonly activityRuns = new Map<string, ActivityRun[]>();
  private readonly done = new Map<string, Promise<PipelineRunRecord>>();

  constructor(
    private readonly catalog: FactoryCatalog,
    private readonly stores: ReadonlyMap<string, LakeStore>,
    private readonly now: () => Date,
  ) {}

  /** Starts a run (as createRun does) and returns its id at once; the run goes on in the background. */
  create(pipelineName: string, given: Record<string, unknown>, by: Invocation = { invokedByType: "Manual", name: "Manual" }): string {
    const pipeline = this.catalog.pipelines.get(pipelineName);
    if (!pipeline) throw new BadRunRequest(`pipeline ${pipelineName} does not exist in factory ${this.catalog.factoryName}`);
    const parameters = bindPipelineParameters(pipeline, given, pipelineName);
    const runId = randomUUID();
    const start = this.now();
    const record: PipelineRunRecord = {
      runId,
      runGroupId: runId,
      isLatest: true,
      pipelineName,
      parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
      invokedBy: { name: by.name, id: randomUUID().replace(/-/g, ""), invokedByType: by.invokedByType },
      lastUpdated: start.toISOString(),
      runStart: start.toISOString(),
      status: "InProgress",
      message: "",
    };
    this.records.set(runId, record);
    this.activityRuns.set(runId, []);
    this.done.set(runId, this.execute(record, pipeline, parameters, by, start));
    return runId;
  }

  /** Resolves when the run has ended, with its final record. */
  wait(runId: string): Promise<PipelineRunRecord> {
    const p = this.done.get(runId);
    if (!p) return Promise.reject(new Error(`no pipeline run ${runId}`));
    return p;
  }

  private async execute(record: PipelineRunRecord, pipeline: JsonObject, parameters: { [k: string]: Value }, by: Invocation, start: Date): Promise<PipelineRunRecord> {
    const t0 = performance.now();
    try {
      checkKeys(pipeline, PIPELINE_KEYS, `pipeline ${record.pipelineName}`);
      const scope: Scope = {
        pipeline: { parameters, RunId: record.runId, Pipeline: record.pipelineName, TriggerType: by.invokedByType, TriggerName: by.name, TriggerTime: formatRoundTrip(start) },
        ...(by.trigger ? { trigger: by.trigger } : {}),
      };
      const activities = asArray(pipeline.activities, `pipeline ${record.pipelineName}.activities`).map((a) => asObject(a, "activity"));
      await runActivities(activities, {
        catalog: this.catalog,
        stores: this.stores,
        scope,
        pipelineRunId: record.runId,
        now: this.now,
        record: (run) => this.activityRuns.get(record.runId)!.push(run),
      });
      record.status = "Succeeded";
    } catch (err) {
      record.status = "Failed";
      record.message = (err as Error).message;
    }
    const end = this.now();
    record.runEnd = end.toISOString();
    record.lastUpdated = end.toISOString();
    record.durationInMs = Math.round(performance.now() - t0);
    return record;
  }
}

/** Declared parameters get the given value or their default; undeclared, missing or mistyped ones refuse the run. */
function bindPipelineParameters(pipeline: JsonObject, given: Record<string, unknown>, name: string): { [k: string]: Value } {
  const declared = pipeline.parameters === undefined ? {} : asObject(pipeline.parameters as Json, `pipeline ${name}.parameters`);
  const out: { [k: string]: Value } = {};
  for (const key of Object.keys(given)) if (!(key in declared)) throw new BadRunRequest(`pipeline ${name} has no parameter "${key}"`);
  for (const [key, specJson] of Object.entries(declared)) {
    const spec = asObject(specJson, `pipeline ${name}.parameters.${key}`);
    const value = key in given ? given[key] : spec.defaultValue;
    if (value === undefined) throw new BadRunRequest(`pipeline ${name}: parameter "${key}" needs a value (it has no default)`);
    const check = PARAM_TYPES[String(spec.type)];
    if (!check) throw new UnsupportedError(`pipeline ${name}: parameter type ${String(spec.type)} is not supported`);
    if (!check(value)) throw new BadRunRequest(`pipeline ${name}: parameter "${key}" must be of type ${String(spec.type)}, got ${JSON.stringify(value)}`);
    out[key] = value as Value;
  }
  return out;
}
