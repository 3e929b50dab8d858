import { randomUUID } from "crypto";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { main } from "../../scripts/factory";
import { factoryClient, factoryTarget } from "../../scripts/factory/target";
import { startStackTriggers } from "../../scripts/factory/triggers";
import { windowRuns } from "../../scripts/factory/windows";
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from "../../scripts/lib/cli";
import { type FakeArm, startFakeArm } from "../../emulators/factory/armServer";
import { stackOutputs } from "../../emulators/stackOutputs";

const SUB = "11111111-2222-3333-4444-555555555555";
const OUTPUTS = stackOutputs({
  resourceGroupName: "contoso-test-datalake",
  factoryName: "contoso-test-migration-abc123",
  factoryId: `/subscriptions/${SUB}/resourceGroups/contoso-test-datalake/providers/Microsoft.DataFactory/factories/contoso-test-migration-abc123`,
  pipelines: ["sync-gen1-to-gen2", "sync-gen2-to-gen1"],
  triggers: ["sync-gen1-to-gen2-window", "sync-gen2-to-gen1-window"],
});
const FACTORY_PATH = `/subscriptions/${SUB}/resourceGroups/contoso-test-datalake/providers/Microsoft.DataFactory/factories/contoso-test-migration-abc123`;
const credential = { getToken: async () => ({ token: "loopback-token", expiresOnTimestamp: Date.now() + 3_600_000 }) };

let arm: FakeArm;
let dir: string;
let outputsFile: string;
beforeAll(async () => {
  arm = await startFakeArm();
  dir = mkdtempSync(path.join(tmpdir(), "factory-cli-"));
  outputsFile = path.join(dir, "outputs.json");
  writeFileSync(outputsFile, JSON.stringify(OUTPUTS));
});
afterAll(async () => {
  await arm.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  arm.calls.length = 0;
  arm.triggers.clear();
  arm.runs.clear();
  arm.triggerRuns.length = 0;
});

async function cli(...args: string[]): Promise<{ code: number; lines: string[]; err: string }> {
  return factory([...args, "--outputs", outputsFile, "--endpoint", arm.endpoint]);
}

async function factory(argv: string[], signal?: AbortSignal): Promise<{ code: number; lines: string[]; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, {
    out: (s) => (out += s),
    err: (s) => (err += s),
    env: {},
    tty: false,
    arm: { credential, clientOptions: { tlsOptions: { ca: arm.ca } } },
    pollIntervalMs: 20,
    signal,
  });
  return { code, lines: out.split("\n").filter((l) => l !== ""), err };
}

/** A usage error as the user sees it: exit 2 and the message on stderr. */
async function expectUsageError(run: Promise<{ code: number; err: string }>, message: string): Promise<void> {
  const { code, err } = await run;
  expect(code).toBe(EXIT_USAGE);
  expect(err).toContain(message);
}

describe("factory CLI against a loopback ARM", () => {
  it("triggers start: starts every stopped trigger through ARM's long-running start, skips started ones", async () => {
    arm.triggers.set("sync-gen1-to-gen2-window", "Stopped");
    arm.triggers.set("sync-gen2-to-gen1-window", "Started");
    const { code, lines } = await cli("triggers", "start");
    expect(code).toBe(EXIT_OK);
    expect(arm.triggers.get("sync-gen1-to-gen2-window")).toBe("Started");
    expect(lines).toEqual([
      "sync-gen1-to-gen2-window: stopped -> started",
      "sync-gen2-to-gen1-window: already started",
      "2 of 2 triggers started in contoso-test-migration-abc123",
    ]);
    const calls = arm.calls.map((c) => `${c.method} ${c.path.replace(FACTORY_PATH, "")}`);
    expect(calls).toEqual([
      "GET /triggers/sync-gen1-to-gen2-window",
      "POST /triggers/sync-gen1-to-gen2-window/start",
      expect.stringMatching(/^GET \/operations\/[0-9a-f-]{36}$/),
      "GET /triggers/sync-gen2-to-gen1-window",
    ]);
    for (const c of arm.calls.filter((x) => x.path.startsWith(FACTORY_PATH))) {
      expect(c.apiVersion).toBe("2018-06-01");
      expect(c.authorization).toBe("Bearer loopback-token");
    }
  });

  it("triggers stop: stops started triggers; a missing trigger fails (exit 1) without stopping the rest", async () => {
    arm.triggers.set("sync-gen2-to-gen1-window", "Started");
    const { code, lines } = await cli("triggers", "stop");
    expect(code).toBe(EXIT_FAILED);
    expect(arm.triggers.get("sync-gen2-to-gen1-window")).toBe("Stopped");
    expect(lines[0]).toMatch(/^sync-gen1-to-gen2-window: stop failed: .*not found/);
    expect(lines.slice(1)).toEqual(["sync-gen2-to-gen1-window: started -> stopped", "1 of 2 triggers stopped in contoso-test-migration-abc123"]);
  });

  it("run + status: creates a run with parsed parameters and reports its state; failed runs exit 1", async () => {
    const started = await cli("run", "sync-gen1-to-gen2", "--no-wait", "--param", "windowStart=2026-12-01T00:00:00Z", "--param", 'folders=[{"source":"raw/x"}]');
    expect(started.code).toBe(EXIT_OK);
    const runId = /run id ([0-9a-f-]{36})/.exec(started.lines[0])?.[1];
    expect(runId).toBeDefined();
    const createRun = arm.calls.find((c) => c.path.endsWith("/pipelines/sync-gen1-to-gen2/createRun"));
    expect(JSON.parse(createRun?.body ?? "null")).toEqual({ windowStart: "2026-12-01T00:00:00Z", folders: [{ source: "raw/x" }] });

    const ok = await cli("status", runId ?? "");
    expect(ok.code).toBe(EXIT_OK);
    expect(ok.lines).toEqual(expect.arrayContaining([`run ${runId}`, "  pipeline: sync-gen1-to-gen2", "  status: InProgress"]));

    arm.runs.set(runId ?? "", { ...arm.runs.get(runId ?? ""), status: "Failed", message: "Operation on target CopyWindow failed" });
    const failed = await cli("status", runId ?? "");
    expect(failed.code).toBe(EXIT_FAILED);
    expect(failed.lines).toContain("  message: Operation on target CopyWindow failed");
  });

  it("run: a stop while it waits exits 130 and names the run, which goes on", async () => {
    const stop = new AbortController();
    const polled = () => arm.calls.filter((c) => /\/pipelineruns\/[0-9a-f-]{36}$/.test(c.path)).length;
    const running = factory(["run", "sync-gen1-to-gen2", "--outputs", outputsFile, "--endpoint", arm.endpoint], stop.signal);
    for (let i = 0; i < 200 && polled() < 2; i++) await new Promise((r) => setTimeout(r, 20));
    stop.abort(new Error("interrupted"));
    const { code, lines, err } = await running;
    expect(code).toBe(EXIT_INTERRUPTED);
    const runId = /run id ([0-9a-f-]{36})/.exec(lines[0])?.[1];
    expect(err).toBe(`factory: stopped waiting; run ${runId} goes on in Data Factory: follow it with npm run factory -- status ${runId}\n`);
    expect(arm.runs.get(runId ?? "")).toMatchObject({ status: "InProgress" });
    const after = polled();
    await new Promise((r) => setTimeout(r, 100));
    expect(polled()).toBe(after); // no poll after the stop
  });

  it("rejects bad input before calling ARM: unknown pipeline, unknown action, bad --param, http endpoint off loopback", async () => {
    await expectUsageError(cli("run", "full-copy"), "run full-copy: not a pipeline of this stack; pipelines: sync-gen1-to-gen2, sync-gen2-to-gen1\n");
    await expectUsageError(cli("triggers", "restart"), "triggers restart: unknown action; use start or stop");
    await expectUsageError(cli("run", "sync-gen1-to-gen2", "--param", "novalue"), "--param novalue: expected name=value");
    await expectUsageError(
      factory(["status", "x", "--outputs", outputsFile, "--endpoint", "http://management.example.com"]),
      "--endpoint http://management.example.com: must be an https:// URL (ARM tokens are only sent over TLS); http:// is accepted for 127.0.0.1, localhost and [::1] only",
    );
    await expectUsageError(factory(["status", "x", "--outputs", outputsFile, "--endpoint", "http://127.0.0.2:1"]), "--endpoint http://127.0.0.2:1: must be an https:// URL");
    await expectUsageError(cli("run", "sync-gen1-to-gen2", "--timeout", "0"), "--timeout 0: give hours from 1 to 168");
    expect(arm.calls).toHaveLength(0);
  });

  it("startStackTriggers (the post-deploy entry point) starts the triggers named in the stack outputs", async () => {
    arm.triggers.set("sync-gen1-to-gen2-window", "Stopped");
    arm.triggers.set("sync-gen2-to-gen1-window", "Stopped");
    const outcomes = await startStackTriggers({ outputs: OUTPUTS, credential, endpoint: arm.endpoint, clientOptions: { tlsOptions: { ca: arm.ca } } });
    expect(outcomes.map((o) => [o.name, o.before, o.after])).toEqual([
      ["sync-gen1-to-gen2-window", "Stopped", "Started"],
      ["sync-gen2-to-gen1-window", "Stopped", "Started"],
    ]);
    expect([...arm.triggers.values()]).toEqual(["Started", "Started"]);
  });
});

describe("factory windows: a tumbling window trigger's runs, and the flip gate", () => {
  const TRIGGER = "sync-gen1-to-gen2-window";
  const hour = (h: number) => new Date(Date.UTC(2026, 11, 1, h)).toISOString();
  /** A window run as ARM reports it: the trigger run, and the pipeline run it started with the window as parameters. */
  function windowRun(h: number, runStatus: string, triggerStatus = runStatus === "Succeeded" ? "Succeeded" : runStatus === "Failed" ? "Failed" : "Inprogress") {
    const runId = randomUUID();
    arm.runs.set(runId, { runId, pipelineName: "sync-gen1-to-gen2", status: runStatus, parameters: { windowStart: hour(h), windowEnd: hour(h + 1) } });
    arm.triggerRuns.push({
      triggerRunId: `0858${h}${arm.triggerRuns.length}`,
      triggerName: TRIGGER,
      triggerType: "TumblingWindowTrigger",
      triggerRunTimestamp: new Date(Date.now() - 3_600_000 + arm.triggerRuns.length * 1000).toISOString(),
      status: triggerStatus,
      message: "",
      properties: {},
      triggeredPipelines: { "sync-gen1-to-gen2": runId },
    });
    return runId;
  }

  it("lists every window run with state and [start, end), through queryTriggerRuns pages filtered by trigger name", async () => {
    windowRun(2, "Succeeded");
    windowRun(0, "Succeeded");
    windowRun(1, "Failed");
    arm.triggerRuns.push({ triggerRunId: "other", triggerName: "sync-gen2-to-gen1-window", triggerRunTimestamp: new Date().toISOString(), status: "Succeeded" });
    const { code, lines } = await cli("windows", TRIGGER);
    expect(code).toBe(EXIT_OK);
    expect(lines).toEqual([
      expect.stringMatching(/^\[2026-12-01T00:00:00.000Z, 2026-12-01T01:00:00.000Z\) {2}Succeeded {2}run [0-9a-f-]{36}$/),
      expect.stringMatching(/^\[2026-12-01T01:00:00.000Z, 2026-12-01T02:00:00.000Z\) {2}Failed {2}run /),
      expect.stringMatching(/^\[2026-12-01T02:00:00.000Z, 2026-12-01T03:00:00.000Z\) {2}Succeeded {2}run /),
      expect.stringMatching(/^3 window run\(s\) of sync-gen1-to-gen2-window updated since /),
    ]);
    const queries = arm.calls.filter((c) => c.method === "POST" && c.path === `${FACTORY_PATH}/queryTriggerRuns`);
    expect(queries).toHaveLength(2);
    const [first, second] = queries.map((q) => JSON.parse(q.body) as Record<string, unknown>);
    expect(first).toEqual({
      lastUpdatedAfter: expect.stringMatching(/Z$/),
      lastUpdatedBefore: expect.stringMatching(/Z$/),
      filters: [{ operand: "TriggerName", operator: "Equals", values: [TRIGGER] }],
    });
    expect(second).toMatchObject({ continuationToken: "2" });
    expect(queries.every((q) => q.apiVersion === "2018-06-01")).toBe(true);
  });

  it("refuses a list it could not finish reading instead of gating on part of it", async () => {
    for (const h of [0, 1, 2]) windowRun(h, "Succeeded");
    const target = factoryTarget(OUTPUTS);
    const client = factoryClient(target, credential, { endpoint: arm.endpoint, clientOptions: { tlsOptions: { ca: arm.ca } } });
    // The fake ARM answers two trigger runs a page: one page leaves a continuation token unread.
    await expect(windowRuns(client, target, TRIGGER, { since: new Date(0), maxPages: 1 })).rejects.toThrow(`windows ${TRIGGER}: more than 1 pages of trigger runs`);
    expect(await windowRuns(client, target, TRIGGER, { since: new Date(0) })).toHaveLength(3);
  });

  it("--covering: exit 1 when a window before the covering one has no run record (a gap proves nothing copied)", async () => {
    windowRun(0, "Succeeded");
    windowRun(2, "Succeeded");
    const gap = await cli("windows", TRIGGER, "--covering", hour(2).replace(":00:00.000Z", ":20:00Z"));
    expect(gap.code).toBe(EXIT_FAILED);
    expect(gap.lines).toContain("no window run found for [2026-12-01T01:00:00.000Z, 2026-12-01T02:00:00.000Z): nothing shows it was copied");
    expect(gap.lines.at(-1)).toMatch(/is not copied yet: windows before it have no run record/);
  });

  it("--covering: exit 1 while the covering window is in progress or an earlier one failed; exit 0 once both succeeded", async () => {
    windowRun(0, "Succeeded");
    windowRun(1, "Failed");
    const stopped = hour(2).replace(":00:00.000Z", ":20:00Z");
    const covering = windowRun(2, "InProgress");

    const running = await cli("windows", TRIGGER, "--covering", stopped);
    expect(running.code).toBe(EXIT_FAILED);
    expect(running.lines).toContain("2026-12-01T02:20:00.000Z is not copied yet: no Succeeded window holds it; wait and run this again");

    arm.runs.set(covering, { ...arm.runs.get(covering), status: "Succeeded" });
    arm.triggerRuns[2].status = "Succeeded";
    const earlierFailed = await cli("windows", TRIGGER, "--covering", stopped);
    expect(earlierFailed.code).toBe(EXIT_FAILED);
    expect(earlierFailed.lines).toEqual(expect.arrayContaining([expect.stringMatching(/^not copied yet: \[2026-12-01T01:00:00.000Z, 2026-12-01T02:00:00.000Z\) {2}Failed/)]));
    expect(earlierFailed.lines.at(-1)).toMatch(/is not copied yet: an earlier window has not succeeded/);

    windowRun(1, "Succeeded"); // the failed window, rerun
    const copied = await cli("windows", TRIGGER, "--covering", stopped);
    expect(copied.code).toBe(EXIT_OK);
    expect(copied.lines.at(-1)).toMatch(/^2026-12-01T02:20:00.000Z is copied: window \[2026-12-01T02:00:00.000Z, 2026-12-01T03:00:00.000Z\) {2}Succeeded/);
  });

  it("rejects an unknown trigger or a bad instant before calling ARM", async () => {
    const unknown = await cli("windows", "nope");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("windows nope: not a trigger of this stack; triggers: sync-gen1-to-gen2-window, sync-gen2-to-gen1-window");
    const badInstant = await cli("windows", TRIGGER, "--covering", "2026-02-30");
    expect(badInstant.code).toBe(2);
    expect(badInstant.err).toContain("--covering 2026-02-30: expected a UTC instant");
    expect(arm.calls.filter((c) => c.path.includes("queryTriggerRuns"))).toHaveLength(0);
  });
});

