import { DuckDBInstance } from "@duckdb/node-api";
import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME, DfsServer, startDfsServer } from "../../emulators/dfs/server";
import { Gen2Reader } from "../../scripts/sources/gen2";
import { openSource, parseSource } from "../../scripts/sources/open";
import { PathEntry } from "../../scripts/sources/types";
import { validate } from "../../scripts/validate/compare";
import { totalDifferences } from "../../scripts/validate/report";
import { runScriptAsync } from "../support/cli";
import { InventoryRow, writeRun } from "../support/inventoryRun";

const root = mkdtempSync(path.join(tmpdir(), "blob-inventory-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => path.join(root, `run-${n++}`);

const T = Date.parse("2026-11-30T10:00:00.123Z");
const ROWS: InventoryRow[] = [
  // The target folder itself and a neighbour that shares its name prefix: neither is part of raw/sales.
  { Name: "raw/sales", "Content-Length": 0, "Last-Modified": T, hdi_isfolder: "true", Owner: "o", Group: "g", Permissions: "rwxr-x---", Acl: "user::rwx,group::r-x,other::---" },
  { Name: "raw/sales-archive/x.csv", "Content-Length": 9, "Last-Modified": T, Owner: "o", Group: "g", Permissions: "rw-r-----", Acl: "user::rw-,group::r--,other::---" },
  { Name: "raw/sales/2024", "Content-Length": 0, "Last-Modified": T, hdi_isfolder: "true", Owner: "o", Group: "g", Permissions: "rwxr-x---+", Acl: "user::rwx,user:alice:r-x,group::r-x,mask::r-x,other::---" },
  { Name: "raw/sales/2024/a, \"quoted\".csv", "Content-Length": 123456789012, "Last-Modified": T + 1, Owner: "o", Group: "g", Permissions: "rw-r-----", Acl: "user::rw-,group::r--,other::---" },
  { Name: "raw/sales/b.csv", "Content-Length": 5, "Last-Modified": T + 2, Owner: "o", Group: "g", Permissions: "rw-r-----", Acl: "user::rw-,group::r--,other::---" },
];
const EXPECTED: PathEntry[] = [
  { path: "2024", type: "directory", size: 0, modified: T, owner: "o", group: "g", permissions: "rwxr-x---+", acl: "user::rwx,user:alice:r-x,group::r-x,mask::r-x,other::---" },
  { path: '2024/a, "quoted".csv', type: "file", size: 123456789012, modified: T + 1, owner: "o", group: "g", permissions: "rw-r-----", acl: "user::rw-,group::r--,other::---" },
  { path: "b.csv", type: "file", size: 5, modified: T + 2, owner: "o", group: "g", permissions: "rw-r-----", acl: "user::rw-,group::r--,other::---" },
];

async function collect(it: AsyncIterable<PathEntry>): Promise<PathEntry[]> {
  const out: PathEntry[] = [];
  for await (const e of it) out.push(e);
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}
const listRun = (uri: string, acls = true, now?: number) => collect(openSource(parseSource("--target", uri, { now })).list({ acls }));

describe("blob inventory run as a listing (inventory:<run>#<filesystem>/<path>)", () => {
  it.each(["csv", "parquet"] as const)("reads a %s run through its manifest, relative to the folder, split over files", async (format) => {
    const manifest = await writeRun(freshDir(), { rows: ROWS, format, rowsPerFile: 2 });
    expect(await listRun(`inventory:${manifest}#raw/sales`)).toEqual(EXPECTED);
    // Without --acls the ACL column is not passed on, as a live listing would not read it.
    expect((await listRun(`inventory:${manifest}#raw/sales`, false)).map((e) => e.acl)).toEqual([undefined, undefined, undefined]);
  });

  it("picks the newest run under a folder, and paths relative to the account without a subtree", async () => {
    const dir = freshDir();
    await writeRun(dir, { rows: ROWS.slice(0, 1), format: "csv", completed: new Date(Date.now() - 7200_000) });
    await writeRun(dir, { rows: ROWS, format: "parquet", completed: new Date(Date.now() - 60_000) });
    expect(await listRun(`inventory:${dir}#raw/sales`)).toEqual(EXPECTED);
    expect((await listRun(`inventory:${dir}`)).map((e) => e.path)).toEqual(ROWS.map((r) => r.Name).sort());
  });

  it("picks, among the rules of one run, the one whose prefixes cover the folder", async () => {
    const dir = freshDir();
    const started = new Date(Date.now() - 7200_000);
    await writeRun(dir, { rows: ROWS.slice(0, 1), format: "csv", rule: "migration1", started, filters: { prefixMatch: ["curated/finance/"] } });
    await writeRun(dir, { rows: ROWS, format: "csv", rule: "migration2", started, filters: { prefixMatch: ["raw/sales/"] } });
    expect(parseSource("--target", `inventory:${dir}#raw/sales`)).toMatchObject({ run: { ruleName: "migration2" } });
    expect(() => parseSource("--target", `inventory:${dir}#gold/x`)).toThrow(/no run covers gold\/x: its prefixMatch/);
  });

  it.each([
    ["an old run", { completed: new Date(Date.now() - 37 * 3600_000) }, /completed .*, 37\.0 h ago, older than the allowed 36\.0 h \(--max-inventory-age\)/],
    ["a partial run", { status: "PartiallySucceeded" }, /run status is PartiallySucceeded, not Succeeded/],
    ["a run copied before it finished", { checksum: false }, /migration-manifest\.checksum is missing beside it/],
    ["a run without folder markers", { schemaFields: ["Name", "Content-Length", "Last-Modified"] }, /schemaFields lack hdi_isfolder/],
    ["a run with soft-deleted blobs", { filters: { includeDeleted: true } }, /sets includeDeleted: soft-deleted paths would count as present/],
    ["a run of other prefixes", { filters: { prefixMatch: ["curated/"] } }, /its prefixMatch \(curated\/\) does not cover raw\/sales/],
    ["a run that leaves part out", { filters: { prefixMatch: ["raw/"], excludePrefix: ["raw/sales/2024"] } }, /its excludePrefix raw\/sales\/2024 leaves out part of raw\/sales/],
  ])("refuses %s as bad input naming the flag", async (_what, spec, message) => {
    const manifest = await writeRun(freshDir(), { rows: ROWS, format: "csv", ...spec });
    expect(() => parseSource("--target", `inventory:${manifest}#raw/sales`)).toThrow(message);
    expect(() => parseSource("--target", `inventory:${manifest}#raw/sales`)).toThrow(/^--target inventory:/);
  });

  it("rejects a missing location, a bad filesystem after #, and a file that is no manifest, naming the flag", async () => {
    const manifest = await writeRun(freshDir(), { rows: ROWS, format: "csv" });
    expect(() => parseSource("--target", "inventory:/no/such/run#raw/sales")).toThrow(/^--target inventory:\/no\/such\/run#raw\/sales: \/no\/such\/run does not exist/);
    expect(() => parseSource("--target", `inventory:${manifest}#Raw_Data/x`)).toThrow(/"Raw_Data" after "#" is not a filesystem name/);
    const notManifest = path.join(freshDir() + ".json");
    writeFileSync(notManifest, JSON.stringify({ files: [] }));
    expect(() => parseSource("--target", `inventory:${notManifest}`)).toThrow(/not a blob inventory manifest: inventoryStartTime/);
  });

  it("refuses a truncated data file and rows that do not add up to the manifest", async () => {
    const manifest = await writeRun(freshDir(), { rows: ROWS, format: "csv" });
    truncateSync(manifest.replace(/-manifest\.json$/, "_1.csv"), 10);
    expect(() => parseSource("--target", `inventory:${manifest}#raw/sales`)).toThrow(/has 10 bytes, the manifest says \d+: the copy is incomplete/);
    const miscounted = await writeRun(freshDir(), { rows: ROWS, format: "parquet", objectCount: 6 });
    await expect(listRun(`inventory:${miscounted}#raw/sales`)).rejects.toThrow(/read 5 rows but .* says the run holds 6/);
  });

  it("refuses ACL comparison against a run without ACL columns", async () => {
    const manifest = await writeRun(freshDir(), { rows: ROWS, format: "csv", schemaFields: ["Name", "Content-Length", "Last-Modified", "hdi_isfolder"] });
    expect(await listRun(`inventory:${manifest}#raw/sales`, false)).toHaveLength(3);
    await expect(listRun(`inventory:${manifest}#raw/sales`)).rejects.toThrow(/no Owner, Group, Permissions, Acl columns, needed for ACLs \(set adls-migration:inventory.acls: true/);
  });

  it("validate exits 2 on a stale run with --max-inventory-age, and compares a fresh one", async () => {
    const dir = freshDir();
    await writeRun(dir, { rows: ROWS, format: "parquet", completed: new Date(Date.now() - 3 * 3600_000) });
    const source = path.join(root, "gen1.jsonl");
    writeFileSync(source, EXPECTED.map((e) => JSON.stringify({ path: e.path, type: e.type, size: e.size })).join("\n"));
    const stale = await runScriptAsync("validate", ["--source", source, "--target", `inventory:${dir}#raw/sales`, "--max-inventory-age", "2h"]);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toMatch(/--target inventory:.*3\.0 h ago, older than the allowed 2\.0 h/);
    const badFlag = await runScriptAsync("validate", ["--source", source, "--target", `inventory:${dir}#raw/sales`, "--max-inventory-age", "soon"]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--max-inventory-age "soon": expected a duration such as 90m, 36h or 8d/);
    const fresh = await runScriptAsync("validate", ["--source", source, "--target", `inventory:${dir}#raw/sales`, "--max-inventory-age", "4h", "--json"]);
    expect(fresh.code).toBe(0);
    expect(JSON.parse(fresh.stdout)).toMatchObject({ ok: true, folders: [{ target: { paths: 3 } }], matched: 3 });
  }, 60_000);

  it("assess reads a run as its source", async () => {
    const manifest = await writeRun(freshDir(), { rows: ROWS, format: "parquet" });
    const res = await runScriptAsync("assess", ["--source", `inventory:${manifest}#raw/sales`, "--acls", "--json"]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ paths: 3, files: 2, directories: 1, bytes: 123456789017 });
  }, 60_000);
});

describe("saved Gen1 inventory in Parquet", () => {
  it("reads our own columns and is chosen by the .parquet extension", async () => {
    const file = path.join(root, "gen1.parquet");
    const db = await DuckDBInstance.create(":memory:");
    const c = await db.connect();
    await c.run(
      `COPY (SELECT * FROM (VALUES ('/raw/sales/a.csv', 'file', 12::BIGINT, 1700000000000::BIGINT, 'o', 'g', '640'), ('/raw/sales/d', 'directory', 0, 1700000000001, 'o', 'g', '750')) t(path, type, size, modified, owner, "group", permissions)) TO '${file}' (FORMAT parquet)`,
    );
    c.closeSync();
    db.closeSync();
    expect(parseSource("--source", file)).toMatchObject({ kind: "parquet" });
    expect(await collect(openSource(parseSource("--source", file)).list())).toEqual([
      { path: "raw/sales/a.csv", type: "file", size: 12, modified: 1700000000000, owner: "o", group: "g", permissions: "640" },
      { path: "raw/sales/d", type: "directory", size: 0, modified: 1700000000001, owner: "o", group: "g", permissions: "750" },
    ]);
  });
});

describe("an inventory of a tree against the DFS emulator's own listing of it", () => {
  let server: DfsServer;
  beforeAll(async () => {
    server = await startDfsServer();
    server.createFilesystem("raw");
    server.createPath("raw", "sales/2024", { isDir: true });
    server.createPath("raw", "sales/2024/q1.csv", { content: Buffer.from("12345") });
    server.createPath("raw", "sales/empty", { isDir: true });
    server.createPath("raw", "sales/top.bin", { content: Buffer.alloc(3) });
    // A named entry over HTTP, so the mask and the "+" marker come from the emulator's POSIX rules.
    const fs = new DataLakeServiceClient(server.url, new StorageSharedKeyCredential(DEV_ACCOUNT_NAME, DEV_ACCOUNT_KEY)).getFileSystemClient("raw");
    await fs.getDirectoryClient("sales/2024").setAccessControl([
      { accessControlType: "user", entityId: "", defaultScope: false, permissions: { read: true, write: true, execute: true } },
      { accessControlType: "user", entityId: "alice", defaultScope: false, permissions: { read: true, write: false, execute: true } },
      { accessControlType: "group", entityId: "", defaultScope: false, permissions: { read: true, write: false, execute: true } },
      { accessControlType: "mask", entityId: "", defaultScope: false, permissions: { read: true, write: false, execute: true } },
      { accessControlType: "other", entityId: "", defaultScope: false, permissions: { read: false, write: false, execute: false } },
    ]);
  });
  afterAll(() => server.close());

  // What the service would write for this tree: the same paths, sizes, owners and ACLs, written down independently.
  // Last-Modified after the emulator created the paths: an older one would make them stale copies.
  const su = { Owner: "$superuser", Group: "$superuser", "Last-Modified": Date.now() + 60_000 };
  const TREE: InventoryRow[] = [
    { Name: "raw/sales/2024", "Content-Length": 0, hdi_isfolder: "true", ...su, Permissions: "rwxr-x---+", Acl: "user::rwx,user:alice:r-x,group::r-x,mask::r-x,other::---" },
    { Name: "raw/sales/2024/q1.csv", "Content-Length": 5, ...su, Permissions: "rw-r-----", Acl: "user::rw-,group::r--,other::---" },
    { Name: "raw/sales/empty", "Content-Length": 0, hdi_isfolder: "true", ...su, Permissions: "rwxr-x---", Acl: "user::rwx,group::r-x,other::---" },
    { Name: "raw/sales/top.bin", "Content-Length": 3, ...su, Permissions: "rw-r-----", Acl: "user::rw-,group::r--,other::---" },
  ];
  const live = () =>
    new Gen2Reader({ accountUrl: server.url, filesystem: "raw", root: "sales", credential: { accountName: DEV_ACCOUNT_NAME, accountKey: DEV_ACCOUNT_KEY }, describe: "abfss://raw@acct.dfs.core.windows.net/sales", maxTries: 1 });

  it.each(["csv", "parquet"] as const)("compares equal with ACLs from a %s run, and finds a path the run lacks", async (format) => {
    const manifest = await writeRun(freshDir(), { rows: TREE, format });
    const inventory = openSource(parseSource("--target", `inventory:${manifest}#raw/sales`));
    const same = await validate(live(), inventory, { acls: { mode: "exact" } });
    expect({ counts: same.counts, matched: same.matched }).toEqual({ counts: { missing: 0, extra: 0, type: 0, size: 0, stale: 0, acl: 0 }, matched: 4 });

    const partial = await writeRun(freshDir(), { rows: TREE.filter((r) => !r.Name.endsWith("q1.csv")), format });
    const lacking = await validate(live(), openSource(parseSource("--target", `inventory:${partial}#raw/sales`)), { acls: { mode: "exact" } });
    expect(totalDifferences(lacking)).toBe(1);
    expect(lacking.differences).toEqual([expect.objectContaining({ kind: "missing", path: "2024/q1.csv" })]);
  });

  it("validate exits 2 naming the column when a Parquet inventory has no size column (every size would be 0)", async () => {
    const file = path.join(root, "nosize.parquet");
    const db = await DuckDBInstance.create(":memory:");
    const c = await db.connect();
    await c.run(`COPY (SELECT * FROM (VALUES ('a.csv', 'file'), ('b.csv', 'file')) t(path, type)) TO '${file}' (FORMAT parquet)`);
    c.closeSync();
    db.closeSync();
    const target = path.join(root, "nosize-target.jsonl");
    writeFileSync(target, '{"path":"a.csv","type":"file","size":1}\n{"path":"b.csv","type":"file","size":2}\n');
    const r = await runScriptAsync("validate", ["--source", file, "--target", target]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file} (Parquet columns): no "size" column (one of size, length, content-length, contentlength), needed to compare file sizes`);
    expect(r.stdout).toBe("");
  }, 60_000);
});
