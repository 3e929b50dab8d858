import { existsSync, mkdtempSync, readdirSync, unlinkSync, writeFileSync } from "fs";
import { hostname } from "os";
import { tmpdir } from "os";
import * as path from "path";
import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { stringify } from "yaml";
import { main as postDeployMain } from "../../scripts/post-deploy";
import { type FakeArm, startFakeArm } from "../../emulators/factory/armServer";
import { DfsServer, startDfsServer } from "../../emulators/dfs/server";
import { readJournal } from "../../scripts/acl/journal";
import { stackOutputs } from "../../emulators/stackOutputs";

const READERS = "aaaaaaaa-0000-0000-0000-000000000001";

let server: DfsServer;
let dir: string;

async function postDeploy(args: string[], env: NodeJS.ProcessEnv = {}, signal?: AbortSignal): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await postDeployMain(args, {
    out: (s) => (out += s),
    err: (s) => (err += s),
    env: { AZURE_STORAGE_ACCOUNT: server.accountName, AZURE_STORAGE_KEY: server.accountKey, ...env },
    tty: false,
    retry: { maxAttempts: 5, baseDelayMs: 5, maxDelayMs: 20 },
    signal,
  });
  return { code, out, err };
}

function stackFile(name: string, config: Record<string, unknown>): string {
  const file = path.join(dir, `Pulumi.${name}.yaml`);
  writeFileSync(file, stringify({ config }));
  return file;
}

const BASE = {
  "azure-native:location": "westeurope",
  "adls-migration:environment": "dev",
  "adls-migration:pattern": "lift-and-shift",
  "adls-migration:namePrefix": "contoso",
  "adls-migration:source": { accountName: "contosogen1" },
  // ACL entries may only name principals the stack's access grants produce.
  "adls-migration:access": [{ principal: { group: "dl-readers" }, role: "Storage Blob Data Reader", scope: "account" }],
};

/** A valid stack config whose migration copies into the first filesystem. */
function stackConfig(filesystems: { name: string; folders?: string[] }[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...BASE,
    "adls-migration:filesystems": filesystems,
    "adls-migration:migration": { folders: [{ source: "/raw", filesystem: filesystems[0].name, target: "from-gen1" }] },
    ...extra,
  };
}

beforeAll(async () => {
  server = await startDfsServer();
  dir = mkdtempSync(path.join(tmpdir(), "post-deploy-"));
  writeFileSync(path.join(dir, "principals.json"), JSON.stringify({ "dl-readers": READERS }));
});
afterAll(() => server.close());

describe("post-deploy", () => {
  it("creates the declared folders, applies the stack's acls, and changes nothing on a second run", async () => {
    server.createFilesystem("raw");
    server.createFilesystem("curated");
    const file = stackFile(
      "pd",
      stackConfig([{ name: "raw", folders: ["landing/sales", "landing/finance"] }, { name: "curated", folders: ["sales"] }], {
        "adls-migration:acls": { rules: [{ path: "raw/landing", entries: [{ group: "dl-readers", permissions: "r-x" }, { group: "dl-readers", permissions: "r-x", default: true }] }] },
      }),
    );
    const args = ["--config-file", file, "--account-url", server.url, "--principals", path.join(dir, "principals.json"), "--checkpoint", path.join(dir, "cp.json")];

    const first = await postDeploy(args);
    expect(first.code).toBe(0);
    expect(first.out).toContain("ok   folders: 3 created, 0 already present");
    expect(first.out).toMatch(/ok {3}acls: applied 1 rule\(s\)/);

    const sdk = new DataLakeServiceClient(server.url, new StorageSharedKeyCredential(server.accountName, server.accountKey));
    for (const p of ["landing", "landing/sales", "landing/finance"]) {
      const acl = await sdk.getFileSystemClient("raw").getDirectoryClient(p).getAccessControl();
      expect(acl.acl.some((a) => a.entityId === READERS && a.defaultScope)).toBe(true);
    }
    expect(await sdk.getFileSystemClient("curated").getDirectoryClient("sales").exists()).toBe(true);

    server.resetStats();
    const second = await postDeploy(args);
    expect(second.code).toBe(0);
    expect(second.out).toContain("ok   folders: 0 created, 3 already present");
    expect(second.out).toContain("ok   acls: no change");
    expect(server.stats.writes).toBe(0);
  });

  it("accepts a migration into a filesystem root (target omitted) and creates the declared folders beside it", async () => {
    server.createFilesystem("rootfs");
    server.createFilesystem("rootlogs");
    const file = stackFile("root", {
      ...stackConfig([{ name: "rootfs", folders: ["incoming"] }, { name: "rootlogs" }]),
      "adls-migration:migration": { folders: [{ source: "/raw", filesystem: "rootfs" }], copy: { logFilesystem: "rootlogs" } },
    });
    const run = await postDeploy(["--config-file", file, "--account-url", server.url, "--principals", path.join(dir, "principals.json"), "--checkpoint", path.join(dir, "cp-root.json")]);
    expect(run.err).not.toMatch(/invalid/i);
    expect(run.code).toBe(0);
    expect(run.out).toContain("ok   folders: 1 created, 0 already present");
  });

  it("reports a missing filesystem as a failure and bad acls config as exit 2 before any request", async () => {
    const missing = stackFile("missing", stackConfig([{ name: "nosuchfs", folders: ["a"] }]));
    const run = await postDeploy(["--config-file", missing, "--account-url", server.url]);
    expect(run.code).toBe(1);
    expect(run.out).toContain("nosuchfs: the filesystem does not exist; run `pulumi up` for this stack first");

    server.resetStats();
    const bad = stackFile(
      "bad",
      stackConfig([{ name: "raw" }], {
        "adls-migration:acls": { rules: [{ path: "raw/x", entries: [{ group: "dl-readers", permissions: "rwz" }] }] },
      }),
    );
    const badRun = await postDeploy(["--config-file", bad, "--account-url", server.url]);
    expect(badRun.code).toBe(2);
    expect(badRun.err).toContain('adls-migration:acls.rules[0].entries[0].permissions: "rwz" is not valid');
    expect(server.stats.requests).toBe(0);
  });
});

describe("post-deploy stopped mid-step", () => {
  it("exits 130 naming the step, gives back the acls step's checkpoint lock, and a re-run completes", async () => {
    server.createFilesystem("stp");
    const file = stackFile("stp", stackConfig([{ name: "stp", folders: ["a/b", "c"] }], { "adls-migration:acls": { rules: [{ path: "stp/a", entries: [{ group: "dl-readers", permissions: "r-x" }] }] } }));
    const args = ["--config-file", file, "--account-url", server.url, "--principals", path.join(dir, "principals.json"), "--checkpoint", path.join(dir, "cp-stop.json")];
    // Every request takes 0.2 s: the folders step is mid-request when the stop comes, right after its first create arrived.
    server.faults = { latencyMs: 200 };
    server.resetStats();
    const stop = new AbortController();
    const running = postDeploy(args, {}, stop.signal);
    for (let i = 0; i < 500 && !server.stats.byOperation["PUT create directory"]; i++) await new Promise((r) => setTimeout(r, 10));
    expect(existsSync(path.join(dir, "cp-stop.json.lock"))).toBe(true); // the acls step's check took it
    stop.abort(new Error("interrupted"));
    const stopped = await running;
    server.faults = {};
    expect(stopped.code).toBe(130);
    expect(stopped.err).toContain("post-deploy: interrupted during the folders step; every step is idempotent: run it again");
    expect(existsSync(path.join(dir, "cp-stop.json.lock"))).toBe(false);
    const again = await postDeploy(args);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/ok {3}acls: applied 1 rule\(s\)/);
  });
});

describe("post-deploy: ACL input is checked first", () => {
  it("an unknown principal in the stack's acls exits 2 before any folder is created", async () => {
    server.createFilesystem("early");
    const file = stackFile(
      "early",
      stackConfig([{ name: "early", folders: ["landing"] }], {
        // Granted in the config, but missing from the principals the run resolves names with.
        "adls-migration:access": [{ principal: { group: "dl-nobody" }, role: "Storage Blob Data Reader", scope: "account" }],
        "adls-migration:acls": { rules: [{ path: "early/landing", entries: [{ group: "dl-nobody", permissions: "r-x" }] }] },
      }),
    );
    server.resetStats();
    const run = await postDeploy(["--config-file", file, "--account-url", server.url, "--principals", path.join(dir, "principals.json")]);
    expect(run.code).toBe(2);
    expect(run.err).toContain('adls-migration:acls.rules[0].entries[0].group: "dl-nobody" is not a known principal');
    expect(run.out).toBe("");
    expect(server.stats.writes).toBe(0);
    expect(server.aclOf("early", "landing")).toBeUndefined();
  });
});

describe("post-deploy --full", () => {
  it("applies the ACLs to a path added after the last run", async () => {
    server.createFilesystem("fullpd");
    server.createPath("fullpd", "landing/day1/early.csv", { content: Buffer.from("x") });
    const file = stackFile(
      "fullpd",
      stackConfig([{ name: "fullpd", folders: ["landing"] }], {
        "adls-migration:acls": { rules: [{ path: "fullpd/landing", entries: [{ group: "dl-readers", permissions: "r-x" }] }] },
      }),
    );
    const args = ["--config-file", file, "--account-url", server.url, "--principals", path.join(dir, "principals.json"), "--checkpoint", path.join(dir, "cp-full.json")];
    expect((await postDeploy(args)).code).toBe(0);
    server.createPath("fullpd", "landing/day1/late.csv", { content: Buffer.from("x") });
    const sdk = new DataLakeServiceClient(server.url, new StorageSharedKeyCredential(server.accountName, server.accountKey));
    const late = sdk.getFileSystemClient("fullpd").getFileClient("landing/day1/late.csv");
    expect((await late.getAccessControl()).acl.some((a) => a.entityId === READERS)).toBe(false);

    expect((await postDeploy(args)).out).toContain("ok   acls: no change");
    const full = await postDeploy([...args, "--full"]);
    expect(full.code).toBe(0);
    expect(full.out).toMatch(/ok {3}acls: applied 1 rule\(s\)/);
    expect((await late.getAccessControl()).acl.some((a) => a.entityId === READERS)).toBe(true);
  });
});

describe("post-deploy trigger step", () => {
  const SUB = "11111111-2222-3333-4444-555555555555";
  const FACTORY = "contoso-dev-migration-abc123";
  let arm: FakeArm;
  beforeAll(async () => {
    arm = await startFakeArm();
  });
  afterAll(() => arm.close());

  it("starts the stack's stopped triggers through ARM, and leaves them alone on a re-run", async () => {
    server.createFilesystem("sync");
    const outputs = path.join(dir, "factory-outputs.json");
    writeFileSync(
      outputs,
      JSON.stringify(stackOutputs({
        dfsEndpoint: server.url,
        principals: {},
        resourceGroupName: "contoso-dev-datalake",
        factoryName: FACTORY,
        factoryId: `/subscriptions/${SUB}/resourceGroups/contoso-dev-datalake/providers/Microsoft.DataFactory/factories/${FACTORY}`,
        pipelines: ["sync-gen1-to-gen2", "sync-gen2-to-gen1"],
        triggers: ["sync-gen1-to-gen2-window", "sync-gen2-to-gen1-window"],
      })),
    );
    arm.triggers.set("sync-gen1-to-gen2-window", "Stopped");
    arm.triggers.set("sync-gen2-to-gen1-window", "Stopped");
    const file = stackFile("trig", stackConfig([{ name: "sync" }]));
    const run = () =>
      postDeployMain(["--config-file", file, "--outputs", outputs, "--arm-endpoint", arm.endpoint], {
        out: (s) => (out += s),
        err: (s) => (out += s),
        env: { AZURE_STORAGE_ACCOUNT: server.accountName, AZURE_STORAGE_KEY: server.accountKey },
        tty: false,
        arm: { credential: { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }) }, clientOptions: { tlsOptions: { ca: arm.ca } } },
      });
    let out = "";
    expect(await run()).toBe(0);
    expect(out).toContain("ok   triggers: 2 started, 0 already running");
    expect([...arm.triggers.values()]).toEqual(["Started", "Started"]);
    expect(arm.calls.filter((c) => c.method === "POST" && c.path.endsWith("/start"))).toHaveLength(2);

    out = "";
    arm.calls.length = 0;
    expect(await run()).toBe(0);
    expect(out).toContain("ok   triggers: 0 started, 2 already running");
    expect(arm.calls.filter((c) => c.method === "POST")).toHaveLength(0);
  });
});

describe("post-deploy: the ACL checkpoint by default", () => {
  it("goes to the state directory under the name acl apply --stack uses, not into the cwd", async () => {
    server.createFilesystem("state");
    const file = stackFile("shared", stackConfig([{ name: "state", folders: ["landing"] }], {
      "adls-migration:acls": { rules: [{ path: "state/landing", entries: [{ group: "dl-readers", permissions: "r-x" }] }] },
    }));
    const stateDir = path.join(dir, "state");
    const cwd = process.cwd();
    const workDir = mkdtempSync(path.join(tmpdir(), "post-deploy-cwd-"));
    process.chdir(workDir);
    try {
      const run = await postDeploy(["--config-file", file, "--account-url", server.url, "--principals", path.join(dir, "principals.json")], {
        ADLS_MIGRATION_STATE_DIR: stateDir,
      });
      expect(run.code).toBe(0);
      expect(readdirSync(workDir)).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
    expect(readdirSync(stateDir)).toEqual(["acl-checkpoint-shared.json"]);
    expect(readJournal(path.join(stateDir, "acl-checkpoint-shared.json")).state.status).toBe("complete");
  });
});

describe("post-deploy: the truth before the first write", () => {
  const sdk = () => new DataLakeServiceClient(server.url, new StorageSharedKeyCredential(server.accountName, server.accountKey));
  const readersOn = async (fs: string, p: string) => (await sdk().getFileSystemClient(fs).getDirectoryClient(p).getAccessControl()).acl.some((a) => a.entityId === READERS);
  const aclStack = (name: string, folders: string[], rulePaths: string[]) =>
    stackFile(
      name,
      stackConfig([{ name, folders }], {
        "adls-migration:acls": { rules: rulePaths.map((p) => ({ path: p, entries: [{ group: "dl-readers", permissions: "r-x" }, { group: "dl-readers", permissions: "r-x", default: true }] })) },
      }),
    );
  const argsFor = (file: string, cp: string) => ["--config-file", file, "--account-url", server.url, "--principals", path.join(dir, "principals.json"), "--checkpoint", path.join(dir, cp)];

  it("--dry-run on a fresh deploy plans the ACLs on the folders the same run would create, and writes nothing", async () => {
    server.createFilesystem("fresh");
    const file = aclStack("fresh", ["landing/sales", "landing/finance"], ["fresh/landing"]);
    server.resetStats();
    const run = await postDeploy([...argsFor(file, "cp-fresh.json"), "--dry-run"]);
    expect(run.err).not.toContain("does not exist");
    expect(run.code).toBe(0);
    expect(run.out).toContain("ok   folders: 2 to create, 0 already present");
    // landing, landing/sales, landing/finance (created by the same run) and --x on the filesystem root.
    expect(run.out).toContain("ok   acls: would change 1 rule(s): fresh/landing 4 of 4 paths");
    expect(server.stats.writes).toBe(0);
    expect(await sdk().getFileSystemClient("fresh").getDirectoryClient("landing").exists()).toBe(false);

    // The real run then does what the dry run said.
    expect((await postDeploy(argsFor(file, "cp-fresh.json"))).code).toBe(0);
    expect(await readersOn("fresh", "landing/sales")).toBe(true);
  });

  it("an ACL rule on a path that neither exists nor is declared: exit 2 and no folder created", async () => {
    server.createFilesystem("early2");
    const file = aclStack("early2", ["landing"], ["early2/landing", "early2/elsewhere"]);
    server.resetStats();
    const run = await postDeploy(argsFor(file, "cp-early2.json"));
    expect(run.code).toBe(2);
    expect(run.err).toContain("rules[1] (early2/elsewhere): the path does not exist");
    expect(run.err).toContain("nothing was changed");
    expect(server.stats.writes).toBe(0);
    expect(await sdk().getFileSystemClient("early2").getDirectoryClient("landing").exists()).toBe(false);
  });

  it("a checkpoint held by another run: exit 2 naming the holder, and no folder created", async () => {
    server.createFilesystem("held");
    const file = aclStack("held", ["landing"], ["held/landing"]);
    const cp = path.join(dir, "cp-held.json");
    writeFileSync(`${cp}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), since: "2026-01-01T00:00:00.000Z" }));
    try {
      server.resetStats();
      const run = await postDeploy(argsFor(file, "cp-held.json"));
      expect(run.code).toBe(2);
      expect(run.err).toContain(`is in use by pid ${process.pid}`);
      expect(server.stats.writes).toBe(0);
      expect(await sdk().getFileSystemClient("held").getDirectoryClient("landing").exists()).toBe(false);
    } finally {
      unlinkSync(`${cp}.lock`);
    }
  });

  it("--only / --skip run the named steps; unknown names are exit 2", async () => {
    server.createFilesystem("sel");
    const file = aclStack("sel", ["landing"], ["sel/landing"]);
    const args = argsFor(file, "cp-sel.json");
    const bad = await postDeploy([...args, "--only", "folders,acl"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--only folders,acl: unknown step "acl"; the steps are folders, triggers, acls');
    expect((await postDeploy([...args, "--only", "folders", "--skip", "acls"])).code).toBe(2);

    const folders = await postDeploy([...args, "--only", "folders"]);
    expect(folders.code).toBe(0);
    expect(folders.out).toContain("ok   folders: 1 created");
    expect(folders.out).toContain("skip acls: not selected");
    expect(await readersOn("sel", "landing")).toBe(false);

    const acls = await postDeploy([...args, "--skip", "folders,triggers"]);
    expect(acls.code).toBe(0);
    expect(acls.out).toContain("skip folders: not selected");
    expect(acls.out).toMatch(/ok {3}acls: applied 1 rule\(s\)/);
    expect(await readersOn("sel", "landing")).toBe(true);
  });

  it("--json prints one document: each step, its outcome and counts", async () => {
    server.createFilesystem("jsonfs");
    const file = aclStack("jsonfs", ["landing/a", "landing/b"], ["jsonfs/landing"]);
    const run = await postDeploy([...argsFor(file, "cp-js.json"), "--json", "--skip", "triggers"]);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.out) as { ok: boolean; dryRun: boolean; steps: { name: string; outcome: string; counts: Record<string, number> }[] };
    expect(doc.ok).toBe(true);
    expect(doc.steps.map((s) => [s.name, s.outcome])).toEqual([["folders", "ok"], ["triggers", "skipped"], ["acls", "ok"]]);
    expect(doc.steps[0].counts).toEqual({ created: 2, existing: 0, failed: 0 });
    // landing, landing/a, landing/b, and --x on the filesystem root (traverse).
    expect(doc.steps[2].counts).toMatchObject({ rules: 1, directories: 4, failures: 0 });
  });
});

describe("post-deploy: missing Azure credentials", () => {
  it("is one line saying what to do, before any folder is created", async () => {
    server.createFilesystem("nocred");
    const outputs = path.join(dir, "nocred-outputs.json");
    const factoryId = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.DataFactory/factories/f";
    writeFileSync(outputs, JSON.stringify(stackOutputs({ dfsEndpoint: server.url, principals: {}, resourceGroupName: "rg", factoryName: "f", factoryId, pipelines: ["p"], triggers: ["t1", "t2"] })));
    const file = stackFile("nocred", stackConfig([{ name: "nocred", folders: ["landing"] }]));
    server.resetStats();
    // No io.arm: the real DefaultAzureCredential, with no credential anywhere in this environment.
    const run = await postDeploy(["--config-file", file, "--outputs", outputs, "--arm-endpoint", "https://127.0.0.1:9"]);
    expect(run.code).toBe(2);
    expect(run.err.trim().split("\n")).toEqual([
      expect.stringMatching(/^no Azure credentials for the trigger step \(Azure Resource Manager\): run `az login`.*AZURE_CLIENT_SECRET.*; or pass --skip triggers$/),
    ]);
    expect(run.err).not.toContain("EnvironmentCredential");
    expect(server.stats.writes).toBe(0);
  });
});
