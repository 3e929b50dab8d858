import type { FolderConfig, Frequency, MigrationConfig, ScheduleConfig, Writer } from "./migration";

/**
 * Tumbling window arithmetic shared by the factory definitions (trigger
 * start times), the config (backfill guard) and the plan (window counts).
 * Windows are [start + k·interval, start + (k+1)·interval), UTC.
 */

const UNIT_MS: Partial<Record<Frequency, number>> = { Minute: 60_000, Hour: 3_600_000 };

/** The moment from which a folder's changes are copied: its writerSince when later than schedule.startTime. */
export function folderSince(f: FolderConfig, s: ScheduleConfig): string {
  return f.writerSince !== undefined && Date.parse(f.writerSince) > Date.parse(s.startTime) ? f.writerSince : s.startTime;
}

/** One tumbling window trigger the pattern deploys: which folders it carries and when its first window starts. */
export interface TriggerWindow {
  /** bidirectional-sync: the writer side it copies away from; otherwise undefined (one trigger). */
  writer?: Writer;
  folders: FolderConfig[];
  /** ISO instant of the first window: the earliest folderSince of its folders. */
  startTime: string;
}

/** The tumbling window triggers of a pattern, in deployment order; none for lift-and-shift. */
export function triggerWindows(pattern: string, m: MigrationConfig): TriggerWindow[] {
  const s = m.schedule;
  if (pattern === "lift-and-shift" || s === undefined) return [];
  if (pattern !== "bidirectional-sync") return [{ folders: m.folders, startTime: s.startTime }];
  return (["gen1", "gen2"] as const).flatMap((writer) => {
    const folders = m.folders.filter((f) => f.writer === writer);
    if (folders.length === 0) return [];
    const starts = folders.map((f) => folderSince(f, s)).sort((a, b) => Date.parse(a) - Date.parse(b));
    return [{ writer, folders, startTime: starts[0] }];
  });
}

/** Whole windows between `start` and `now`: what a first start runs at once (a window runs once it has ended). */
export function pastWindows(start: string, now: Date, frequency: Frequency, interval: number): number {
  const from = new Date(start);
  if (now.getTime() <= from.getTime()) return 0;
  const unit = UNIT_MS[frequency];
  if (unit !== undefined) return Math.floor((now.getTime() - from.getTime()) / (unit * interval));
  // Month windows have calendar lengths: count whole months, then whole intervals.
  let months = (now.getUTCFullYear() - from.getUTCFullYear()) * 12 + (now.getUTCMonth() - from.getUTCMonth());
  const shifted = new Date(from);
  shifted.setUTCMonth(from.getUTCMonth() + months);
  if (shifted.getTime() > now.getTime()) months -= 1;
  return Math.floor(months / interval);
}
