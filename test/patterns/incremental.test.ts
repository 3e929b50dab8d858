import type { CopyOutput } from "../../emulators/factory/copy";
import type { Gen1Seed } from "../../emulators/gen1/server";
import type { Plan } from "../../scripts/plan/runtime";
import { type FactoryRig, startFactoryRig } from "../support/factoryRig";
import { FOLDERS, LAKE, expectMirror } from "../support/lake";
import { planWith } from "../support/plan";

/**
 * incremental: full copy, then hourly tumbling windows on the emulator's
 * clock. Each change on Gen1 arrives in the window that holds its modified
 * time (>= start, < end), once; windows are contiguous; windows that fell
 * due while the trigger was stopped run when it starts again, at most
 * maxConcurrency at a time; a failed window is retried by the trigger.
 */

const S = Date.parse("2026-12-01T00:00:00Z");
const H = 3_600_000;
const M = 60_000;

export async function planIncremental(): Promise<Plan> {
  return planWith({
    "adls-migration:pattern": "incremental",
    "adls-migration:filesystems": [{ name: "raw" }, { name: "curated" }, { name: "logs" }],
    "adls-migration:migration": {
      folders: FOLDERS,
      copy: { preserve: ["ACL", "Owner", "Group"], logFilesystem: "logs" },
      schedule: { frequency: "Hour", interval: 1, startTime: new Date(S).toISOString(), delay: "00:15:00", maxConcurrency: 2, retry: { count: 2, intervalInSeconds: 300 } },
    },
  });
}

/** Gen1 after `changes` (same path: replaced). */
const withChanges = (lake: Gen1Seed[], changes: Gen1Seed[]): Gen1Seed[] => [...lake.filter((s) => !changes.some((c) => c.path === s.path)), ...changes];
const file = (path: string, modified: number, size = 50): Gen1Seed => ({ path, modified, size, owner: "etl-oid", group: "sales-group", permission: "640" });

/** Gen1 path → how many times a window copied it, over the given pipeline runs. */
function copiesByPath(rig: FactoryRig, runIds: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of runIds) {
    for (const a of rig.factory.runs.activityRuns.get(id) ?? []) {
      if (a.activityType !== "Copy" || a.status !== "Succeeded") continue;
      const out = a.output as CopyOutput;
      for (const rel of out.copied) counts.set(rel, (counts.get(rel) ?? 0) + 1);
    }
  }
  return counts;
}

let rig: FactoryRig;
beforeAll(async () => {
  rig = await startFactoryRig(await planIncremental(), LAKE, { clock: new Date(S - H) });
});
afterAll(() => rig.close());

describe("incremental in the emulators", () => {
  it("windows carry each change once, in the window of its modified time, with no gap; stopped windows backfill; failures retry", async () => {
    const full = await rig.factory.runs.wait(rig.factory.runs.create("full-copy", {}));
    expect(full.status).toBe("Succeeded");
    const trigger = rig.factory.trigger("incremental-window")!;
    trigger.runtimeState = "Started";

    // Window 1 [S, S+1h): a changed and a new file; the window is due at its end + 15 min delay.
    let lake = withChanges(LAKE, [file("/raw/sales/2026/01/a.csv", S + 10 * M, 310), file("/raw/finance/q1/new.bin", S + 59 * M)]);
    rig.reseedGen1(lake);
    expect((await rig.factory.advanceTo(new Date(S + H + 14 * M))).windows).toEqual([]);
    const w1 = await rig.factory.advanceTo(new Date(S + H + 15 * M));
    expect(w1.windows).toEqual([{ trigger: "incremental-window", windowStart: "2026-12-01T00:00:00.000Z", windowEnd: "2026-12-01T01:00:00.000Z", status: "Succeeded", attempts: 1 }]);
    expect(copiesByPath(rig, trigger.windows[0].runIds)).toEqual(new Map([["2026/01/a.csv", 1], ["q1/new.bin", 1]]));

    // Window 2: a file modified exactly at the boundary belongs to it (>= start), and one inside it.
    // Gen1 fails the first three reads of /raw/sales: the copy's own retries (policy.retry 2) are used up,
    // the run fails, and the trigger's retryPolicy runs the window again 300 s later.
    lake = withChanges(lake, [file("/raw/sales/2026/02/edge.csv", S + H), file("/raw/sales/deep/er/f.csv", S + H + 30 * M)]);
    rig.reseedGen1(lake, [{ op: "GETFILESTATUS", path: "/raw/sales", status: 500, times: 3 }]);
    const w2 = await rig.factory.advanceTo(new Date(S + 2 * H + 19 * M));
    expect(w2.windows.map((w) => [w.windowStart.slice(11, 16), w.status, w.attempts])).toEqual([["01:00", "RetryWaiting", 1]]);
    await rig.factory.advanceTo(new Date(S + 2 * H + 20 * M));
    expect(trigger.windows[1]).toMatchObject({ status: "Succeeded", attempts: 2 });
    expect(trigger.triggerRuns.map((r) => r.status)).toEqual(["Succeeded", "Failed", "Succeeded"]);
    expect(copiesByPath(rig, trigger.windows[1].runIds)).toEqual(new Map([["2026/02/edge.csv", 1], ["deep/er/f.csv", 1]]));

    // Stopped for three windows (a deployment); changes land meanwhile.
    trigger.runtimeState = "Stopped";
    lake = withChanges(lake, [file("/raw/sales/2026/01/b.csv", S + 2 * H + 5 * M, 9), file("/raw/finance/q1/g.bin", S + 4 * H + 1 * M)]);
    rig.reseedGen1(lake);
    expect((await rig.factory.advanceTo(new Date(S + 5 * H + 15 * M))).windows).toEqual([]);
    trigger.runtimeState = "Started";
    const backfill = await rig.factory.advanceTo(new Date(S + 5 * H + 30 * M));
    expect(backfill.windows.map((w) => [w.windowStart.slice(11, 16), w.status])).toEqual([["02:00", "Succeeded"], ["03:00", "Succeeded"], ["04:00", "Succeeded"]]);
    expect(trigger.peakConcurrency).toBe(2);
    expect(trigger.windows.map((w) => w.attempts)).toEqual([1, 2, 1, 1, 1]);

    // No gap: contiguous windows from startTime; every change copied exactly once over all windows.
    const ws = trigger.windows;
    expect(ws[0].start.getTime()).toBe(S);
    for (let i = 1; i < ws.length; i++) expect(ws[i].start.getTime()).toBe(ws[i - 1].end.getTime());
    const all = copiesByPath(rig, ws.flatMap((w) => w.runIds));
    expect(all).toEqual(new Map([["2026/01/a.csv", 1], ["q1/new.bin", 1], ["2026/02/edge.csv", 1], ["deep/er/f.csv", 1], ["2026/01/b.csv", 1], ["q1/g.bin", 1]]));
    await expectMirror(rig.gen2, lake, FOLDERS);
  });
});
