import type { JsonObject } from "../../emulators/factory/catalog";
import type { CopyOutput } from "../../emulators/factory/copy";
import type { Plan } from "../../scripts/plan/runtime";
import { type FactoryRig, startFactoryRig } from "../support/factoryRig";
import { FOLDERS, LAKE } from "../support/lake";
import { planWith } from "../support/plan";

/**
 * dual-pipeline: producers land files in the Gen2 landing zone
 * (`landing/incoming/<target>`); each hourly tumbling window copies what
 * landed in it into Gen1 (the folder's source) and Gen2 (its target). Runs
 * missed while the trigger was stopped run when it starts again, so landed
 * data reaches both lakes, each file once per lake.
 */

const S = Date.parse("2026-12-01T00:00:00Z");
const H = 3_600_000;
const M = 60_000;

const CONFIG = {
  "adls-migration:pattern": "dual-pipeline",
  "adls-migration:filesystems": [{ name: "raw" }, { name: "curated" }, { name: "landing" }],
  "adls-migration:source": { accountName: "contosogen1", auth: "managedIdentity", subscriptionId: "11111111-2222-3333-4444-555555555555", resourceGroupName: "gen1-rg" },
  "adls-migration:migration": {
    folders: FOLDERS,
    copy: { preserve: ["ACL", "Owner", "Group"] },
    schedule: { frequency: "Hour", interval: 1, startTime: new Date(S).toISOString(), maxConcurrency: 2, retry: { count: 1, intervalInSeconds: 60 }, allowBackfill: true },
    ingest: { filesystem: "landing", path: "incoming" },
  },
};

export const planDual = (): Promise<Plan> => planWith(CONFIG);

/** Where a landed file must arrive: Gen1 path and Gen2 filesystem/path. */
interface Landed {
  landing: string;
  gen1: string;
  gen2: { fs: string; path: string };
  bytes: Buffer;
}

/** Copies per (activity, relative path) over the given pipeline runs. */
function copies(rig: FactoryRig, runIds: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of runIds) {
    for (const a of rig.factory.runs.activityRuns.get(id) ?? []) {
      if (a.activityType !== "Copy" || a.status !== "Succeeded") continue;
      for (const rel of (a.output as CopyOutput).copied) out.set(`${a.activityName}:${rel}`, (out.get(`${a.activityName}:${rel}`) ?? 0) + 1);
    }
  }
  return out;
}

/** A producer lands a file now (on the factory clock) under landing/incoming/<target>. */
function land(rig: FactoryRig, folder: (typeof FOLDERS)[number], rel: string, text: string): Landed {
  const bytes = Buffer.from(text);
  rig.dfs.tree.writeFile("landing", `incoming/${folder.target}/${rel}`, bytes);
  return { landing: rel, gen1: `${folder.source}/${rel}`, gen2: { fs: folder.filesystem, path: `${folder.target}/${rel}` }, bytes };
}

/** Asserts each landed file is in Gen1 (read over WebHDFS OPEN) and in Gen2 (read with the DFS SDK) with its bytes. */
async function expectInBothLakes(rig: FactoryRig, files: Landed[]): Promise<void> {
  for (const f of files) {
    const res = await fetch(`${rig.gen1.url}/webhdfs/v1${f.gen1}?op=OPEN&read=true`, { headers: { authorization: `Bearer ${rig.gen1.token}` } });
    expect({ path: f.gen1, status: res.status, bytes: Buffer.from(await res.arrayBuffer()).toString() }).toEqual({ path: f.gen1, status: 200, bytes: f.bytes.toString() });
    const gen2 = await rig.gen2.getFileSystemClient(f.gen2.fs).getFileClient(f.gen2.path).readToBuffer();
    expect({ path: f.gen2.path, bytes: gen2.toString() }).toEqual({ path: f.gen2.path, bytes: f.bytes.toString() });
  }
}

/**
 * The dual-pipeline scenario with every assertion the pattern promises:
 * two windows while started, three missed while stopped and caught up on
 * start, each landed file copied once into each lake.
 */
export async function dualScenario(plan: Plan): Promise<void> {
  const rig = await startFactoryRig(plan, LAKE, { clock: new Date(S - H) });
  try {
    expect((await rig.factory.runs.wait(rig.factory.runs.create("full-copy", {}))).status).toBe("Succeeded");
    const trigger = rig.factory.trigger("ingest-window")!;
    trigger.runtimeState = "Started";
    const [sales, finance] = FOLDERS;

    await rig.factory.advanceTo(new Date(S + 10 * M));
    const w0 = [land(rig, sales, "2026/12/01/a.csv", "a-0010"), land(rig, finance, "q4/b.bin", "b-0010")];
    await rig.factory.advanceTo(new Date(S + H));
    expect(trigger.windows.map((w) => w.status)).toEqual(["Succeeded"]);
    // Landed at the boundary: belongs to the next window (>= start).
    const w1 = [land(rig, sales, "2026/12/01/edge.csv", "edge-0100")];
    await rig.factory.advanceTo(new Date(S + 2 * H));
    await expectInBothLakes(rig, [...w0, ...w1]);

    // Stopped (for a deployment) over three windows; producers keep landing.
    trigger.runtimeState = "Stopped";
    await rig.factory.advanceTo(new Date(S + 2 * H + 30 * M));
    const w2 = [land(rig, finance, "q4/c.bin", "c-0230")];
    await rig.factory.advanceTo(new Date(S + 4 * H + 59 * M));
    const w4 = [land(rig, sales, "2026/12/01/d.csv", "d-0459"), land(rig, sales, "late/e.csv", "e-0459")];
    expect((await rig.factory.advanceTo(new Date(S + 5 * H + 10 * M))).windows).toEqual([]);
    for (const f of [...w2, ...w4]) expect((await fetch(`${rig.gen1.url}/webhdfs/v1${f.gen1}?op=GETFILESTATUS`, { headers: { authorization: `Bearer ${rig.gen1.token}` } })).status).toBe(404);

    trigger.runtimeState = "Started";
    const caughtUp = await rig.factory.advanceTo(new Date(S + 5 * H + 20 * M));
    expect(caughtUp.windows.map((w) => [w.windowStart.slice(11, 16), w.status])).toEqual([["02:00", "Succeeded"], ["03:00", "Succeeded"], ["04:00", "Succeeded"]]);
    await expectInBothLakes(rig, [...w0, ...w1, ...w2, ...w4]);

    // Each landed file once into each lake, over all windows; nothing else.
    const expected = new Map<string, number>();
    for (const f of [...w0, ...w1, ...w2, ...w4]) for (const act of ["LandInGen1", "LandInGen2"]) expected.set(`${act}:${f.landing}`, 1);
    expect(copies(rig, trigger.windows.flatMap((w) => w.runIds))).toEqual(expected);
  } finally {
    await rig.close();
  }
}

/** A deep copy of the plan with the ingest-dual ForEach's inner activities edited. */
function withIngestEdited(plan: Plan, edit: (inner: JsonObject[]) => JsonObject[]): Plan {
  const copy = JSON.parse(JSON.stringify(plan)) as Plan;
  const p = copy.resources.find((r) => r.type === "azure-native:datafactory:Pipeline" && r.inputs.pipelineName === "ingest-dual")!;
  const forEach = (p.inputs.activities as JsonObject[])[0];
  forEach.activities = edit(forEach.activities as JsonObject[]);
  return copy;
}

let plan: Plan;
beforeAll(async () => {
  plan = await planDual();
});

describe("dual-pipeline in the emulators", () => {
  it("landed data reaches Gen1 and Gen2 once each, including windows missed while the trigger was stopped", async () => {
    await dualScenario(plan);
  });
});

describe("the dual-pipeline test fails against broken pipelines", () => {
  it("missing window filter: every window copies everything landed so far again", async () => {
    const broken = withIngestEdited(plan, (inner) => {
      for (const a of inner) {
        const settings = (a.source as JsonObject).storeSettings as JsonObject;
        delete settings.modifiedDatetimeStart;
        delete settings.modifiedDatetimeEnd;
      }
      return inner;
    });
    await expect(dualScenario(broken)).rejects.toThrow(/LandInGen1:2026\/12\/01\/a\.csv/);
  });

  it("the Gen1 copy left out (only Gen2 fed): landed data never reaches Gen1", async () => {
    const broken = withIngestEdited(plan, (inner) => inner.filter((a) => a.name !== "LandInGen1"));
    await expect(dualScenario(broken)).rejects.toThrow(/\/raw\/sales\/2026\/12\/01\/a\.csv[\s\S]*404/);
  });

  it("a window filter on the wrong time (end bound dropped): files landed after a window are copied by it and again by the next", async () => {
    const broken = withIngestEdited(plan, (inner) => {
      for (const a of inner) delete ((a.source as JsonObject).storeSettings as JsonObject).modifiedDatetimeEnd;
      return inner;
    });
    await expect(dualScenario(broken)).rejects.toThrow(/LandIn/);
  });
});
