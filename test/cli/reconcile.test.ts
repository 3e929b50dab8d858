import { spawn } from "child_process";
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import { generatedContent as gen1Content } from "../../emulators/gen1/tree";
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from "../../scripts/lib/cli";
import { listGen2 } from "../support/factoryRig";
import { DEFAULTS, NAMED, T } from "../support/lake";
import { PROJECT_DIR } from "../support/cli";
import { type ReconcileEnv as Env, catchUpRuns, reconcileCli, setUp, sharedKey, tearDown, validateJson } from "../support/reconcileRig";

/**
 * validate → reconcile → validate in the emulators, through the real SDK
 * clients: the full copy leaves out what ADF documents it leaves out (empty
 * folders and their default ACLs); Gen1 then changes (files deleted, a file
 * renamed into a copied folder keeping its modified time, an ACL changed, an
 * empty folder added); validate counts each kind; reconcile --delete fixes
 * them (files through the catch-up pipeline) and validate says zero.
 */

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
    // Without --report, reconcile's own validate plans the same, its listings' progress on stderr.
    const planned = await reconcileCli(e, ["--delete", "--dry-run"]);
    expect(planned.out).toContain("directories created: 3\n  files copied by catch-up: 1\n  ACLs set: 1\n  extra paths deleted: 2");
    expect(planned.out).toMatch(/^listing source \/raw\/sales: 9 paths \(/m);
    // The target was listed by the validate above: its count is the total expected.
    expect(planned.out).toMatch(/^listing target raw\/sales: 6 \/ 6 paths \(/m);

    const fixed = await reconcileCli(e, ["--report", before.file, "--delete", "--json"]);
    expect(fixed.code).toBe(EXIT_OK);
    const result = JSON.parse(fixed.stdout);
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
  }, 90_000);
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
    expect(JSON.parse(resumed.stdout)).toMatchObject({ ok: true, resumed: 3, done: { mkdir: 0, acl: 1, delete: 2 }, catchUp: { status: "Succeeded" } });
    expect(catchUpRuns(e)).toHaveLength(1);
    const after = await validateJson(e);
    expect(after.report.counts).toEqual({ missing: 0, extra: 0, type: 0, size: 0, stale: 0, acl: 0 });
  });
});

describe("a reconcile stopped by SIGTERM", () => {
  let e: Env;
  beforeAll(async () => {
    e = await setUp();
    mutateGen1(e);
  });
  afterAll(() => tearDown(e));

  it("exits 143 with its journal unlocked; --resume then leaves nothing to fix", async () => {
    const before = await validateJson(e);
    const journal = path.join(e.dir, "journal.jsonl");
    // Every Gen2 request takes 0.5 s: the run is mid-request when the signal comes.
    e.rig.dfs.faults = { latencyMs: 500 };
    const args = ["--config-file", e.configFile, "--outputs", e.outputsFile, "--endpoint", e.arm.endpoint, "--account-url", e.rig.dfs.url, "--source-account-url", e.rig.gen1.url, "--journal", journal, "--report", before.file, "--delete"];
    // node with the tsx loader, not the tsx CLI, which would run reconcile in a grandchild.
    const child = spawn(process.execPath, ["--import", "tsx", path.join(PROJECT_DIR, "scripts", "reconcile.ts"), ...args], {
      cwd: PROJECT_DIR,
      env: { ...process.env, ...sharedKey, ADLS_MIGRATION_GEN1_TOKEN: e.rig.gen1.token, ADLS_MIGRATION_ARM_TOKEN: "test-arm-token" },
    });
    let output = "";
    for (const stream of [child.stdout, child.stderr]) stream.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const done = () => (existsSync(journal) ? readFileSync(journal, "utf8").split("\n").filter((l) => l.includes('"t":"done"')).length : 0);
    for (let i = 0; i < 400 && done() === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(done()).toBeGreaterThan(0);
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    expect(output).toContain(`reconcile: interrupted; the journal ${journal} holds what was done`);
    expect(existsSync(`${journal}.lock`)).toBe(false);

    e.rig.dfs.faults = {};
    const resumed = await reconcileCli(e, ["--resume", "--delete", "--json"]);
    expect(resumed.out).not.toContain("in use");
    expect(resumed.code).toBe(EXIT_OK);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ ok: true, unfixable: [], catchUp: { status: "Succeeded" } });
    expect(catchUpRuns(e)).toHaveLength(1);
    const after = await validateJson(e);
    expect(after.report.counts).toEqual({ missing: 0, extra: 0, type: 0, size: 0, stale: 0, acl: 0 });
  }, 60_000);
});
