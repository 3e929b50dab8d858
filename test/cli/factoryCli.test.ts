import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { main } from "../../scripts/factory";
import { startStackTriggers } from "../../scripts/factory/triggers";
import { EXIT_FAILED, EXIT_OK, UsageError } from "../../scripts/lib/cli";
import { type FakeArm, startFakeArm } from "../../emulators/factory/armServer";

const SUB = "11111111-2222-3333-4444-555555555555";
const OUTPUTS = {
  resourceGroupName: "contoso-test-datalake",
  factoryName: "contoso-test-migration-abc123",
  factoryId: `/subscriptions/${SUB}/resourceGroups/contoso-test-datalake/providers/Microsoft.DataFactory/factories/contoso-test-migration-abc123`,
  pipelines: ["sync-gen1-to-gen2", "sync-gen2-to-gen1"],
  triggers: ["sync-gen1-to-gen2-window", "sync-gen2-to-gen1-window"],
};
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
});

async function cli(...args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await main(["node", "factory", ...args, "--outputs", outputsFile, "--endpoint", arm.endpoint], {
    credential: () => credential,
    clientOptions: { tlsOptions: { ca: arm.ca } },
    out: (l) => lines.push(l),
  });
  return { code, lines };
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

  it("rejects bad input before calling ARM: unknown pipeline, unknown action, bad --param, http endpoint off loopback", async () => {
    await expect(cli("run", "full-copy")).rejects.toThrow(new UsageError("run full-copy: not a pipeline of this stack; pipelines: sync-gen1-to-gen2, sync-gen2-to-gen1"));
    await expect(cli("triggers", "restart")).rejects.toThrow("triggers restart: unknown action; use start or stop");
    await expect(cli("run", "sync-gen1-to-gen2", "--param", "novalue")).rejects.toThrow("--param novalue: expected name=value");
    await expect(
      main(["node", "factory", "status", "x", "--outputs", outputsFile, "--endpoint", "http://management.example.com"], { credential: () => credential, out: () => undefined }),
    ).rejects.toThrow("--endpoint http://management.example.com: must be an https:// URL (ARM tokens are only sent over TLS); http:// is accepted for 127.0.0.1, localhost and [::1] only");
    await expect(
      main(["node", "factory", "status", "x", "--outputs", outputsFile, "--endpoint", "http://127.0.0.2:1"], { credential: () => credential, out: () => undefined }),
    ).rejects.toThrow(UsageError);
    await expect(cli("run", "sync-gen1-to-gen2", "--timeout", "0")).rejects.toThrow("--timeout 0: give hours from 1 to 168");
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
