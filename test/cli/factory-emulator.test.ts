import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { DataFactoryManagementClient } from "@azure/arm-datafactory";
import { type FakeArm, startFakeArm } from "../../emulators/factory/armServer";
import { main } from "../../scripts/factory";
import { factoryClient, factoryTarget } from "../../scripts/factory/target";
import { EXIT_FAILED, EXIT_OK } from "../../scripts/lib/cli";
import { parseStackOutputs } from "../../scripts/lib/stackOutputs";
import { type FactoryRig, startFactoryRig } from "../support/factoryRig";
import { FOLDERS, LAKE, expectMirror } from "../support/lake";
import { planWith } from "../support/plan";

/**
 * The factory CLI and the real ARM SDK against the Data Factory emulator
 * behind the fake ARM, over plain HTTP on loopback: `run` waits and exits
 * 1 on a failed run, triggers start through ARM, the clock runs windows,
 * and pipeline and trigger runs are queried with the SDK's own operations.
 */

const S = Date.parse("2026-12-01T00:00:00Z");
const H = 3_600_000;
const credential = { getToken: async () => ({ token: "loopback-token", expiresOnTimestamp: Date.now() + 3_600_000 }) };

let rig: FactoryRig;
let arm: FakeArm;
let dir: string;
let outputsFile: string;
let outputs: Record<string, unknown>;

beforeAll(async () => {
  const plan = await planWith({
    "adls-migration:pattern": "incremental",
    "adls-migration:filesystems": [{ name: "raw" }, { name: "curated" }],
    "adls-migration:migration": {
      folders: FOLDERS,
      copy: { preserve: ["ACL", "Owner", "Group"] },
      schedule: { frequency: "Hour", interval: 1, startTime: new Date(S).toISOString(), maxConcurrency: 1 },
    },
  });
  outputs = plan.outputs;
  rig = await startFactoryRig(plan, LAKE, { clock: new Date(S) });
  arm = await startFakeArm({ factory: rig.factory, protocol: "http" });
  dir = mkdtempSync(path.join(tmpdir(), "factory-emu-"));
  outputsFile = path.join(dir, "outputs.json");
  writeFileSync(outputsFile, JSON.stringify(outputs));
});
afterAll(async () => {
  await Promise.all([arm.close(), rig.close()]);
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number; lines: string[] }> {
  let out = "";
  const code = await main([...args, "--outputs", outputsFile, "--endpoint", arm.endpoint], {
    out: (s) => (out += s),
    err: (s) => (out += s),
    env: {},
    tty: false,
    arm: { credential },
    pollIntervalMs: 20,
  });
  return { code, lines: out.split("\n").filter((l) => l !== "") };
}

function sdk(): DataFactoryManagementClient {
  return factoryClient(factoryTarget(parseStackOutputs(outputs, "the plan")), credential, { endpoint: arm.endpoint });
}

describe("factory CLI against the Data Factory emulator (http on loopback)", () => {
  it("run full-copy waits for the run and prints Succeeded; the data is on Gen2; the token went along", async () => {
    expect(arm.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:/);
    const { code, lines } = await cli("run", "full-copy");
    expect(code).toBe(EXIT_OK);
    expect(lines[0]).toMatch(/^started full-copy in contoso-dev-migration-[0-9a-f]{6}: run id [0-9a-f-]{36}$/);
    expect(lines).toContain("  status: Succeeded");
    await expectMirror(rig.gen2, LAKE, FOLDERS);
    expect(arm.calls.every((c) => c.authorization === "Bearer loopback-token")).toBe(true);
  });

  it("the SDK queries a run's activity runs: each Copy with its output counts, filtered, paged by continuationToken", async () => {
    const { resourceGroupName: rg, factoryName } = rig.catalog;
    const runId = (await sdk().pipelines.createRun(rg, factoryName, "full-copy")).runId;
    const run = await rig.factory.runs.wait(runId);
    const range = { lastUpdatedAfter: new Date(Date.parse(run.runStart) - H), lastUpdatedBefore: new Date(Date.parse(run.runEnd!) + H) };
    const copies = await sdk().activityRuns.queryByPipelineRun(rg, factoryName, runId, { ...range, filters: [{ operand: "ActivityType", operator: "Equals", values: ["Copy"] }] });
    expect(copies.continuationToken).toBeUndefined();
    expect(copies.value.map((a) => [a.activityName, a.status, a.pipelineName, a.output.filesRead, a.output.filesWritten, a.output.filesSkipped]).sort()).toEqual([
      ["CopyFolder", "Succeeded", "full-copy", 1, 1, 0],
      ["CopyFolder", "Succeeded", "full-copy", 3, 3, 0],
    ]);
    expect(copies.value[0].activityRunStart).toBeInstanceOf(Date);

    // Three activity runs (the ForEach and its two Copy runs): two pages.
    const first = await sdk().activityRuns.queryByPipelineRun(rg, factoryName, runId, range);
    expect(first.value).toHaveLength(2);
    const rest = await sdk().activityRuns.queryByPipelineRun(rg, factoryName, runId, { ...range, continuationToken: first.continuationToken });
    expect([...first.value, ...rest.value].map((a) => a.activityType).sort()).toEqual(["Copy", "Copy", "ForEach"]);
    expect(rest.continuationToken).toBeUndefined();

    await expect(sdk().activityRuns.queryByPipelineRun(rg, factoryName, runId, { ...range, filters: [{ operand: "PipelineName", operator: "Equals", values: ["full-copy"] }] })).rejects.toMatchObject({
      statusCode: 400,
      message: "filter operand PipelineName is not supported by the emulator",
    });
  });

  it("run exits 1 on a failed run and prints the message naming the cause", async () => {
    const { code, lines } = await cli("run", "incremental-copy", "--param", "windowStart=not a time", "--param", "windowEnd=2026-12-01T01:00:00Z");
    expect(code).toBe(EXIT_FAILED);
    expect(lines).toContain("  status: Failed");
    expect(lines.find((l) => l.startsWith("  message:"))).toMatch(/modifiedDatetimeStart: "not a time" is not a datetime/);
  });

  it("run refused by the service (a parameter the pipeline lacks) fails with the service's message", async () => {
    const refused = await cli("run", "full-copy", "--param", "nope=1");
    expect(refused.code).toBe(1);
    expect(refused.lines).toEqual(['run full-copy: Data Factory refused the run: pipeline full-copy has no parameter "nope"']);
  });

  it("triggers start, clock --advance runs the due windows, and the SDK queries trigger and pipeline runs", async () => {
    const started = await cli("triggers", "start");
    expect(started.lines).toEqual(["incremental-window: stopped -> started", expect.stringMatching(/^1 of 1 triggers started in /)]);
    const trigger = await sdk().triggers.get(rig.catalog.resourceGroupName, rig.catalog.factoryName, "incremental-window");
    expect(trigger.properties).toMatchObject({ type: "TumblingWindowTrigger", runtimeState: "Started", frequency: "Hour", interval: 1, maxConcurrency: 1 });

    const advanced = await cli("clock", "--advance", "2h");
    expect(advanced.code).toBe(EXIT_OK);
    expect(advanced.lines).toEqual([
      "emulator clock: 2026-12-01T00:00:00.000Z -> 2026-12-01T02:00:00.000Z",
      "  incremental-window [2026-12-01T00:00:00.000Z, 2026-12-01T01:00:00.000Z): Succeeded",
      "  incremental-window [2026-12-01T01:00:00.000Z, 2026-12-01T02:00:00.000Z): Succeeded",
      "2 window runs",
    ]);
    expect((await cli("clock")).lines).toEqual(["emulator clock: 2026-12-01T02:00:00.000Z"]);

    const range = { lastUpdatedAfter: new Date(S - 24 * H), lastUpdatedBefore: new Date(S + 24 * H) };
    const triggerRuns = await sdk().triggerRuns.queryByFactory(rig.catalog.resourceGroupName, rig.catalog.factoryName, {
      ...range,
      filters: [{ operand: "TriggerName", operator: "Equals", values: ["incremental-window"] }],
    });
    expect(triggerRuns.value.map((r) => [r.status, r.properties?.windowStartTime])).toEqual([
      ["Succeeded", "2026-12-01T00:00:00.000Z"],
      ["Succeeded", "2026-12-01T01:00:00.000Z"],
    ]);
    const runs = await sdk().pipelineRuns.queryByFactory(rig.catalog.resourceGroupName, rig.catalog.factoryName, {
      ...range,
      filters: [{ operand: "PipelineName", operator: "Equals", values: ["incremental-copy"] }, { operand: "Status", operator: "Equals", values: ["Succeeded"] }],
    });
    expect(runs.value.map((r) => [r.invokedBy?.invokedByType, r.parameters?.windowStart])).toEqual([
      ["TumblingWindowTrigger", "2026-12-01T00:00:00.0000000Z"],
      ["TumblingWindowTrigger", "2026-12-01T01:00:00.0000000Z"],
    ]);
  });

  it("clock flags are checked before anything is called", async () => {
    expect(await cli("clock", "--advance", "2 hours")).toEqual({ code: 2, lines: ["--advance 2 hours: give a duration like 30s, 15m, 2h or 1d"] });
    expect(await cli("clock", "--advance", "1h", "--to", "2027-01-01T00:00:00Z")).toEqual({ code: 2, lines: ["clock: give --advance or --to, not both"] });
  });
});
