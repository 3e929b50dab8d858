import { randomUUID } from "crypto";
import type { JsonObject } from "../catalog";
import { runCopyActivity } from "./copy";
import { type ActivityContext, UnsupportedError, asObject, checkKeys } from "./context";
import { runForEach } from "./forEach";

/**
 * Runs a list of activities. Activities without dependencies run in
 * parallel (learn.microsoft.com/azure/data-factory/concepts-pipelines-activities,
 * "Activity dependency"); the project's definitions have none, so a
 * non-empty dependsOn fails the run rather than being ignored. The list
 * fails when any activity failed, after all of them ended.
 */
export async function runActivities(activities: JsonObject[], ctx: ActivityContext): Promise<void> {
  const results = await Promise.allSettled(activities.map((a) => runActivity(a, ctx)));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed.length > 0) throw failed.length === 1 ? failed[0].reason : new Error(failed.map((f) => (f.reason as Error).message).join("; "));
}

/**
 * One activity with its policy: `retry` more attempts after a failure
 * (activity policy, concepts-pipelines-activities "Activity policy"). The
 * retry interval is not waited for: activity time is not on the emulator's
 * clock. Definitions the emulator does not understand are not retried.
 */
async function runActivity(def: JsonObject, ctx: ActivityContext): Promise<void> {
  const name = String(def.name);
  if (Array.isArray(def.dependsOn) && def.dependsOn.length > 0) throw new UnsupportedError(`activity ${name}: dependsOn is not supported by the emulator`);
  const retries = policyRetries(def, name);
  for (let attempt = 1; ; attempt++) {
    const activityRunId = randomUUID();
    const started = ctx.now();
    try {
      const output = await dispatch(def, ctx, activityRunId);
      ctx.record({ activityRunId, activityName: name, activityType: String(def.type), pipelineRunId: ctx.pipelineRunId, status: "Succeeded", activityRunStart: started, activityRunEnd: ctx.now(), attempt, output });
      return;
    } catch (err) {
      const message = (err as Error).message;
      ctx.record({ activityRunId, activityName: name, activityType: String(def.type), pipelineRunId: ctx.pipelineRunId, status: "Failed", activityRunStart: started, activityRunEnd: ctx.now(), attempt, error: { message } });
      if (err instanceof UnsupportedError || attempt > retries) throw err;
    }
  }
}

function dispatch(def: JsonObject, ctx: ActivityContext, activityRunId: string): Promise<unknown> {
  switch (def.type) {
    case "Copy":
      return runCopyActivity(def, ctx, activityRunId);
    case "ForEach":
      return runForEach(def, ctx, runActivities);
    default:
      throw new UnsupportedError(`activity ${String(def.name)}: type ${String(def.type)} is not supported by the emulator`);
  }
}

function policyRetries(def: JsonObject, name: string): number {
  if (def.policy === undefined) return 0;
  const p = asObject(def.policy, `activity ${name}.policy`);
  checkKeys(p, ["timeout", "retry", "retryIntervalInSeconds", "secureInput", "secureOutput"], `activity ${name}.policy`);
  const retry = p.retry === undefined ? 0 : Number(p.retry);
  if (!Number.isInteger(retry) || retry < 0) throw new UnsupportedError(`activity ${name}: policy.retry ${String(p.retry)} is not a non-negative integer`);
  return retry;
}
