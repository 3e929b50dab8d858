import { UnsupportedError } from "./activities/context";
import type { FactoryEmulator } from "./emulator";
import { BadRunRequest, type PipelineRunRecord } from "./runs";
import type { TriggerRunRecord } from "./windows";

/**
 * The Data Factory REST operations (api-version 2018-06-01) answered from a
 * FactoryEmulator, in the shapes the @azure/arm-datafactory models
 * deserialize: Pipelines_CreateRun, PipelineRuns_Get and _QueryByFactory,
 * Triggers_Get / _Start / _Stop (start and stop are long-running, the
 * server completes them), TriggerRuns_QueryByFactory; plus the emulator's
 * own clock under /emulator/clock.
 */

export interface ArmReply {
  status: number;
  body?: unknown;
  /** A long-running operation: the server answers 202 and runs this when polled. */
  operation?: () => void;
}

const notFound = (what: string): ArmReply => ({ status: 404, body: { error: { code: "NotFound", message: `${what} not found` } } });
const badRequest = (message: string): ArmReply => ({ status: 400, body: { error: { code: "BadRequest", message } } });

/** Routes one request below `.../factories/{factory}/`; `parts` are the decoded path segments after it. */
export function factoryRoute(emu: FactoryEmulator, id: string, method: string, parts: string[], body: string): ArmReply {
  const json = (): Record<string, unknown> => (body === "" ? {} : (JSON.parse(body) as Record<string, unknown>));
  const [kind, name, action] = parts;
  if (kind === "pipelines" && action === "createRun" && method === "POST") {
    try {
      return { status: 200, body: { runId: emu.runs.create(name, json()) } };
    } catch (err) {
      if (err instanceof BadRunRequest || err instanceof UnsupportedError) return badRequest(err.message);
      throw err;
    }
  }
  if (kind === "pipelineruns" && parts.length === 2 && method === "GET") {
    const run = emu.runs.records.get(name);
    return run ? { status: 200, body: run } : notFound(`pipeline run ${name}`);
  }
  if (kind === "queryPipelineRuns" && method === "POST") return queryRuns([...emu.runs.records.values()], json(), PIPELINE_OPERANDS);
  if (kind === "queryTriggerRuns" && method === "POST") {
    return queryRuns([...emu.triggers.values()].flatMap((t) => t.triggerRuns), json(), TRIGGER_OPERANDS);
  }
  if (kind === "triggers" && name !== undefined) {
    let trigger;
    try {
      trigger = emu.trigger(name);
    } catch (err) {
      return badRequest((err as Error).message);
    }
    if (!trigger) return notFound(`trigger ${name}`);
    if (parts.length === 2 && method === "GET") return { status: 200, body: triggerResource(`${id}/triggers/${name}`, name, trigger.definition, trigger.runtimeState) };
    if (parts.length === 3 && method === "POST" && (action === "start" || action === "stop")) {
      return { status: 202, operation: () => (trigger.runtimeState = action === "start" ? "Started" : "Stopped") };
    }
  }
  return notFound(parts.join("/"));
}

/** GET /emulator/clock → {now}; POST with {advanceTo: ISO} or {advanceBySeconds: n} → the advance report. */
export async function clockRoute(emu: FactoryEmulator, method: string, body: string): Promise<ArmReply> {
  if (method === "GET") return { status: 200, body: { now: emu.now().toISOString() } };
  if (method !== "POST") return notFound("clock operation");
  const req = (body === "" ? {} : JSON.parse(body)) as { advanceTo?: string; advanceBySeconds?: number };
  try {
    if (typeof req.advanceTo === "string") return { status: 200, body: await emu.advanceTo(new Date(req.advanceTo)) };
    if (typeof req.advanceBySeconds === "number") return { status: 200, body: await emu.advanceBy(req.advanceBySeconds * 1000) };
  } catch (err) {
    return badRequest((err as Error).message);
  }
  return badRequest("give advanceTo (an ISO time) or advanceBySeconds (a number)");
}

/** The REST shape of a trigger: type-specific fields sit under typeProperties. */
function triggerResource(id: string, name: string, def: Record<string, unknown>, runtimeState: string): unknown {
  const { type, description, annotations, pipeline, ...typeProperties } = def;
  return {
    id,
    name,
    type: "Microsoft.DataFactory/factories/triggers",
    etag: `"${runtimeState}"`,
    properties: { type, description, annotations, runtimeState, pipeline, typeProperties },
  };
}

type Row = PipelineRunRecord | TriggerRunRecord;
const PIPELINE_OPERANDS: Record<string, (r: PipelineRunRecord) => string> = {
  PipelineName: (r) => r.pipelineName,
  Status: (r) => r.status,
  RunGroupId: (r) => r.runGroupId,
  TriggerName: (r) => r.invokedBy.name,
};
const TRIGGER_OPERANDS: Record<string, (r: TriggerRunRecord) => string> = {
  TriggerName: (r) => r.triggerName,
  Status: (r) => r.status,
};

/**
 * RunFilterParameters: rows updated in [lastUpdatedAfter, lastUpdatedBefore]
 * matching every filter (Equals, NotEquals, In, NotIn). Other operands or
 * operators are refused by name rather than ignored.
 */
function queryRuns<R extends Row>(rows: R[], filter: Record<string, unknown>, operands: Record<string, (r: R) => string>): ArmReply {
  const after = Date.parse(String(filter.lastUpdatedAfter));
  const before = Date.parse(String(filter.lastUpdatedBefore));
  if (Number.isNaN(after) || Number.isNaN(before)) return badRequest("lastUpdatedAfter and lastUpdatedBefore are required");
  const updated = (r: Row) => Date.parse("lastUpdated" in r ? r.lastUpdated : r.triggerRunTimestamp);
  let out = rows.filter((r) => updated(r) >= after && updated(r) <= before);
  for (const f of (filter.filters ?? []) as { operand: string; operator: string; values: string[] }[]) {
    const get = operands[f.operand];
    if (!get) return badRequest(`filter operand ${f.operand} is not supported by the emulator`);
    const test = { Equals: true, In: true, NotEquals: false, NotIn: false }[f.operator];
    if (test === undefined) return badRequest(`filter operator ${f.operator} is not supported by the emulator`);
    out = out.filter((r) => f.values.includes(get(r)) === test);
  }
  return { status: 200, body: { value: out } };
}
