import type { JsonObject } from "../../emulators/factory/catalog";
import type { Plan } from "../../scripts/plan/runtime";
import { startFactoryRig } from "../support/factoryRig";
import { FOLDERS, LAKE } from "../support/lake";
import { planWith } from "../support/plan";

/** A pipeline the emulator does not understand must never pass: each unknown piece fails the run by name, and nothing is copied. */

let plan: Plan;
beforeAll(async () => {
  plan = await planWith({
    "adls-migration:pattern": "lift-and-shift",
    "adls-migration:filesystems": [{ name: "raw" }, { name: "curated" }],
    "adls-migration:migration": { folders: FOLDERS },
  });
});

function edited(edit: (fullCopy: JsonObject, forEach: JsonObject, copy: JsonObject) => void): Plan {
  const p = JSON.parse(JSON.stringify(plan)) as Plan;
  const pipeline = p.resources.find((r) => r.inputs.pipelineName === "full-copy")!.inputs as JsonObject;
  const forEach = (pipeline.activities as JsonObject[])[0];
  edit(pipeline, forEach, (forEach.activities as JsonObject[])[0]);
  return p;
}

const CASES: [string, (p: JsonObject, f: JsonObject, c: JsonObject) => void, RegExp][] = [
  ["an unknown activity type", (_p, f) => ((f.activities as JsonObject[])[0].type = "Delete"), /type Delete is not supported/],
  ["an unknown Copy property", (_p, _f, c) => (c.enableStaging = true), /property "enableStaging" is not supported/],
  ["an unknown read setting", (_p, _f, c) => (((c.source as JsonObject).storeSettings as JsonObject).wildcardFileName = "*.csv"), /property "wildcardFileName" is not supported/],
  ["an unknown function", (_p, _f, c) => ((((c.outputs as JsonObject[])[0].parameters as JsonObject).folderPath as JsonObject).value = "@concat(item().target, '/x')"), /function concat\(\) is not supported/],
  ["a copy behavior other than PreserveHierarchy", (_p, _f, c) => (((c.sink as JsonObject).storeSettings as JsonObject).copyBehavior = "FlattenHierarchy"), /copyBehavior "FlattenHierarchy" is not supported/],
  ["a pipeline-level property", (p) => (p.concurrency = 1), /property "concurrency" is not supported/],
  ["an activity dependency", (_p, f) => (f.dependsOn = [{ activity: "x", dependencyConditions: ["Succeeded"] }]), /dependsOn is not supported/],
];

describe("factory emulator refusals", () => {
  it.each(CASES)("fails the run on %s", async (_what, edit, message) => {
    const rig = await startFactoryRig(edited(edit), LAKE);
    try {
      const run = await rig.factory.runs.wait(rig.factory.runs.create("full-copy", {}));
      expect(run.status).toBe("Failed");
      expect(run.message).toMatch(message);
      expect(rig.dfs.countPaths("raw")).toBe(0);
    } finally {
      await rig.close();
    }
  });

  it("refuses a run with an undeclared or mistyped parameter before starting it", async () => {
    const rig = await startFactoryRig(plan, LAKE);
    try {
      expect(() => rig.factory.runs.create("full-copy", { folder: [] })).toThrow('pipeline full-copy has no parameter "folder"');
      expect(() => rig.factory.runs.create("full-copy", { folders: "raw" })).toThrow('parameter "folders" must be of type Array');
      expect(rig.factory.runs.records.size).toBe(0);
    } finally {
      await rig.close();
    }
  });
});
