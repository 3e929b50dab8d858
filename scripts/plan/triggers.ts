import { type Frequency, TUMBLING_FREQUENCIES } from "../../components/config/migration";
import { pastWindows } from "../../components/config/windows";
import type { Plan } from "./runtime";

/** What each planned tumbling window trigger will do when first started, and what replaces it. */
export interface TriggerNote {
  triggerName: string;
  urn: string;
  startTime: string;
  /** Windows from startTime to now: a first start (or a replacement) runs them all at once. */
  firstStartWindows: number;
  /** Input paths whose change replaces the trigger: window state reset, backfill from startTime. */
  replacedWhenChanged: string[];
}

const isFrequency = (v: unknown): v is Frequency => typeof v === "string" && (TUMBLING_FREQUENCIES as readonly string[]).includes(v);

export function triggerNotes(plan: Plan, now = new Date()): TriggerNote[] {
  return plan.resources
    .filter((r) => r.type === "azure-native:datafactory:Trigger")
    .flatMap((r) => {
      const p = r.inputs.properties as Record<string, unknown> | undefined;
      if (p?.type !== "TumblingWindowTrigger" || !isFrequency(p.frequency) || typeof p.startTime !== "string" || typeof p.interval !== "number") return [];
      return [
        {
          triggerName: String(r.inputs.triggerName),
          urn: r.urn,
          startTime: p.startTime,
          firstStartWindows: pastWindows(p.startTime, now, p.frequency, p.interval),
          replacedWhenChanged: r.replaceOnChanges,
        },
      ];
    });
}

/** One line per trigger for the tree output. */
export function describeTrigger(n: TriggerNote): string {
  const replaced =
    n.replacedWhenChanged.length > 0
      ? `; a change to ${n.replacedWhenChanged.join(", ")} replaces it (window state reset, backfill from startTime)`
      : "";
  return `first start runs ${n.firstStartWindows} past window(s) from ${n.startTime} at once${replaced}`;
}
