import type { DataFactoryManagementClient, TriggerRun } from "@azure/arm-datafactory";
import { CommandFailed } from "../lib/cli";
import type { FactoryTarget } from "./target";

/**
 * The window runs of one tumbling window trigger, for gating a writer flip or
 * a cut-over on a *Succeeded* window that covers a given moment.
 *
 * Trigger runs come from Trigger Runs - Query By Factory
 * (POST .../factories/{factory}/queryTriggerRuns?api-version=2018-06-01, body
 * RunFilterParameters {lastUpdatedAfter, lastUpdatedBefore, filters:
 * [{operand: "TriggerName", operator: "Equals", values}], continuationToken};
 * response {value: TriggerRun[], continuationToken}:
 * https://learn.microsoft.com/en-us/rest/api/datafactory/trigger-runs/query-by-factory).
 * A trigger run names the pipeline run it started in `triggeredPipelines`
 * (pipeline name → run id, as in that page's example). The window itself is
 * read from that pipeline run's parameters: every trigger of this stack
 * passes @trigger().outputs.windowStartTime/windowEndTime as the pipeline
 * parameters windowStart/windowEnd, and Pipeline Runs - Get returns the
 * parameters a run used
 * (https://learn.microsoft.com/en-us/rest/api/datafactory/pipeline-runs/get).
 */

export interface WindowRun {
  triggerRunId: string;
  /** Trigger run status: Succeeded, Failed or Inprogress. */
  triggerStatus: string;
  /** Status of the pipeline run the window started (Queued, InProgress, Succeeded, Failed, Canceling, Cancelled), when it started one. */
  runStatus?: string;
  runId?: string;
  windowStart?: Date;
  windowEnd?: Date;
  triggeredAt?: Date;
  message?: string;
}

export interface WindowQueryOptions {
  /** Trigger runs updated at or after this moment (required by the API). */
  since: Date;
  /** … and at or before this one; default now. */
  until?: Date;
  /** Result pages to read at most (default 50); each holds up to the page size the service picks. */
  maxPages?: number;
  abortSignal?: AbortSignal;
}

/** Every window run of `trigger` updated in [since, until], oldest window first. */
export async function windowRuns(client: DataFactoryManagementClient, target: FactoryTarget, trigger: string, opts: WindowQueryOptions): Promise<WindowRun[]> {
  const runs: TriggerRun[] = [];
  let continuationToken: string | undefined;
  for (let page = 0; page < (opts.maxPages ?? 50); page++) {
    const res = await client.triggerRuns.queryByFactory(
      target.resourceGroupName,
      target.factoryName,
      {
        lastUpdatedAfter: opts.since,
        lastUpdatedBefore: opts.until ?? new Date(),
        filters: [{ operand: "TriggerName", operator: "Equals", values: [trigger] }],
        continuationToken,
      },
      { abortSignal: opts.abortSignal },
    );
    runs.push(...res.value);
    continuationToken = res.continuationToken ?? undefined;
    if (!continuationToken) break;
  }
  // A gate must not pass on a list it did not finish reading: a failed window on an unread page would be invisible.
  if (continuationToken) {
    throw new CommandFailed(`windows ${trigger}: more than ${opts.maxPages ?? 50} pages of trigger runs since ${opts.since.toISOString()}; pass a later --since to read them all`);
  }
  const out: WindowRun[] = [];
  for (const run of runs) out.push(await withPipelineRun(client, target, run, opts.abortSignal));
  return out.sort((a, b) => (a.windowStart?.getTime() ?? 0) - (b.windowStart?.getTime() ?? 0));
}

async function withPipelineRun(client: DataFactoryManagementClient, target: FactoryTarget, run: TriggerRun, abortSignal?: AbortSignal): Promise<WindowRun> {
  const base: WindowRun = {
    triggerRunId: run.triggerRunId ?? "",
    triggerStatus: run.status ?? "unknown",
    triggeredAt: run.triggerRunTimestamp,
    message: run.message || undefined,
  };
  const [runId] = Object.values(run.triggeredPipelines ?? {});
  if (runId === undefined) return base;
  const p = await client.pipelineRuns.get(target.resourceGroupName, target.factoryName, runId, { abortSignal });
  const instant = (v: unknown) => (typeof v === "string" && !Number.isNaN(Date.parse(v)) ? new Date(v) : undefined);
  return { ...base, runId, runStatus: p.status, windowStart: instant(p.parameters?.windowStart), windowEnd: instant(p.parameters?.windowEnd) };
}

/** A window run that succeeded: its trigger run and the pipeline run it started. */
export const succeeded = (w: WindowRun): boolean => w.triggerStatus === "Succeeded" && w.runStatus === "Succeeded";

export interface FlipGate {
  /** True when a succeeded window covers the moment and no earlier window is left unsucceeded. */
  ok: boolean;
  /** The succeeded window holding the moment. */
  covering?: WindowRun;
  /** Windows starting before the moment with no succeeded attempt (failed, still running, or queued): their files are not copied yet. */
  unfinished: WindowRun[];
  /** Stretches before the covering window that no listed window run covers (no run record yet, or not read): nothing proves them copied. */
  gaps: { start: Date; end: Date }[];
}

/**
 * Whether everything written until `moment` has been copied: a succeeded
 * window holds it, and every earlier window in the list succeeded at least
 * once (a window that failed stays failed; later windows do not carry its
 * files). Retried or rerun windows appear once per attempt.
 */
export function flipGate(windows: WindowRun[], moment: Date): FlipGate {
  const t = moment.getTime();
  const done = new Set(windows.filter(succeeded).map((w) => w.windowStart?.getTime()));
  const unfinished = windows.filter((w) => !succeeded(w) && (w.windowStart === undefined || (w.windowStart.getTime() <= t && !done.has(w.windowStart.getTime()))));
  const covering = windows.find((w) => succeeded(w) && w.windowStart !== undefined && w.windowEnd !== undefined && w.windowStart.getTime() <= t && t < w.windowEnd.getTime());
  const gaps = covering ? gapsBefore(windows, covering) : [];
  return { ok: covering !== undefined && unfinished.length === 0 && gaps.length === 0, covering, unfinished, gaps };
}

/** From the earliest listed window to the covering one, the stretches no listed window (of any state) spans. */
function gapsBefore(windows: WindowRun[], covering: WindowRun): { start: Date; end: Date }[] {
  const spans = windows
    .filter((w) => w.windowStart !== undefined && w.windowEnd !== undefined && w.windowStart.getTime() < covering.windowStart!.getTime())
    .map((w) => [w.windowStart!.getTime(), w.windowEnd!.getTime()] as const)
    .sort((a, b) => a[0] - b[0]);
  const gaps: { start: Date; end: Date }[] = [];
  let reached = spans.length > 0 ? spans[0][0] : covering.windowStart!.getTime();
  for (const [start, end] of [...spans, [covering.windowStart!.getTime(), covering.windowEnd!.getTime()] as const]) {
    if (start > reached) gaps.push({ start: new Date(reached), end: new Date(start) });
    reached = Math.max(reached, end);
  }
  return gaps;
}

/** One line per window run: `[start, end)  state  run id`. */
export function formatWindow(w: WindowRun): string {
  const iso = (d?: Date) => d?.toISOString() ?? "?";
  const state = w.runStatus === undefined ? w.triggerStatus : w.runStatus === w.triggerStatus ? w.runStatus : `${w.runStatus} (trigger run ${w.triggerStatus})`;
  return `[${iso(w.windowStart)}, ${iso(w.windowEnd)})  ${state}${w.runId ? `  run ${w.runId}` : ""}${w.message ? `  ${w.message}` : ""}`;
}
