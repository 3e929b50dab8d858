import { generatedContent as gen1Content } from "../../emulators/gen1/tree";
import { type FactoryRig, startFactoryRig } from "../support/factoryRig";
import { FOLDERS, LAKE, T, expectMirror } from "../support/lake";
import { planWith } from "../support/plan";

/**
 * lift-and-shift: the planned full-copy pipeline, run by the factory
 * emulator, leaves Gen2 equal to Gen1 (bytes, owner, group, ACL) except for
 * what ADF documents it does not copy: empty folders.
 */

let rig: FactoryRig;
beforeAll(async () => {
  const plan = await planWith({
    "adls-migration:pattern": "lift-and-shift",
    "adls-migration:filesystems": [{ name: "raw" }, { name: "curated" }, { name: "logs" }],
    "adls-migration:migration": { folders: FOLDERS, copy: { preserve: ["ACL", "Owner", "Group"], logFilesystem: "logs" } },
  });
  rig = await startFactoryRig(plan, LAKE);
});
afterAll(() => rig.close());

describe("lift-and-shift in the emulators", () => {
  it("full-copy makes Gen2 equal to Gen1 (bytes, owner, group, ACLs) except empty folders", async () => {
    const runId = rig.factory.runs.create("full-copy", {});
    const run = await rig.factory.runs.wait(runId);
    expect(run).toMatchObject({ status: "Succeeded", message: "" });

    const actual = await expectMirror(rig.gen2, LAKE, FOLDERS);
    const bytes = await rig.gen2.getFileSystemClient("raw").getFileClient("sales/2026/01/a.csv").readToBuffer();
    expect(bytes.equals(gen1Content("raw/sales/2026/01/a.csv", 300, T))).toBe(true);
    // Documented gap: empty source folders (and their default ACLs) are not created.
    expect(actual.map((p) => p.key)).not.toContain("raw/sales/empty");
    expect(actual.map((p) => p.key)).not.toContain("raw/sales/2026/03");
  });
});
