import pLimit from "p-limit";
import type { JsonObject } from "../catalog";
import { resolveValue } from "../expression";
import { type ActivityContext, UnsupportedError, asArray, checkKeys } from "./context";

/**
 * ForEach: evaluates `items` to an array and runs the inner activities once
 * per item, with `item()` bound to it; `isSequential: false` runs up to
 * `batchCount` iterations at once (default 20, at most 50), and a failed
 * iteration fails the ForEach after the others finished
 * (learn.microsoft.com/azure/data-factory/control-flow-for-each-activity).
 */
export async function runForEach(
  def: JsonObject,
  ctx: ActivityContext,
  runActivities: (activities: JsonObject[], ctx: ActivityContext) => Promise<void>,
): Promise<{ iterations: number }> {
  const where = `ForEach ${String(def.name)}`;
  checkKeys(def, ["name", "type", "description", "items", "isSequential", "batchCount", "activities", "dependsOn"], where);
  const items = resolveValue(def.items, ctx.scope);
  if (!Array.isArray(items)) throw new UnsupportedError(`${where}: items evaluated to ${JSON.stringify(items)}, not an array`);
  const sequential = def.isSequential === true;
  const batchCount = def.batchCount === undefined ? 20 : Number(def.batchCount);
  if (!Number.isInteger(batchCount) || batchCount < 1 || batchCount > 50) throw new UnsupportedError(`${where}: batchCount ${String(def.batchCount)} is outside 1..50`);
  const inner = asArray(def.activities, `${where}.activities`) as JsonObject[];
  const limit = pLimit(sequential ? 1 : batchCount);
  const results = await Promise.allSettled(items.map((item) => limit(() => runActivities(inner, { ...ctx, scope: { ...ctx.scope, item } }))));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed.length > 0) {
    throw new Error(`${where}: ${failed.length} of ${items.length} iterations failed: ${failed.map((f) => (f.reason as Error).message).join("; ")}`);
  }
  return { iterations: items.length };
}
