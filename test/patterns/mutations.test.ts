import type { JsonObject } from "../../emulators/factory/catalog";
import type { CopyOutput } from "../../emulators/factory/copy";
import type { Plan } from "../../scripts/plan/runtime";
import { type FactoryRig, startFactoryRig } from "../support/factoryRig";
import { FOLDERS, LAKE, expectMirror } from "../support/lake";
import { planWith } from "../support/plan";

/**
 * The pattern tests must catch broken pipelines. Each case edits a copy of
 * the planned JSON the way a bug in components/factory/definitions.ts would,
 * runs it in the emulator, and shows that the assertion the pattern tests
 * make fails (or that the emulator refuses the run, as ADF would).
 */

const S = Date.parse("2026-12-01T00:00:00Z");
const H = 3_600_000;

const baseConfig = (pattern: string, extra: Record<string, unknown> = {}) => ({
  "adls-migration:pattern": pattern,
  "adls-migration:filesystems": [{ name: "raw" }, { name: "curated" }, { name: "logs" }],
  "adls-migration:migration": {
    folders: FOLDERS,
    copy: { preserve: ["ACL", "Owner", "Group"] },
    schedule: { frequency: "Hour", interval: 1, startTime: new Date(S).toISOString(), maxConcurrency: 1 },
    ...extra,
  },
});

/** A deep copy of the plan with one pipeline's innermost Copy activity edited. */
function withCopyEdited(plan: Plan, pipeline: string, edit: (copy: JsonObject) => void): Plan {
  const copy = JSON.parse(JSON.stringify(plan)) as Plan;
  const p = copy.resources.find((r) => r.type === "azure-native:datafactory:Pipeline" && r.inputs.pipelineName === pipeline)!;
  const forEach = (p.inputs.activities as JsonObject[])[0];
  for (const a of forEach.activities as JsonObject[]) edit(a);
  return copy;
}

async function withRig<T>(plan: Plan, clock: Date, body: (rig: FactoryRig) => Promise<T>): Promise<T> {
  const rig = await startFactoryRig(plan, LAKE, { clock });
  try {
    return await body(rig);
  } finally {
    await rig.close();
  }
}

describe("the pattern tests fail against broken pipelines", () => {
  let liftAndShift: Plan;
  let incremental: Plan;
  beforeAll(async () => {
    liftAndShift = await planWith(baseConfig("lift-and-shift", { schedule: undefined }));
    incremental = await planWith(baseConfig("incremental"));
  });

  it("wrong folder expression: the sink folder from item().source instead of item().target", async () => {
    const broken = withCopyEdited(liftAndShift, "full-copy", (a) => {
      ((a.outputs as JsonObject[])[0].parameters as JsonObject).folderPath = { type: "Expression", value: "@item().source" };
    });
    await withRig(broken, new Date(S), async (rig) => {
      expect((await rig.factory.runs.wait(rig.factory.runs.create("full-copy", {}))).status).toBe("Succeeded");
      await expect(expectMirror(rig.gen2, LAKE, FOLDERS)).rejects.toThrow(/raw\/raw\/sales/);
    });
  });

  it("missing window filter: an incremental window copies unchanged files again", async () => {
    const broken = withCopyEdited(incremental, "incremental-copy", (a) => {
      const settings = (a.source as JsonObject).storeSettings as JsonObject;
      delete settings.modifiedDatetimeStart;
      delete settings.modifiedDatetimeEnd;
    });
    await withRig(broken, new Date(S - H), async (rig) => {
      await rig.factory.runs.wait(rig.factory.runs.create("full-copy", {}));
      const trigger = rig.factory.trigger("incremental-window")!;
      trigger.runtimeState = "Started";
      await rig.factory.advanceTo(new Date(S + H));
      const copied = (rig.factory.runs.activityRuns.get(trigger.windows[0].runIds[0]) ?? []).flatMap((a) => (a.activityType === "Copy" ? (a.output as CopyOutput).copied : []));
      // Nothing changed in [S, S+1h): the incremental test's "each change copied once" assertion expects no copy at all.
      expect(() => expect(copied).toEqual([])).toThrow();
      expect(copied).toContain("2026/01/a.csv");
    });
  });

  it("preserve left off the Gen1 → Gen2 copy: ACLs, owners and groups do not arrive", async () => {
    const broken = withCopyEdited(liftAndShift, "full-copy", (a) => {
      delete a.preserve;
    });
    await withRig(broken, new Date(S), async (rig) => {
      expect((await rig.factory.runs.wait(rig.factory.runs.create("full-copy", {}))).status).toBe("Succeeded");
      await expect(expectMirror(rig.gen2, LAKE, FOLDERS)).rejects.toThrow(/owner|acl/);
    });
  });

  it("preserve on the Gen2 → Gen1 direction: the run fails naming it, as ADF refuses preserve into Gen1", async () => {
    const plan = await planWith({
      ...baseConfig("bidirectional-sync"),
      "adls-migration:source": { accountName: "contosogen1", auth: "managedIdentity", subscriptionId: "11111111-2222-3333-4444-555555555555", resourceGroupName: "gen1-rg" },
      "adls-migration:migration": {
        folders: [{ ...FOLDERS[0], writer: "gen2" }],
        copy: { preserve: ["ACL", "Owner", "Group"] },
        schedule: { frequency: "Hour", interval: 1, startTime: new Date(S).toISOString() },
      },
    });
    const broken = withCopyEdited(plan, "sync-gen2-to-gen1", (a) => {
      a.preserve = ["ACL", "Owner", "Group"];
    });
    await withRig(broken, new Date(S + H), async (rig) => {
      const run = await rig.factory.runs.wait(rig.factory.runs.create("sync-gen2-to-gen1", { windowStart: new Date(S).toISOString(), windowEnd: new Date(S + H).toISOString() }));
      expect(run.status).toBe("Failed");
      expect(run.message).toMatch(/preserve ACL,Owner,Group needs a Gen2 sink/);
    });
  });

  it("the copy that pattern tests trust does preserve: the unbroken plan passes the same mirror assertion", async () => {
    await withRig(liftAndShift, new Date(S), async (rig) => {
      await rig.factory.runs.wait(rig.factory.runs.create("full-copy", {}));
      await expectMirror(rig.gen2, LAKE, FOLDERS);
    });
  });
});
