import type { CopyOutput } from "../../emulators/factory/copy";
import type { Plan } from "../../scripts/plan/runtime";
import { listGen2, startFactoryRig } from "../support/factoryRig";
import { FOLDERS, LAKE } from "../support/lake";
import { planWith } from "../support/plan";

/** skipErrorFile and the session log: a skipped file is never silent, and a failure not covered by an option fails the run by file. */

let plan: Plan;
beforeAll(async () => {
  plan = await planWith({
    "adls-migration:pattern": "lift-and-shift",
    "adls-migration:filesystems": [{ name: "raw" }, { name: "curated" }, { name: "logs" }],
    "adls-migration:migration": { folders: FOLDERS, copy: { logFilesystem: "logs", skipErrorFile: { fileMissing: true, dataInconsistency: false } } },
  });
});

describe("factory emulator fault tolerance", () => {
  it("a file deleted during the copy is skipped (fileMissing) and named in the session log on Gen2", async () => {
    const rig = await startFactoryRig(plan, LAKE);
    try {
      // The copy reads a file with OPEN (as the connector does): a 404 there is a file deleted between listing and reading.
      rig.reseedGen1(LAKE, [{ op: "OPEN", path: "/raw/sales/2026/01/a.csv", status: 404, times: 10 }]);
      const run = await rig.factory.runs.wait(rig.factory.runs.create("full-copy", {}));
      expect(run.status).toBe("Succeeded");
      const sales = rig.factory.runs.activityRuns.get(run.runId)!.find((a) => a.activityType === "Copy" && (a.output as CopyOutput).filesSkipped > 0)!;
      expect(sales.output).toMatchObject({ filesSkipped: 1, filesWritten: 2 });
      const logs = (await listGen2(rig.gen2, "logs")).filter((p) => !p.isDir);
      expect(logs).toHaveLength(1);
      expect(logs[0].path).toMatch(new RegExp(`^adf-copy-logs/copyactivity-logs/CopyFolder/${sales.activityRunId}/[0-9a-f-]{36}\\.txt$`));
      const text = (await rig.gen2.getFileSystemClient("logs").getFileClient(logs[0].path).readToBuffer()).toString("utf8").split("\n");
      expect(text[0]).toBe("Timestamp,Level,OperationName,OperationItem,Message");
      expect(text[1]).toMatch(/^[0-9T:.-]+Z,Warning,FileSkip,"2026\/01\/a\.csv","fileMissing: /);
      expect((await listGen2(rig.gen2, "raw")).map((p) => p.path)).not.toContain("sales/2026/01/a.csv");
    } finally {
      await rig.close();
    }
  });

  it("a forbidden file without skipErrorFile.fileForbidden fails the run naming the file", async () => {
    const rig = await startFactoryRig(plan, LAKE);
    try {
      rig.reseedGen1(LAKE, [{ op: "OPEN", path: "/raw/finance/q1/x.bin", status: 403, times: 10 }]);
      const run = await rig.factory.runs.wait(rig.factory.runs.create("full-copy", {}));
      expect(run.status).toBe("Failed");
      expect(run.message).toMatch(/q1\/x\.bin: Gen1 OPEN \/raw\/finance\/q1\/x\.bin: 403/);
    } finally {
      await rig.close();
    }
  });
});
