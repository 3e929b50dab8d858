import { createHash } from "crypto";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME, startDfsServer } from "../../emulators/dfs/server";
import { startWebHdfsServer } from "../../emulators/gen1/server";
import { EXIT_FAILED, EXIT_USAGE } from "../../scripts/lib/cli";
import { main } from "../../scripts/reconcile";
import { PROJECT_DIR } from "../support/cli";
import { stackOutputs } from "../../emulators/stackOutputs";

/** Input reconcile cannot act on completely is exit 2 naming why, before any request (the endpoints here do not exist). */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "reconcile-input-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const counts = (c: Partial<Record<string, number>> = {}) => ({ missing: 0, extra: 0, type: 0, size: 0, stale: 0, acl: 0, ...c });
const entry = (over: Record<string, unknown> = {}) => ({ type: "directory", size: 0, modified: null, owner: "o", group: "g", permissions: "750", acl: "", ...over });

async function run(report: unknown, extra: string[] = [], env: NodeJS.ProcessEnv = {}, stackFile = "Pulumi.dev.yaml"): Promise<{ code: number; out: string }> {
  const file = path.join(dir, `r-${Math.random()}.json`);
  writeFileSync(file, JSON.stringify(report));
  const outputs = path.join(dir, "outputs.json");
  writeFileSync(outputs, JSON.stringify(stackOutputs({ pipelines: ["full-copy", "catch-up"] })));
  let out = "";
  const code = await main(["--config-file", path.join(PROJECT_DIR, stackFile), "--outputs", outputs, "--report", file, "--journal", path.join(dir, "j.jsonl"), "--account-url", "http://127.0.0.1:9", ...extra], {
    out: (s) => (out += s),
    err: (s) => (out += s),
    env,
    tty: false,
  });
  return { code, out };
}

const folder = { source: "/raw/sales", filesystem: "raw", target: "sales" };

describe("reconcile refuses reports it cannot act on (exit 2, nothing changed)", () => {
  it("a report whose lists validate cut at --max-listed", async () => {
    const r = await run({ version: 2, ok: false, folders: [{ folder, counts: counts({ missing: 2 }), problems: [], differences: [{ kind: "missing", path: "a", sourceEntry: entry() }] }] });
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.out).toContain("2 missing differences counted but 1 listed; rerun validate with --max-listed 2 or more");
  });

  it("a --source/--target report without folder mappings, and a section with a problem", async () => {
    const r = await run({ version: 2, ok: false, folders: [{ counts: counts(), problems: ["the source listed no paths"], differences: [] }] });
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.out).toContain("no folder mapping; produce the report with validate --stack/--config-file");
    expect(r.out).toContain("validate reported a problem: the source listed no paths");
  });

  it("directories to create from a report made without --acls", async () => {
    const r = await run({ version: 2, ok: false, folders: [{ folder, counts: counts({ missing: 1 }), problems: [], differences: [{ kind: "missing", path: "empty", sourceEntry: entry({ owner: null, group: null, permissions: null, acl: null }) }] }] });
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.out).toContain("run validate with --acls");
  });

  it("another version of the report, and bad numbers", async () => {
    const r = await run({ version: 1, ok: true, folders: [] });
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.out).toContain("not a validate JSON report (version 2)");
    const flags = await run({ version: 2, ok: true, folders: [] }, ["--max-delete", "-1", "--concurrency", "0"]);
    expect(flags.code).toBe(EXIT_USAGE);
    expect(flags.out).toMatch(/--max-delete "-1": a whole number from 0 to 10000000[\s\S]*--concurrency "0": a whole number from 1 to 64/);
  });
});

describe("a directory whose source ACL reconcile cannot set", () => {
  it("is listed as not fixed and is not created (nothing half-made left on Gen2)", async () => {
    const dfs = await startDfsServer();
    try {
      dfs.createFilesystem("raw");
      dfs.createPath("raw", "sales", { isDir: true });
      // A default ACL without its base entries: what Gen1 never lists, and what reconcile cannot complete.
      const sourceEntry = entry({ acl: "default:group:g2:r-x" });
      const report = { version: 2, ok: false, folders: [{ folder, counts: counts({ missing: 1 }), problems: [], differences: [{ kind: "missing", path: "empty", sourceEntry }] }] };
      const r = await run(report, ["--account-url", dfs.url, "--journal", path.join(dir, "half.jsonl")], { AZURE_STORAGE_ACCOUNT: DEV_ACCOUNT_NAME, AZURE_STORAGE_KEY: DEV_ACCOUNT_KEY });
      expect(r.code).toBe(EXIT_FAILED);
      expect(r.out).toContain("mkdir raw/sales/empty: the source's default ACL has no user/group/other base entry");
      expect(dfs.tree.exists("raw", "sales/empty")).toBe(false);
    } finally {
      await dfs.close();
    }
  });
});

describe("a bidirectional-sync folder written on Gen2", () => {
  it("is skipped, named, and nothing on Gen2 is deleted even with --delete", async () => {
    const dfs = await startDfsServer();
    try {
      dfs.createFilesystem("curated");
      dfs.createPath("curated", "finance", { isDir: true });
      dfs.createPath("curated", "finance/new-on-gen2.csv", { content: Buffer.from("written by the Gen2 workload") });
      const gen2Folder = { source: "/curated/finance", filesystem: "curated", target: "finance" };
      const report = {
        version: 2,
        ok: false,
        folders: [{ folder: gen2Folder, counts: counts({ extra: 1 }), problems: [], differences: [{ kind: "extra", path: "new-on-gen2.csv", targetEntry: entry({ type: "file", size: 28 }) }] }],
      };
      const r = await run(report, ["--account-url", dfs.url, "--journal", path.join(dir, "bidir.jsonl"), "--delete"], { AZURE_STORAGE_ACCOUNT: DEV_ACCOUNT_NAME, AZURE_STORAGE_KEY: DEV_ACCOUNT_KEY }, "Pulumi.bidirectional-sync.yaml");
      expect(r.out).toContain("skipped /curated/finance → curated/finance: written on Gen2 (writer: gen2)");
      expect(dfs.tree.exists("curated", "finance/new-on-gen2.csv")).toBe(true);
    } finally {
      await dfs.close();
    }
  });
});

describe("a report section validate compared Gen2 → Gen1 (writer: gen2)", () => {
  const finance = { source: "/curated/finance", filesystem: "curated", target: "finance" };
  const direction = { from: "gen2", to: "gen1", writerSince: "2026-12-01T12:00:00Z", staleFrom: "2026-12-01T12:00:00.000Z" };
  // Mirrored kinds: the Gen2 file is the newer one. Read as Gen1 → Gen2, it would be copied over from Gen1.
  const stale = { kind: "stale", path: "ledger.csv", source: "2026-12-01T13:00:00.000Z", target: "2026-12-01T12:30:00.000Z", sourceEntry: entry({ type: "file", size: 9 }), targetEntry: entry({ type: "file", size: 9 }) };
  const section = (folder: object, staleCount: number) => ({ folder: { ...folder, direction }, counts: counts({ stale: staleCount }), problems: [], differences: [stale] });
  const shared = { AZURE_STORAGE_ACCOUNT: DEV_ACCOUNT_NAME, AZURE_STORAGE_KEY: DEV_ACCOUNT_KEY };

  it("is skipped and named without reading its differences (a list cut at --max-listed is no reason to refuse); Gen2 keeps its write", async () => {
    const dfs = await startDfsServer();
    try {
      dfs.createFilesystem("curated");
      dfs.createPath("curated", "finance/ledger.csv", { content: Buffer.from("gen2 data") });
      const r = await run({ version: 2, ok: false, folders: [section(finance, 2)] }, ["--account-url", dfs.url, "--journal", path.join(dir, "mirrored.jsonl"), "--delete"], shared, "Pulumi.bidirectional-sync.yaml");
      expect(r.out).toContain("skipped /curated/finance → curated/finance: written on Gen2 (writer: gen2)");
      expect(r.out).not.toContain("--max-listed");
      expect(r.code).toBe(0);
      expect(dfs.tree.read("curated", "finance/ledger.csv")?.toString()).toBe("gen2 data");
    } finally {
      await dfs.close();
    }
  });

  it("in a full list: its lines are counted and hashed with the rest but never acted on, even with --delete", async () => {
    const dfs = await startDfsServer();
    try {
      dfs.createFilesystem("curated");
      dfs.createPath("curated", "finance/ledger.csv", { content: Buffer.from("gen2 data") });
      // Read as Gen1 → Gen2 these would copy ledger.csv over from Gen1, create a directory and delete a Gen2 file.
      const mirrored = [
        { folder: 0, kind: "missing", path: "gen2-only", sourceEntry: entry() },
        { folder: 0, kind: "extra", path: "ledger.csv", targetEntry: entry({ type: "file", size: 9 }) },
        { folder: 0, ...stale },
      ];
      const text = mirrored.map((d) => `${JSON.stringify(d)}\n`).join("");
      const list = path.join(dir, "mirrored.differences.jsonl");
      const sha256 = createHash("sha256").update(text).digest("hex");
      const f0 = { ...section(finance, 1), counts: counts({ missing: 1, extra: 1, stale: 1 }), differences: [] };
      const report = (sha: string) => ({ version: 2, ok: false, differencesFile: { path: path.basename(list), sha256: sha, differences: 3 }, folders: [f0] });
      const args = ["--account-url", dfs.url, "--journal", path.join(dir, "mirrored-list.jsonl"), "--delete", "--json"];
      writeFileSync(list, text);
      const r = await run(report(sha256), args, shared, "Pulumi.bidirectional-sync.yaml");
      expect(r.code).toBe(0);
      expect(r.out).toContain("skipped /curated/finance → curated/finance: written on Gen2 (writer: gen2)");
      expect(r.out).toContain('"planned": {\n    "mkdir": 0,\n    "copy": 0,\n    "acl": 0,\n    "delete": 0\n  }');
      expect(dfs.tree.read("curated", "finance/ledger.csv")?.toString()).toBe("gen2 data");
      expect(dfs.tree.exists("curated", "finance/gen2-only")).toBe(false);

      const other = await run(report("0".repeat(64)), args, shared, "Pulumi.bidirectional-sync.yaml");
      expect(other.code).toBe(EXIT_USAGE);
      expect(other.out).toContain(`SHA-256 ${sha256}; the report says ${"0".repeat(64)}`);
    } finally {
      await dfs.close();
    }
  });

  it("for a folder the stack writes on Gen1 now (flipped back since): refused, validate again (exit 2)", async () => {
    const r = await run({ version: 2, ok: false, folders: [section(folder, 1)] });
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.out).toContain("the report compared folders Gen2 → Gen1 that the stack no longer writes on Gen2");
    expect(r.out).toContain("/raw/sales → raw/sales: validated with writer: gen2 (Gen2 as the source); validate again with the stack as it is now");
  });
});

describe("an extra path that Gen1 has by now", () => {
  it("is not deleted: Gen1 is asked again before each delete, and the path is listed as not fixed", async () => {
    const dfs = await startDfsServer();
    // Created on Gen1 after validate listed it, and copied by a window before the Gen2 listing: it looks extra.
    const gen1 = await startWebHdfsServer({ entries: [{ path: "/raw/sales/late.csv", size: 4 }], lifetimeMs: 30_000 });
    try {
      dfs.createFilesystem("raw");
      dfs.createPath("raw", "sales", { isDir: true });
      dfs.createPath("raw", "sales/late.csv", { content: Buffer.from("late") });
      dfs.createPath("raw", "sales/gone.csv", { content: Buffer.from("gone") });
      const file = entry({ type: "file", size: 4 });
      const report = {
        version: 2,
        ok: false,
        folders: [{ folder, counts: counts({ extra: 2 }), problems: [], differences: [{ kind: "extra", path: "gone.csv", targetEntry: file }, { kind: "extra", path: "late.csv", targetEntry: file }] }],
      };
      const env = { AZURE_STORAGE_ACCOUNT: DEV_ACCOUNT_NAME, AZURE_STORAGE_KEY: DEV_ACCOUNT_KEY, ADLS_MIGRATION_GEN1_TOKEN: "gen1-test-token" };
      const r = await run(report, ["--account-url", dfs.url, "--source-account-url", gen1.url, "--journal", path.join(dir, "late.jsonl"), "--delete"], env);
      expect(r.code).toBe(EXIT_FAILED);
      expect(r.out).toContain("/raw/sales/late.csv is on Gen1 now (created after validate listed it): not deleted; validate again");
      expect(dfs.tree.exists("raw", "sales/late.csv")).toBe(true);
      expect(dfs.tree.exists("raw", "sales/gone.csv")).toBe(false);
    } finally {
      await Promise.all([dfs.close(), gen1.close()]);
    }
  });
});
