import type { JsonObject } from "../../emulators/factory/catalog";
import type { CopyOutput } from "../../emulators/factory/copy";
import type { Plan } from "../../scripts/plan/runtime";
import { type FactoryRig, startFactoryRig } from "../support/factoryRig";
import { LAKE } from "../support/lake";
import { planWith } from "../support/plan";

/**
 * bidirectional-sync: each folder flows away from its writer, one hourly
 * tumbling window trigger per direction. A Gen2-written folder reaches Gen1
 * and nothing travels back (Data Factory's own writes are never copied
 * again) over five windows; then a folder flips from the gen1 writer to
 * gen2 following docs/patterns.md ("Writer flip"): no Gen1 write is lost,
 * and the Gen2 → Gen1 direction does not carry back what Data Factory
 * wrote into Gen2 before the flip (writerSince).
 */

const S = Date.parse("2026-12-01T00:00:00Z");
const H = 3_600_000;
const M = 60_000;

const SALES = { source: "/raw/sales", filesystem: "raw", target: "sales" };
const FINANCE = { source: "/raw/finance", filesystem: "curated", target: "finance" };
const OTHER = { source: "/raw/other", filesystem: "raw", target: "other" };

function config(folders: object[]): Record<string, unknown> {
  return {
    "adls-migration:pattern": "bidirectional-sync",
    "adls-migration:filesystems": [{ name: "raw" }, { name: "curated" }],
    "adls-migration:source": { accountName: "contosogen1", auth: "managedIdentity", subscriptionId: "11111111-2222-3333-4444-555555555555", resourceGroupName: "gen1-rg" },
    "adls-migration:migration": {
      folders,
      copy: { preserve: ["ACL", "Owner", "Group"] },
      schedule: { frequency: "Hour", interval: 1, startTime: new Date(S).toISOString(), maxConcurrency: 1, retry: { count: 1, intervalInSeconds: 60 }, allowBackfill: true },
    },
  };
}

/** When the Gen1 writer of sales stops, and when its Gen2 writer starts (after the covering window succeeded). */
const STOP = S + 5 * H + 20 * M;
const WRITER_SINCE = S + 6 * H + 5 * M;

const planBefore = () => planWith(config([{ ...SALES, writer: "gen1" }, { ...FINANCE, writer: "gen2" }, { ...OTHER, writer: "gen1" }]));
const planAfter = () =>
  planWith(config([{ ...SALES, writer: "gen2", writerSince: new Date(WRITER_SINCE).toISOString() }, { ...FINANCE, writer: "gen2" }, { ...OTHER, writer: "gen1" }]));

const GEN1_TO_GEN2 = "sync-gen1-to-gen2-window";
const GEN2_TO_GEN1 = "sync-gen2-to-gen1-window";

/** direction:relative path → copies, over every window of both triggers. */
function copies(rig: FactoryRig): Map<string, number> {
  const out = new Map<string, number>();
  for (const name of [GEN1_TO_GEN2, GEN2_TO_GEN1]) {
    for (const id of rig.factory.triggers.get(name)?.windows.flatMap((w) => w.runIds) ?? []) {
      for (const a of rig.factory.runs.activityRuns.get(id) ?? []) {
        if (a.activityType !== "Copy" || a.status !== "Succeeded") continue;
        const dir = a.activityName === "CopyWindowToGen1" ? "toGen1" : "toGen2";
        for (const rel of (a.output as CopyOutput).copied) out.set(`${dir}:${rel}`, (out.get(`${dir}:${rel}`) ?? 0) + 1);
      }
    }
  }
  return out;
}

async function gen1Bytes(rig: FactoryRig, path: string): Promise<string | number> {
  const res = await fetch(`${rig.gen1.url}/webhdfs/v1${path}?op=OPEN&read=true`, { headers: { authorization: `Bearer ${rig.gen1.token}` } });
  return res.status === 200 ? Buffer.from(await res.arrayBuffer()).toString() : res.status;
}
async function gen2Bytes(rig: FactoryRig, fs: string, path: string): Promise<string | number> {
  try {
    return (await rig.gen2.getFileSystemClient(fs).getFileClient(path).readToBuffer()).toString();
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status === undefined) throw err;
    return status;
  }
}

/**
 * Five windows with writers on both sides, then the flip of sales. Every
 * assertion the pattern promises; `after` is the plan deployed at the flip.
 */
export async function bidiScenario(before: Plan, after: Plan): Promise<void> {
  const rig = await startFactoryRig(before, LAKE, { clock: new Date(S) });
  try {
    for (const t of [GEN1_TO_GEN2, GEN2_TO_GEN1]) rig.factory.trigger(t)!.runtimeState = "Started";
    const expected = new Map<string, number>();
    const gen1Times = new Map<string, number>();
    for (let k = 0; k < 5; k++) {
      await rig.factory.advanceTo(new Date(S + k * H + 10 * M));
      rig.gen1.tree.createFile(`/raw/sales/s${k}.csv`, Buffer.from(`sales ${k}`), { overwrite: false, permission: "640", owner: "etl-oid" });
      rig.dfs.tree.writeFile("curated", `finance/f${k}.csv`, `finance ${k}`);
      gen1Times.set(`s${k}.csv`, rig.gen1.tree.get(`/raw/sales/s${k}.csv`)!.modificationTime);
      expected.set(`toGen2:s${k}.csv`, 1).set(`toGen1:f${k}.csv`, 1);
      await rig.factory.advanceTo(new Date(S + (k + 1) * H));
      expect({ k, sales: await gen2Bytes(rig, "raw", `sales/s${k}.csv`), finance: await gen1Bytes(rig, `/raw/finance/f${k}.csv`) }).toEqual({ k, sales: `sales ${k}`, finance: `finance ${k}` });
    }
    // Over five windows, each file crossed once, away from its writer; nothing came back.
    expect(copies(rig)).toEqual(expected);

    // Flip sales: the Gen1 writer's last write, its stop, a Succeeded window covering the stop.
    await rig.factory.advanceTo(new Date(S + 5 * H + 15 * M));
    rig.gen1.tree.createFile("/raw/sales/s5-last.csv", Buffer.from("last gen1 write"), { overwrite: false, permission: "640", owner: "etl-oid" });
    gen1Times.set("s5-last.csv", rig.gen1.tree.get("/raw/sales/s5-last.csv")!.modificationTime);
    expected.set("toGen2:s5-last.csv", 1);
    await rig.factory.advanceTo(new Date(S + 6 * H));
    const covering = rig.factory.triggers.get(GEN1_TO_GEN2)!.windows.find((w) => w.start.getTime() <= STOP && STOP < w.end.getTime())!;
    expect(covering.status).toBe("Succeeded");

    await rig.factory.advanceTo(new Date(WRITER_SINCE));
    rig.redeploy(after);
    await rig.factory.advanceTo(new Date(WRITER_SINCE + 5 * M));
    rig.dfs.tree.writeFile("raw", "sales/g6.csv", "first gen2 write");
    expected.set("toGen1:g6.csv", 1);
    for (let k = 6; k < 9; k++) await rig.factory.advanceTo(new Date(S + (k + 1) * H));

    // No Gen1 write lost: all in Gen2. The first Gen2 write reached Gen1.
    for (const name of gen1Times.keys()) expect({ name, bytes: await gen2Bytes(rig, "raw", `sales/${name}`) }).toEqual({ name, bytes: await gen1Bytes(rig, `/raw/sales/${name}`) });
    expect(await gen1Bytes(rig, "/raw/sales/g6.csv")).toBe("first gen2 write");
    // The new direction did not backfill: no file Data Factory wrote into Gen2 before the flip went back,
    // so the Gen1 originals keep their modification times.
    expect(copies(rig)).toEqual(expected);
    for (const [name, t] of gen1Times) expect({ name, modified: rig.gen1.tree.get(`/raw/sales/${name}`)!.modificationTime }).toEqual({ name, modified: t });
  } finally {
    await rig.close();
  }
}

/** A deep copy of a plan with one pipeline's inner Copy activities edited. */
function withCopyEdited(plan: Plan, pipeline: string, edit: (copy: JsonObject) => void): Plan {
  const copy = JSON.parse(JSON.stringify(plan)) as Plan;
  const p = copy.resources.find((r) => r.type === "azure-native:datafactory:Pipeline" && r.inputs.pipelineName === pipeline)!;
  for (const a of (p.inputs.activities as JsonObject[])[0].activities as JsonObject[]) edit(a);
  return copy;
}

let before: Plan;
let after: Plan;
beforeAll(async () => {
  // One plan at a time: the Pulumi mocks are process-global.
  before = await planBefore();
  after = await planAfter();
});

describe("bidirectional-sync in the emulators", () => {
  it("a Gen2-written folder reaches Gen1 and nothing travels back over five windows; a flip loses no write and does not backfill", async () => {
    await bidiScenario(before, after);
  });
});

describe("the bidirectional-sync test fails against broken pipelines", () => {
  it("no writerSince guard on the Gen2 → Gen1 window (plain windowStart): Data Factory's own Gen2 writes travel back after the flip", async () => {
    const broken = withCopyEdited(after, "sync-gen2-to-gen1", (a) => {
      ((a.source as JsonObject).storeSettings as JsonObject).modifiedDatetimeStart = { type: "Expression", value: "@pipeline().parameters.windowStart" };
    });
    await expect(bidiScenario(before, broken)).rejects.toThrow(/toGen1:s5-last\.csv/);
  });

  it("missing window filter on the Gen2 → Gen1 copy: Gen2 files are copied again every window", async () => {
    const broken = withCopyEdited(before, "sync-gen2-to-gen1", (a) => {
      const settings = (a.source as JsonObject).storeSettings as JsonObject;
      delete settings.modifiedDatetimeStart;
      delete settings.modifiedDatetimeEnd;
    });
    await expect(bidiScenario(broken, after)).rejects.toThrow(/toGen1:f0\.csv/);
  });

  it("wrong direction (writers swapped in the config): the Gen2-written folder never reaches Gen1", async () => {
    const swapped = await planWith(config([{ ...SALES, writer: "gen2" }, { ...FINANCE, writer: "gen1" }, { ...OTHER, writer: "gen1" }]));
    await expect(bidiScenario(swapped, after)).rejects.toThrow(/"finance": 404[\s\S]*"sales": 404|"sales": 404[\s\S]*"finance": 404/);
  });
});
