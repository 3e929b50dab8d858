import { randomUUID } from "crypto";
import pLimit from "p-limit";
import { UnsupportedError, asObject, checkKeys } from "./activities/context";
import type { JsonObject } from "./catalog";
import { type Scope, formatRoundTrip, resolveValue } from "./expression";
import type { PipelineRuns } from "./runs";

/**
 * A tumbling window trigger on the emulator's clock, following
 * learn.microsoft.com/azure/data-factory/how-to-create-tumbling-window-trigger:
 * fixed, contiguous windows [startTime + k·interval, startTime + (k+1)·interval);
 * a window is due at its end plus `delay` (which "doesn't alter the window
 * startTime"); past windows are backfilled "from oldest to newest",
 * "honoring trigger concurrency" (`maxConcurrency` windows in flight at
 * most); a failed run is retried `retryPolicy.count` times (default 0),
 * `intervalInSeconds` (default 30) after the failure, "using the same input
 * parameters"; no window ends after `endTime`. The trigger "retains state":
 * windows that fell due while it was stopped run when it is started again.
 */

export type WindowStatus = "Waiting" | "Running" | "RetryWaiting" | "Succeeded" | "Failed";

export interface WindowState {
  start: Date;
  end: Date;
  status: WindowStatus;
  attempts: number;
  /** Pipeline run ids, one per attempt. */
  runIds: string[];
  /** Clock time (ms) the next retry is due. */
  retryAt?: number;
}

/** A trigger run in the shape of the ARM TriggerRun model. The property names are the emulator's (the model types them as a string map). */
export interface TriggerRunRecord {
  triggerRunId: string;
  triggerName: string;
  triggerType: "TumblingWindowTrigger";
  triggerRunTimestamp: string;
  status: "Succeeded" | "Failed" | "Inprogress";
  message: string;
  properties: Record<string, string>;
  triggeredPipelines: Record<string, string>;
}

const UNIT_MS: Record<string, number> = { Minute: 60_000, Hour: 3_600_000 };
/** A single advance may not make a trigger backfill more than this many windows (issue 11 item 7 counts them at plan time). */
export const MAX_WINDOWS_PER_ADVANCE = 10_000;

export class TumblingWindow {
  runtimeState: "Started" | "Stopped" = "Stopped";
  readonly windows: WindowState[] = [];
  readonly triggerRuns: TriggerRunRecord[] = [];
  /** Most windows that were running at once. */
  peakConcurrency = 0;
  private readonly startMs: number;
  private readonly endMs?: number;
  private readonly sizeMs: number;
  private readonly delayMs: number;
  private readonly maxConcurrency: number;
  private readonly retry: { count: number; intervalMs: number };
  private readonly pipelineName: string;
  private readonly parameters: JsonObject;

  constructor(
    readonly name: string,
    readonly definition: JsonObject,
    private readonly runs: PipelineRuns,
  ) {
    const where = `trigger ${name}`;
    checkKeys(definition, ["type", "description", "annotations", "pipeline", "frequency", "interval", "startTime", "endTime", "delay", "maxConcurrency", "retryPolicy"], where);
    const unit = UNIT_MS[String(definition.frequency)];
    const interval = Number(definition.interval);
    if (!unit || !Number.isInteger(interval) || interval < 1) throw new UnsupportedError(`${where}: frequency ${String(definition.frequency)} × interval ${String(definition.interval)} is not supported`);
    this.sizeMs = unit * interval;
    this.startMs = Date.parse(String(definition.startTime));
    this.endMs = definition.endTime === undefined ? undefined : Date.parse(String(definition.endTime));
    this.delayMs = definition.delay === undefined ? 0 : timespanMs(String(definition.delay), where);
    this.maxConcurrency = Number(definition.maxConcurrency ?? 50);
    if (!Number.isInteger(this.maxConcurrency) || this.maxConcurrency < 1 || this.maxConcurrency > 50) throw new UnsupportedError(`${where}: maxConcurrency must be 1..50`);
    const rp = asObject(definition.retryPolicy ?? {}, `${where}.retryPolicy`);
    checkKeys(rp, ["count", "intervalInSeconds"], `${where}.retryPolicy`);
    this.retry = { count: Number(rp.count ?? 0), intervalMs: 1000 * Number(rp.intervalInSeconds ?? 30) };
    const pipeline = asObject(definition.pipeline, `${where}.pipeline`);
    checkKeys(pipeline, ["pipelineReference", "parameters"], `${where}.pipeline`);
    this.pipelineName = String(asObject(pipeline.pipelineReference, `${where}.pipelineReference`).referenceName);
    this.parameters = asObject(pipeline.parameters ?? {}, `${where}.pipeline.parameters`);
  }

  /** Creates the windows that are due at `now` (bounded per call). */
  private materialize(now: number): void {
    for (let made = 0; ; made++) {
      const start = this.startMs + this.windows.length * this.sizeMs;
      const end = start + this.sizeMs;
      if (end + this.delayMs > now || (this.endMs !== undefined && end > this.endMs)) return;
      if (made >= MAX_WINDOWS_PER_ADVANCE) throw new Error(`trigger ${this.name}: more than ${MAX_WINDOWS_PER_ADVANCE} windows fell due at once; advance the clock in smaller steps`);
      this.windows.push({ start: new Date(start), end: new Date(end), status: "Waiting", attempts: 0, runIds: [] });
    }
  }

  private runnable(now: number): WindowState[] {
    return this.windows.filter((w) => w.status === "Waiting" || (w.status === "RetryWaiting" && (w.retryAt ?? 0) <= now));
  }

  /** The earliest clock time after `now` at which something becomes runnable. */
  nextEvent(now: number): number | undefined {
    if (this.runtimeState !== "Started") return undefined;
    const times = this.windows.filter((w) => w.status === "RetryWaiting").map((w) => w.retryAt ?? 0);
    const nextEnd = this.startMs + (this.windows.length + 1) * this.sizeMs;
    if (this.endMs === undefined || nextEnd <= this.endMs) times.push(nextEnd + this.delayMs);
    const later = times.filter((t) => t > now);
    return later.length === 0 ? undefined : Math.min(...later);
  }

  /** Runs every window runnable at `now`, oldest first, at most maxConcurrency at a time; false when nothing was runnable. */
  async runDue(now: number): Promise<boolean> {
    if (this.runtimeState !== "Started") return false;
    this.materialize(now);
    const due = this.runnable(now);
    if (due.length === 0) return false;
    const limit = pLimit(this.maxConcurrency);
    let running = 0;
    await Promise.all(
      due.map((w) =>
        limit(async () => {
          running++;
          this.peakConcurrency = Math.max(this.peakConcurrency, running);
          try {
            await this.runWindow(w, now);
          } finally {
            running--;
          }
        }),
      ),
    );
    return true;
  }

  private async runWindow(w: WindowState, now: number): Promise<void> {
    w.status = "Running";
    w.attempts++;
    const trigger: Scope["trigger"] = {
      name: this.name,
      startTime: formatRoundTrip(new Date(now)),
      outputs: { windowStartTime: formatRoundTrip(w.start), windowEndTime: formatRoundTrip(w.end) },
    };
    const record: TriggerRunRecord = {
      triggerRunId: randomUUID(),
      triggerName: this.name,
      triggerType: "TumblingWindowTrigger",
      triggerRunTimestamp: new Date(now).toISOString(),
      status: "Inprogress",
      message: "",
      properties: { windowStartTime: w.start.toISOString(), windowEndTime: w.end.toISOString(), attempt: String(w.attempts) },
      triggeredPipelines: {},
    };
    this.triggerRuns.push(record);
    let failure: string | undefined;
    try {
      const params = Object.fromEntries(Object.entries(this.parameters).map(([k, v]) => [k, resolveValue(v, { trigger })]));
      const runId = this.runs.create(this.pipelineName, params, { invokedByType: "TumblingWindowTrigger", name: this.name, trigger });
      w.runIds.push(runId);
      record.triggeredPipelines[this.pipelineName] = runId;
      const run = await this.runs.wait(runId);
      if (run.status !== "Succeeded") failure = run.message;
    } catch (err) {
      failure = (err as Error).message;
    }
    record.status = failure === undefined ? "Succeeded" : "Failed";
    record.message = failure ?? "";
    if (failure === undefined) w.status = "Succeeded";
    else if (w.attempts <= this.retry.count) {
      w.status = "RetryWaiting";
      w.retryAt = now + this.retry.intervalMs;
    } else w.status = "Failed";
  }
}

/** "[d.]hh:mm:ss" as in the delay property's pattern. */
function timespanMs(text: string, where: string): number {
  const m = /^(?:(\d+)\.)?(\d\d):([0-5]\d):([0-5]\d)$/.exec(text);
  if (!m) throw new UnsupportedError(`${where}: delay "${text}" is not a [d.]hh:mm:ss timespan`);
  return (((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1000;
}
