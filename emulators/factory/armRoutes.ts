import { type ActivityRun, UnsupportedError } from "./activities/context";
import type { FactoryEmulator } from "./emulator";
import { BadRunRequest, type PipelineRunRecord } from "./runs";
import type { TriggerRunRecord } from "./windows";

/**
 * The Data Factory REST operations (api-version 2018-06-01) answered from a
 * FactoryEmulator, in the shapes the @azure/arm-datafactory models
 * deserialize: Pipelines_CreateRun, PipelineRuns_Get and _QueryByFactory,
 * ActivityRuns_QueryByPipelineRun, Triggers_Get / _Start / _Stop (start and
 * stop are long-running, the server completes them),
 * TriggerRuns_QueryByFactory; plus the emulator's own clock under
 * /emulator/clock.
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
  if (kind === "pipelineruns" && action === "queryActivityruns" && method === "POST") {
    const run = emu.runs.records.get(name);
    if (!run) return notFound(`pipeline run ${name}`);
    const rows = (emu.runs.activityRuns.get(name) ?? []).map((a) => activityRunResource(a, run.pipelineName));
    return queryRuns(rows, json(), ACTIVITY_OPERANDS, (r) => r.activityRunEnd, ACTIVITY_RUNS_PAGE);
  }
  if (kind === "queryPipelineRuns" && method === "POST") return queryRuns([...emu.runs.records.values()], json(), PIPELINE_OPERANDS, (r) => r.lastUpdated);
  if (kind === "queryTriggerRuns" && method === "POST") {
    return queryRuns([...emu.triggers.values()].flatMap((t) => t.triggerRuns), json(), TRIGGER_OPERANDS, (r) => r.triggerRunTimestamp);
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

/**
 * An activity run in the REST shape (azure-rest-api-specs, datafactory
 * 2018-06-01 example ActivityRuns_QueryByPipelineRun.json): times as ISO
 * strings, `error` with errorCode/message/failureType/target (empty
 * strings when the run succeeded; the emulator has no error codes or
 * failure types, so only a failed run's message is set), `input` and
 * `output` objects.
 */
interface ActivityRunResource {
  activityRunId: string;
  activityName: string;
  activityType: string;
  pipelineRunId: string;
  pipelineName: string;
  status: string;
  activityRunStart: string;
  activityRunEnd: string;
  durationInMs: number;
  input: Record<string, never>;
  output: unknown;
  error: { errorCode: string; message: string; failureType: string; target: string };
  linkedServiceName: string;
  userProperties: Record<string, never>;
}

function activityRunResource(a: ActivityRun, pipelineName: string): ActivityRunResource {
  return {
    activityRunId: a.activityRunId,
    activityName: a.activityName,
    activityType: a.activityType,
    pipelineRunId: a.pipelineRunId,
    pipelineName,
    status: a.status,
    activityRunStart: a.activityRunStart.toISOString(),
    activityRunEnd: a.activityRunEnd.toISOString(),
    durationInMs: a.activityRunEnd.getTime() - a.activityRunStart.getTime(),
    input: {},
    output: a.output ?? {},
    error: { errorCode: "", message: a.error?.message ?? "", failureType: "", target: a.activityName },
    linkedServiceName: "",
    userProperties: {},
  };
}

/** Activity runs per page: small, so that clients follow continuationToken as they must with the real service. */
const ACTIVITY_RUNS_PAGE = 2;

type Row = PipelineRunRecord | TriggerRunRecord | ActivityRunResource;
// Activity run operands: RunQueryFilter.operand (@azure/arm-datafactory) lists ActivityName, ActivityRunStart, ActivityRunEnd, ActivityType and Status.
const ACTIVITY_OPERANDS: Record<string, (r: ActivityRunResource) => string> = {
  ActivityName: (r) => r.activityName,
  ActivityType: (r) => r.activityType,
  Status: (r) => r.status,
};
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
 * RunFilterParameters: rows updated (`updatedAt`) in [lastUpdatedAfter,
 * lastUpdatedBefore] matching every filter (Equals, NotEquals, In, NotIn).
 * Other operands or operators are refused by name rather than ignored. With
 * `page`, one page of rows from continuationToken (an offset) on.
 */
function queryRuns<R extends Row>(rows: R[], filter: Record<string, unknown>, operands: Record<string, (r: R) => string>, updatedAt: (r: R) => string, page?: number): ArmReply {
  const after = Date.parse(String(filter.lastUpdatedAfter));
  const before = Date.parse(String(filter.lastUpdatedBefore));
  if (Number.isNaN(after) || Number.isNaN(before)) return badRequest("lastUpdatedAfter and lastUpdatedBefore are required");
  const updated = (r: R) => Date.parse(updatedAt(r));
  let out = rows.filter((r) => updated(r) >= after && updated(r) <= before);
  for (const f of (filter.filters ?? []) as { operand: string; operator: string; values: string[] }[]) {
    const get = operands[f.operand];
    if (!get) return badRequest(`filter operand ${f.operand} is not supported by the emulator`);
    const test = { Equals: true, In: true, NotEquals: false, NotIn: false }[f.operator];
    if (test === undefined) return badRequest(`filter operator ${f.operator} is not supported by the emulator`);
    out = out.filter((r) => f.values.includes(get(r)) === test);
  }
  if (page === undefined) return { status: 200, body: { value: out } };
  const offset = filter.continuationToken === undefined || filter.continuationToken === null ? 0 : Number(filter.continuationToken);
  if (!Number.isInteger(offset) || offset < 0) return badRequest(`continuationToken ${JSON.stringify(filter.continuationToken)} was not given by this server`);
  const next = offset + page;
  return { status: 200, body: { value: out.slice(offset, next), ...(next < out.length ? { continuationToken: String(next) } : {}) } };
}
