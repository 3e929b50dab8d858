import type { JsonObject } from "../../emulators/factory/catalog";
import type { CopyOutput } from "../../emulators/factory/copy";
import type { Plan } from "../../scripts/plan/runtime";
import { listGen2, startFactoryRig } from "../support/factoryRig";
import { FOLDERS, LAKE } from "../support/lake";
import { planWith } from "../support/plan";

/** The catch-up pipeline in the factory emulator: exactly the listed files, a missing one skipped under fileMissing, settings ADF ignores beside a list refused by name. */

let plan: Plan;
beforeAll(async () => {
  plan = await planWith({
    "adls-migration:pattern": "lift-and-shift",
    "adls-migration:filesystems": [{ name: "raw" }, { name: "curated" }],
    "adls-migration:migration": { folders: FOLDERS, copy: { preserve: ["ACL", "Owner", "Group"] } },
  });
});

const item = { source: "raw/sales", filesystem: "raw", target: "sales", fileListPath: "lists/one.txt" };

describe("catch-up: Copy with fileListPath", () => {
  it("copies exactly the listed files (paths relative to the dataset folder), preserving; a listed file that is gone is skipped", async () => {
    const rig = await startFactoryRig(plan, LAKE);
    try {
      rig.gen1.tree.put({ path: "/lists/one.txt", content: "2026/02/c.csv\n\n2026/01/gone.csv\n" });
      const run = await rig.factory.runs.wait(rig.factory.runs.create("catch-up", { lists: [item] }));
      expect(run).toMatchObject({ status: "Succeeded", message: "" });
      const copy = rig.factory.runs.activityRuns.get(run.runId)!.find((a) => a.activityType === "Copy")!;
      expect(copy.output).toMatchObject({ copied: ["2026/02/c.csv"], filesSkipped: 1 } satisfies Partial<CopyOutput>);
      const paths = await listGen2(rig.gen2, "raw");
      expect(paths.filter((p) => !p.isDir && p.path.startsWith("sales/")).map((p) => p.path)).toEqual(["sales/2026/02/c.csv"]);
      // The skipped file is named in the session log, never silent.
      expect(paths.some((p) => p.path.startsWith("adf-copy-logs/copyactivity-logs/CopyFileList/"))).toBe(true);
      expect(paths.find((p) => p.path === "sales/2026/02/c.csv")).toMatchObject({ size: 70, owner: "etl-oid", group: "sales-group" });
    } finally {
      await rig.close();
    }
  });

  it("recursive beside fileListPath fails the run by name (ADF ignores it there)", async () => {
    const broken = JSON.parse(JSON.stringify(plan)) as Plan;
    const p = broken.resources.find((r) => r.type === "azure-native:datafactory:Pipeline" && r.inputs.pipelineName === "catch-up")!;
    const copy = ((p.inputs.activities as JsonObject[])[0].activities as JsonObject[])[0];
    ((copy.source as JsonObject).storeSettings as JsonObject).recursive = true;
    const rig = await startFactoryRig(broken, LAKE);
    try {
      rig.gen1.tree.put({ path: "/lists/one.txt", content: "2026/02/c.csv\n" });
      const run = await rig.factory.runs.wait(rig.factory.runs.create("catch-up", { lists: [item] }));
      expect(run.status).toBe("Failed");
      expect(run.message).toMatch(/recursive does not apply with fileListPath/);
    } finally {
      await rig.close();
    }
  });
});
