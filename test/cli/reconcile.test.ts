import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { stringify } from "yaml";
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME } from "../../emulators/dfs/server";
import { type FakeArm, startFakeArm } from "../../emulators/factory/armServer";
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from "../../scripts/lib/cli";
import { main } from "../../scripts/reconcile";
import { runScriptAsync } from "../support/cli";
import { type FactoryRig, listGen2, startFactoryRig } from "../support/factoryRig";
import { writeGen1Inventory } from "../../emulators/gen1/inventory";
import { DEFAULTS, FOLDERS, LAKE, NAMED, T } from "../support/lake";
import { BASE_CONFIG, planWith } from "../support/plan";
import { generatedContent as gen1Content } from "../../emulators/gen1/tree";

/**
 * validate → reconcile → validate in the emulators, through the real SDK
 * clients: the full copy leaves out what ADF documents it leaves out (empty
 * folders and their default ACLs); Gen1 then changes (files deleted, a file
 * renamed into a copied folder keeping its modified time, an ACL changed, an
 * empty folder added); validate counts each kind; reconcile --delete fixes
 * them (files through the catch-up pipeline) and validate says zero.
 */

const CONFIG = {
  ...BASE_CONFIG,
  "adls-migration:pattern": "lift-and-shift",
  "adls-migration:filesystems": [{ name: "raw" }, { name: "curated" }],
  "adls-migration:migration": { folders: FOLDERS, copy: { preserve: ["ACL", "Owner", "Group"] } },
};
const sharedKey = { AZURE_STORAGE_ACCOUNT: DEV_ACCOUNT_NAME, AZURE_STORAGE_KEY: DEV_ACCOUNT_KEY };
const credential = { getToken: async () => ({ token: "gen1-test-token", expiresOnTimestamp: Date.now() + 3_600_000 }) };

interface Env {
  rig: FactoryRig;
  arm: FakeArm;
  dir: string;
  configFile: string;
  outputsFile: string;
}

async function setUp(): Promise<Env> {
  const plan = await planWith(CONFIG);
  const rig = await startFactoryRig(plan, LAKE);
  const arm = await startFakeArm({ factory: rig.factory, protocol: "http" });
  const dir = mkdtempSync(path.join(tmpdir(), "reconcile-"));
  const configFile = path.join(dir, "Pulumi.reconcile.yaml");
  writeFileSync(configFile, stringify({ config: CONFIG }));
  const outputsFile = path.join(dir, "outputs.json");
  writeFileSync(outputsFile, JSON.stringify(plan.outputs));
  expect((await rig.factory.runs.wait(rig.factory.runs.create("full-copy", {}))).status).toBe("Succeeded");
  return { rig, arm, dir, configFile, outputsFile };
}

async function tearDown(e: Env): Promise<void> {
  await Promise.all([e.arm.close(), e.rig.close()]);
  rmSync(e.dir, { recursive: true, force: true });
}

/** What happened on Gen1 after the full copy. */
function mutateGen1(e: Env): void {
  const tree = e.rig.gen1.tree;
  tree.delete("/raw/sales/2026/01/b.csv");
  tree.delete("/raw/finance/q1/x.bin");
  // A rename into a copied folder keeps the modified time: no incremental window would see it.
  tree.delete("/raw/other/not-migrated.txt");
  tree.put({ path: "/raw/sales/2026/02/moved.txt", size: 5, modified: T - 86_400_000, owner: "etl-oid", group: "sales-group", permission: "640" });
  tree.update("/raw/sales/2026/01/a.csv", { acl: ["user::rw-", "user:auditor-oid:r--", "group::r--", "mask::r--", "other::---"] });
  tree.put({ path: "/raw/sales/new-empty", type: "directory", owner: "sales-owner", group: "sales-group", permission: "750", acl: [...NAMED, ...DEFAULTS] });
}

/** validate's JSON report as printed (`out`: as --out writes it, with the full list beside it). */
async function validateJson(e: Env, out = false): Promise<{ code: number | null; report: { ok: boolean; counts: Record<string, number>; folders: { counts: Record<string, number>; differences: { kind: string; path: string }[] }[] }; file: string }> {
  const inventory = path.join(e.dir, "gen1.jsonl");
  writeGen1Inventory(e.rig.gen1.tree, "/", inventory);
  const base = path.join(e.dir, `report-${Date.now()}`);
  const r = await runScriptAsync("validate", ["--config-file", e.configFile, "--source", inventory, "--account-url", e.rig.dfs.url, "--acls", "--acl-mode", "source-subset", "--json", ...(out ? ["--out", base] : [])], sharedKey);
  const file = `${base}.json`;
  if (!out) writeFileSync(file, r.stdout);
  return { code: r.code, report: JSON.parse(r.stdout), file };
}

async function reconcileCli(e: Env, args: string[], hooks: { signal?: AbortSignal; onCopyStarted?: (id: string) => void } = {}): Promise<{ code: number; out: string }> {
  let out = "";
  const code = await main(
    ["--config-file", e.configFile, "--outputs", e.outputsFile, "--endpoint", e.arm.endpoint, "--account-url", e.rig.dfs.url, "--source-account-url", e.rig.gen1.url, "--journal", path.join(e.dir, "journal.jsonl"), ...args],
    { out: (s) => (out += s), err: (s) => (out += s), env: { ...sharedKey }, tty: false, credential, pollIntervalMs: 20, ...hooks },
  );
  return { code, out };
}

const catchUpRuns = (e: Env) => [...e.rig.factory.runs.records.values()].filter((r) => r.pipelineName === "catch-up");

describe("validate → reconcile → validate until zero", () => {
  let e: Env;
  beforeAll(async () => {
    e = await setUp();
    mutateGen1(e);
  });
  afterAll(() => tearDown(e));

  it("validate counts each kind exactly; --max-delete refuses a mass delete with nothing changed; reconcile --delete; validate says zero", async () => {
    const before = await validateJson(e);
    expect(before.code).toBe(EXIT_FAILED);
    const kinds = (i: number) => before.report.folders[i].differences.map((d) => `${d.kind} ${d.path}`).sort();
    expect(kinds(0)).toEqual(["acl 2026/01/a.csv", "extra 2026/01/b.csv", "missing 2026/02/moved.txt", "missing 2026/03", "missing empty", "missing new-empty"]);
    expect(kinds(1)).toEqual(["extra q1/x.bin"]);
    expect(before.report.counts).toEqual({ missing: 4, extra: 2, type: 0, size: 0, stale: 0, acl: 1 });

    const gen2Before = await listGen2(e.rig.gen2, "raw");
    const refused = await reconcileCli(e, ["--report", before.file, "--delete", "--max-delete", "1"]);
    expect(refused.code).toBe(EXIT_USAGE);
    expect(refused.out).toContain("--delete would delete 2 paths, more than --max-delete 1");
    expect(await listGen2(e.rig.gen2, "raw")).toEqual(gen2Before);
    expect(catchUpRuns(e)).toHaveLength(0);

    const dry = await reconcileCli(e, ["--report", before.file, "--delete", "--dry-run"]);
    expect(dry.code).toBe(EXIT_FAILED);
    expect(dry.out).toContain("directories created: 3\n  files copied by catch-up: 1\n  ACLs set: 1\n  extra paths deleted: 2");
    expect(await listGen2(e.rig.gen2, "raw")).toEqual(gen2Before);

    const fixed = await reconcileCli(e, ["--report", before.file, "--delete", "--json"]);
    expect(fixed.code).toBe(EXIT_OK);
    const result = JSON.parse(fixed.out);
    expect(result).toMatchObject({ ok: true, done: { mkdir: 3, copy: 1, acl: 1, delete: 2 }, unfixable: [], softDeleteDays: 7, catchUp: { status: "Succeeded", files: 1, lists: 1 } });
    expect(catchUpRuns(e)).toHaveLength(1);

    const after = await validateJson(e);
    expect(after.report.counts).toEqual({ missing: 0, extra: 0, type: 0, size: 0, stale: 0, acl: 0 });
    expect(after.code).toBe(EXIT_OK);
    // What a user sees on Gen2, read back over HTTP: the copied file's bytes and metadata, the ACL, the empty folders with their default ACLs.
    const raw = new Map((await listGen2(e.rig.gen2, "raw")).map((p) => [p.path, p]));
    expect(raw.has("sales/2026/01/b.csv")).toBe(false);
    expect(raw.get("sales/2026/02/moved.txt")).toMatchObject({ isDir: false, size: 5, owner: "etl-oid", group: "sales-group", acl: ["group::r--", "other::---", "user::rw-"] });
    const bytes = await e.rig.gen2.getFileSystemClient("raw").getFileClient("sales/2026/02/moved.txt").readToBuffer();
    expect(bytes.equals(gen1Content("raw/sales/2026/02/moved.txt", 5, T - 86_400_000))).toBe(true);
    expect(raw.get("sales/2026/01/a.csv")!.acl).toEqual(["group::r--", "mask::r--", "other::---", "user::rw-", "user:auditor-oid:r--"]);
    for (const dir of ["sales/empty", "sales/new-empty"]) {
      expect(raw.get(dir)).toMatchObject({ isDir: true, owner: "sales-owner", group: "sales-group", acl: [...NAMED, ...DEFAULTS].sort() });
    }
    expect(raw.get("sales/2026/03")).toMatchObject({ isDir: true, owner: "owner-oid", group: "group-oid", acl: ["group::rwx", "other::---", "user::rwx"] });
    expect((await listGen2(e.rig.gen2, "curated")).map((p) => p.path)).toEqual(["finance", "finance/q1"]);
  });
});

describe("a reconcile interrupted mid-way resumes from its journal (the report's full list kept beside it)", () => {
  let e: Env;
  beforeAll(async () => {
    e = await setUp();
    mutateGen1(e);
  });
  afterAll(() => tearDown(e));

  it("loses nothing and starts no second copy", async () => {
    const before = await validateJson(e, true);
    const stop = new AbortController();
    const first = await reconcileCli(e, ["--report", before.file, "--delete"], { signal: stop.signal, onCopyStarted: () => stop.abort(new Error("interrupted")) });
    expect(first.code).toBe(EXIT_INTERRUPTED);
    expect(first.out).toContain("run again with --resume");
    const journal = readFileSync(path.join(e.dir, "journal.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(journal.filter((r) => r.t === "copy")).toHaveLength(1);
    expect(journal.filter((r) => r.t === "done")).toHaveLength(3);
    expect(readFileSync(path.join(e.dir, "journal.jsonl.differences.jsonl"), "utf8").trim().split("\n")).toHaveLength(7);

    const again = await reconcileCli(e, ["--delete"]);
    expect(again.code).toBe(EXIT_USAGE);
    expect(again.out).toContain("pass --resume");

    const resumed = await reconcileCli(e, ["--resume", "--delete", "--json"]);
    expect(resumed.code).toBe(EXIT_OK);
    expect(JSON.parse(resumed.out)).toMatchObject({ ok: true, resumed: 3, done: { mkdir: 0, acl: 1, delete: 2 }, catchUp: { status: "Succeeded" } });
    expect(catchUpRuns(e)).toHaveLength(1);
    const after = await validateJson(e);
    expect(after.report.counts).toEqual({ missing: 0, extra: 0, type: 0, size: 0, stale: 0, acl: 0 });
  });
});
