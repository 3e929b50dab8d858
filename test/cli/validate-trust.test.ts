import type { TokenCredential } from "@azure/core-auth";
import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { spawn } from "child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { Gen1Reader } from "../../scripts/sources/gen1";
import { Gen2Reader } from "../../scripts/sources/gen2";
import { InventoryReader } from "../../scripts/sources/inventory";
import { PrefixReader, parsePrefix } from "../../scripts/sources/prefix";
import { PathEntry } from "../../scripts/sources/types";
import { AclComparison } from "../../scripts/validate/acl";
import { validate } from "../../scripts/validate/compare";
import { totalDifferences } from "../../scripts/validate/report";
import { folderPairs } from "../../scripts/validate/stack";
import { parseStackConfig } from "../../components/config/load";
import { readStackConfig } from "../../scripts/lib/stackFile";
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME, DfsServer, startDfsServer } from "../../emulators/dfs/server";
import { WebHdfsServer, startWebHdfsServer } from "../../emulators/gen1/server";
import { PROJECT_DIR, runScriptAsync } from "../support/cli";

const dir = mkdtempSync(path.join(tmpdir(), "validate-trust-"));
let n = 0;
function file(name: string, text: string): string {
  const f = path.join(dir, `${n++}-${name}`);
  writeFileSync(f, text);
  return f;
}
const jsonl = (entries: Partial<PathEntry>[]): string =>
  file("inv.jsonl", entries.map((e) => JSON.stringify({ type: "file", size: 0, ...e })).join("\n"));
const sharedKey = { AZURE_STORAGE_ACCOUNT: DEV_ACCOUNT_NAME, AZURE_STORAGE_KEY: DEV_ACCOUNT_KEY };

async function drain(it: AsyncIterable<PathEntry>): Promise<number> {
  let count = 0;
  for await (const _ of it) count++;
  return count;
}

describe("validate cannot report a false 'no differences'", () => {
  it("exits 2 naming the column when an inventory has no size column (every size would be 0 on both sides)", async () => {
    const noSize = file("nosize.csv", "path,type\na.csv,file\nb.csv,file\n");
    const r = await runScriptAsync("validate", ["--source", noSize, "--target", noSize]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${noSize} (CSV header): no "size" column (one of size, length, content-length, contentlength), needed to compare file sizes`);
    expect(r.stdout).toBe("");
  });

  it("exits 2 naming the column when --acls is asked of an inventory without an Acl column, and names the JSON line without a size", async () => {
    const noAcl = file("noacl.csv", "Name,Content-Length,hdi_isfolder,Owner,Group,Permissions\na.csv,1,,o,g,rw-r-----\n");
    const acl = await runScriptAsync("validate", ["--source", noAcl, "--target", noAcl, "--acls"]);
    expect(acl.code).toBe(2);
    expect(acl.stderr).toContain('no "acl" column (one of acl), needed to compare ACLs (--acls)');
    const lines = file("nosize.jsonl", '{"path":"d","type":"directory"}\n{"path":"d/x","type":"file"}\n');
    const size = await runScriptAsync("validate", ["--source", lines, "--target", lines]);
    expect(size.code).toBe(2);
    expect(size.stderr).toContain(`${lines}:2: no "size" column`);
  });

  it("exits 1 when a side lists zero paths, unless --allow-empty", async () => {
    const empty = file("empty.jsonl", "");
    const r = await runScriptAsync("validate", ["--source", empty, "--target", empty, "--json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; problems: string[] };
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.stringContaining(`the source ${empty} listed no paths`),
      expect.stringContaining(`the target ${empty} listed no paths`),
    ]);
    expect(report.problems[0]).toContain("pass --allow-empty");
    const allowed = await runScriptAsync("validate", ["--source", empty, "--target", empty, "--allow-empty"]);
    expect(allowed.code).toBe(0);
  });

  it("reports a file changed on the source after it was copied (same size, later modified time) as stale, with both sides' metadata", async () => {
    const t0 = Date.parse("2026-11-01T10:00:00Z");
    const source = jsonl([
      { path: "changed.csv", size: 5, modified: t0 + 3_600_000, owner: "o", group: "g", permissions: "640" },
      { path: "same-second.csv", size: 5, modified: t0 + 900 },
      { path: "older.csv", size: 5, modified: t0 - 60_000 },
      { path: "untimed.csv", size: 5 },
    ]);
    const target = jsonl([
      { path: "changed.csv", size: 5, modified: t0, owner: "$superuser", group: "$superuser", permissions: "rw-r-----" },
      { path: "same-second.csv", size: 5, modified: t0 },
      { path: "older.csv", size: 5, modified: t0 },
      { path: "untimed.csv", size: 5, modified: t0 },
    ]);
    const out = path.join(dir, "stale-report");
    const md = await runScriptAsync("validate", ["--source", source, "--target", target, "--out", out]);
    expect(md.code).toBe(1);
    const report = JSON.parse(readFileSync(`${out}.json`, "utf8"));
    expect(report.counts).toEqual({ missing: 0, extra: 0, type: 0, size: 0, stale: 1, acl: 0 });
    expect(report.folders[0].differences).toEqual([
      {
        kind: "stale",
        path: "changed.csv",
        source: "2026-11-01T11:00:00.000Z",
        target: "2026-11-01T10:00:00.000Z",
        sourceEntry: { type: "file", size: 5, modified: "2026-11-01T11:00:00.000Z", owner: null, group: null, permissions: null, acl: null },
        targetEntry: { type: "file", size: 5, modified: "2026-11-01T10:00:00.000Z", owner: null, group: null, permissions: null, acl: null },
      },
    ]);
    expect(report.folders[0].compared.times).toEqual({ compared: 3, unavailable: 1 });
    expect(md.stdout).toContain("- Compared: paths, types, file sizes, modification times of 3 file pairs (stale copies)\n");
    expect(md.stdout).toContain(
      "- Not compared: file contents (no checksums are read); modification times of 1 file pairs (a side gave no time), so stale copies there are not found; owner, group and ACLs (pass --acls)\n",
    );
    expect(md.stdout).toContain("## Stale copy (source modified after the target copy)");
  });
});

describe("validate stops on a continuation token it was given before", () => {
  let gen1: WebHdfsServer | undefined;
  let dfs: DfsServer | undefined;
  afterEach(async () => {
    await gen1?.close();
    await dfs?.close();
    gen1 = dfs = undefined;
  });

  it("Gen1: a LISTSTATUS cycle A→B→A ends with an error instead of listing forever", async () => {
    gen1 = await startWebHdfsServer({ entries: ["a", "b", "c", "d", "e"].map((x) => ({ path: `/lake/${x}` })), cycleTokens: true });
    const reader = new Gen1Reader({
      accountUrl: gen1.url,
      root: "/lake",
      credential: { getToken: async () => ({ token: gen1!.token, expiresOnTimestamp: Date.now() + 3_600_000 }) } as TokenCredential,
      describe: "adl://lake.azuredatalakestore.net/lake",
      listSize: 1,
    });
    await expect(drain(reader.list())).rejects.toThrow(
      'adl://lake.azuredatalakestore.net/lake: LISTSTATUS /lake: the service returned a token it returned before ("a"); stopped instead of listing forever',
    );
    expect(gen1.calls.LISTSTATUS).toBe(3);
  }, 10_000);

  it("Gen2: listPaths returning the same continuation again ends with an error instead of listing forever", async () => {
    dfs = await startDfsServer({ repeatContinuation: true });
    dfs.createFilesystem("raw");
    for (const x of ["a", "b", "c", "d"]) dfs.createPath("raw", `data/${x}`);
    const reader = new Gen2Reader({
      accountUrl: dfs.url,
      filesystem: "raw",
      root: "data",
      credential: { accountName: DEV_ACCOUNT_NAME, accountKey: DEV_ACCOUNT_KEY },
      describe: "abfss://raw@acct.dfs.core.windows.net/data",
      pageSize: 1,
      maxTries: 1,
    });
    await expect(drain(reader.list())).rejects.toThrow(
      "abfss://raw@acct.dfs.core.windows.net/data: listPaths: the service returned a token it returned before; stopped instead of listing forever",
    );
    // The page fetched ahead may be in flight when the repeat is seen: at most one more.
    expect(dfs.stats.byOperation["GET listPaths"]).toBeLessThanOrEqual(4);
  }, 10_000);
});

describe("validate stopped by SIGINT, SIGTERM or SIGHUP", () => {
  let gen1: WebHdfsServer;
  beforeAll(async () => {
    // Every request waits 30 s: the target is still listing when the signal comes.
    gen1 = await startWebHdfsServer({ entries: [{ path: "/data/x", size: 1 }], latencyMs: 30_000 });
  });
  afterAll(() => gen1.close());

  const source = jsonl(Array.from({ length: 2500 }, (_, i) => ({ path: `f${i}`, size: i })));

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)("%s: exit %i at once, the target's listing aborted, no scratch file left", async (signal, code) => {
    const tmp = mkdtempSync(path.join(tmpdir(), "validate-signal-"));
    const args = ["--source", source, "--target", "adl://lake.azuredatalakestore.net/data", "--account-url", gen1.url, "--run-size", "1000", "--tmp-dir", tmp];
    // node with the tsx loader, not the tsx CLI: that one relays SIGINT and SIGTERM only, and runs the command in a grandchild.
    const child = spawn(process.execPath, ["--import", "tsx", path.join(PROJECT_DIR, "scripts", "validate.ts"), ...args], {
      cwd: PROJECT_DIR,
      env: { ...process.env, ADLS_MIGRATION_GEN1_TOKEN: gen1.token },
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    const runs = (): string[] => readdirSync(tmp, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".duckdb"));
    // Up to 25 s: a tsx start on a loaded 2-core machine can take most of 10.
    for (let i = 0; i < 500 && runs().length < 1; i++) await new Promise((r) => setTimeout(r, 50));
    expect(runs().length).toBe(1); // the comparison's database is on disk
    const sent = Date.now();
    child.kill(signal);
    expect(await closed).toBe(code);
    // Far less than the 30 s the target's request takes: the listing was aborted, not waited for.
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(stderr).toContain(`${signal}: stopping at the next resumable point`);
    expect(stderr).toContain("validate: interrupted; no report was written and the scratch files are removed: run it again");
    expect(readdirSync(tmp)).toEqual([]);
  }, 45_000);

  it("the first signal ends a live Gen2 request in flight: exit 130 within seconds, scratch removed", async () => {
    // Every Gen2 answer takes 30 s: the process must not wait for it.
    const dfs = await startDfsServer({ latencyMs: 30_000 });
    dfs.createFilesystem("raw");
    const tmp = mkdtempSync(path.join(tmpdir(), "validate-signal-"));
    const args = ["--source", source, "--target", "abfss://raw@acct.dfs.core.windows.net/data", "--account-url", dfs.url, "--tmp-dir", tmp];
    const child = spawn(process.execPath, ["--import", "tsx", path.join(PROJECT_DIR, "scripts", "validate.ts"), ...args], { cwd: PROJECT_DIR, env: { ...process.env, ...sharedKey } });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    try {
      // Up to 25 s for a slow tsx start, until the target's first listing request is in flight.
      for (let i = 0; i < 500 && !dfs.stats.byOperation["GET listPaths"]; i++) await new Promise((r) => setTimeout(r, 50));
      const sent = Date.now();
      child.kill("SIGINT");
      expect(await closed).toBe(130);
      expect(Date.now() - sent).toBeLessThan(5_000);
      expect(stderr).toContain("validate: interrupted; no report was written and the scratch files are removed");
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      child.kill("SIGKILL");
      await dfs.close();
    }
  }, 45_000);
});

describe("validate --stack / --config-file: every folder of migration.folders in one report", () => {
  let dfs: DfsServer;
  beforeAll(async () => {
    dfs = await startDfsServer();
    for (const fs of ["raw", "curated"]) dfs.createFilesystem(fs);
    dfs.createPath("raw", "sales/2026/q1.csv", { content: Buffer.from("12345") });
    dfs.createPath("curated", "finance/ledger.csv", { content: Buffer.from("123") });
  });
  afterAll(() => dfs.close());

  // A Gen1 inventory of the whole account, absolute paths (what a saved Gen1 listing holds).
  const gen1Inventory = (): string =>
    jsonl([
      { path: "/raw/sales/2026", type: "directory" },
      { path: "/raw/sales/2026/q1.csv", size: 5 },
      { path: "/raw/other/not-migrated.csv", size: 9 },
      { path: "/curated/finance/ledger.csv", size: 4 },
      { path: "/curated/finance/gone.csv", size: 1 },
    ]);

  it("compares each folder against its filesystem/target and reports a section per folder", async () => {
    const r = await runScriptAsync(
      "validate",
      ["--config-file", path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "--source", gen1Inventory(), "--account-url", dfs.url, "--json"],
      sharedKey,
    );
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.counts).toMatchObject({ missing: 1, size: 1, extra: 0 });
    expect(report.folders.map((f: { folder: unknown; counts: unknown; matched: number }) => [f.folder, f.matched])).toEqual([
      [{ source: "/raw/sales", filesystem: "raw", target: "sales" }, 2],
      [{ source: "/curated/finance", filesystem: "curated", target: "finance" }, 0],
    ]);
    expect(report.folders[1].differences.map((d: { kind: string; path: string }) => [d.kind, d.path])).toEqual([
      ["missing", "gone.csv"],
      ["size", "ledger.csv"],
    ]);
    expect(report.folders[1].target.uri).toMatch(/^abfss:\/\/curated@[a-z0-9]+\.dfs\.core\.windows\.net\/finance$/);
    const md = await runScriptAsync("validate", ["--stack", "dev", "--source", gen1Inventory(), "--account-url", dfs.url], sharedKey);
    expect(md.stdout).toContain("- Folders: 2\n");
    expect(md.stdout).toContain("## /raw/sales → raw/sales\n");
    expect(md.stdout).toContain("## /curated/finance → curated/finance\n");
  });

  it("treats a missing or empty target as the filesystem root", () => {
    const values = readStackConfig({ stack: "dev", projectDir: PROJECT_DIR });
    const config = parseStackConfig(values.values);
    const folders = [
      { ...config.migration.folders[0], target: "" },
      { ...config.migration.folders[1], target: undefined as unknown as string },
    ];
    const pairs = folderPairs({ ...config, migration: { ...config.migration, folders } }, { stack: "dev", compareAcls: false });
    expect(pairs.map((p) => [p.folder.target, p.target.kind === "gen2" && p.target.path, p.target.uri.replace(/@[a-z0-9]+\./, "@acct.")])).toEqual([
      ["", "/", "abfss://raw@acct.dfs.core.windows.net/"],
      ["", "/", "abfss://curated@acct.dfs.core.windows.net/"],
    ]);
    expect(pairs[0].source).toMatchObject({ kind: "gen1", account: "contosogen1", path: "/raw/sales" });
  });

  it("rejects --target and the prefix flags with --stack, and --principals without it (exit 2)", async () => {
    const r = await runScriptAsync("validate", ["--stack", "dev", "--target", "x.csv", "--source-prefix", "/raw"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--target, --source-prefix: not with --stack/--config-file");
    const single = await runScriptAsync("validate", ["--source", "a.csv", "--target", "b.csv", "--principals", "p.json"]);
    expect(single.code).toBe(2);
    expect(single.stderr).toContain("--principals p.json: only with --stack/--config-file");
  });
});

describe("validate path prefixes", () => {
  const absolute = () =>
    jsonl([
      { path: "/raw/sales/a.csv", size: 1 },
      { path: "/raw/sales/d", type: "directory" },
      { path: "/raw/sales/d/b.csv", size: 2 },
    ]);
  const relative = () => jsonl([{ path: "a.csv", size: 1 }, { path: "d", type: "directory" }, { path: "d/b.csv", size: 2 }]);

  it("says which prefix to strip when nothing matches because one side carries it", async () => {
    const r = await runScriptAsync("validate", ["--source", absolute(), "--target", relative()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("**6 differences**, 0 paths match");
    expect(r.stdout).toContain('- Hint: no path matches (source paths look like "raw/sales/a.csv", target paths like "a.csv"): the source paths carry the prefix "raw/sales"; pass --source-prefix raw/sales to strip it');
  });

  it("strips or maps a prefix, and says when nothing is under it", async () => {
    const inv = (f: string) => new InventoryReader(f, "jsonl");
    const stripped = await validate(new PrefixReader(inv(absolute()), parsePrefix("/raw/sales"), "--source-prefix /raw/sales"), inv(relative()));
    expect([stripped.matched, totalDifferences(stripped)]).toEqual([3, 0]);
    const mapped = await validate(new PrefixReader(inv(relative()), parsePrefix("=raw/sales"), "--source-prefix =raw/sales"), inv(absolute()));
    expect([mapped.matched, totalDifferences(mapped)]).toEqual([3, 0]);
    const wrong = await runScriptAsync("validate", ["--source", absolute(), "--target", relative(), "--source-prefix", "/raw/finance", "--json"]);
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout).folders[0].hints).toEqual([
      'none of the 3 paths of ' + wrong.stdout.match(/"uri": "([^"]+) \[/)![1] + ' is under "raw/finance" (--source-prefix /raw/finance); paths look like "raw/sales/a.csv"',
    ]);
  });
});

describe("validate ACL modes", () => {
  const STACK_GROUP = "11111111-2222-3333-4444-555555555555";
  const base = { owner: "o", group: "g", permissions: "rwxr-x---", type: "directory" as const };
  const source = () => jsonl([{ path: "d", ...base, acl: "user::rwx,user:alice:r-x,group::r-x,mask::r-x,other::---" }]);
  const target = (acl: string) => jsonl([{ path: "d", ...base, acl }]);
  const withStackEntry = "user::rwx,user:alice:r-x,group::r-x,group:" + STACK_GROUP + ":rwx,mask::rwx,other::---";

  const compare = async (acl: string, acls: AclComparison) =>
    (await validate(new InventoryReader(source(), "jsonl"), new InventoryReader(target(acl), "jsonl"), { acls })).counts.acl;

  it("exact reports an entry the stack added; source-subset and --ignore-principal do not", async () => {
    expect(await compare(withStackEntry, { mode: "exact" })).toBe(1);
    expect(await compare(withStackEntry, { mode: "exact", ignorePrincipals: new Set([STACK_GROUP]) })).toBe(0);
    expect(await compare(withStackEntry, { mode: "source-subset" })).toBe(0);
    const subset = await runScriptAsync("validate", ["--source", source(), "--target", target(withStackEntry), "--acls", "--acl-mode", "source-subset"]);
    expect(subset.code).toBe(0);
    expect(subset.stdout).toContain("owner, group and ACLs (source entries present on the target)");
  });

  it("with a principal map, a target that kept the source's unmapped ids is an ACL difference even though both records are equal", async () => {
    const same = jsonl([{ path: "d", ...base, owner: "gen1-oid", acl: "user::rwx,user:alice:r-x,group::r-x,mask::r-x,other::---" }]);
    const r = await validate(new InventoryReader(same, "jsonl"), new InventoryReader(same, "jsonl"), {
      acls: { mode: "exact", principalMap: new Map([["gen1-oid", "gen2-oid"], ["alice", "alice-gen2"]]) },
    });
    expect(r.counts.acl).toBe(1);
    expect(r.differences[0].source).toBe("owner=gen2-oid group=g acl=group::r-x,mask::r-x,other::---,user::rwx,user:alice-gen2:r-x");
  });

  it.each([
    ["a source entry is gone", "user::rwx,group::r-x,other::---"],
    ["a source entry changed", "user::rwx,user:alice:r--,group::r-x,mask::r-x,other::---"],
    ["the target's mask takes a source entry's x", "user::rwx,user:alice:r-x,group::r-x,mask::r--,other::---"],
  ])("source-subset still reports an ACL difference when %s", async (_, acl) => {
    expect(await compare(acl, { mode: "source-subset" })).toBe(1);
  });

  it("--stack --acls: entries of the stack's own acls rules on the target are not differences", async () => {
    const dfs = await startDfsServer();
    try {
      dfs.createFilesystem("raw");
      dfs.createFilesystem("curated");
      dfs.createPath("raw", "sales/a.csv", { content: Buffer.from("1") });
      dfs.createPath("curated", "finance/b.csv", { content: Buffer.from("2") });
      const service = new DataLakeServiceClient(dfs.url, new StorageSharedKeyCredential(DEV_ACCOUNT_NAME, DEV_ACCOUNT_KEY));
      // What post-deploy's acls step leaves on the file: the stack's group added.
      await service.getFileSystemClient("raw").getFileClient("sales/a.csv").setAccessControl([
        { accessControlType: "user", entityId: "", defaultScope: false, permissions: { read: true, write: true, execute: false } },
        { accessControlType: "group", entityId: "", defaultScope: false, permissions: { read: true, write: false, execute: false } },
        { accessControlType: "group", entityId: STACK_GROUP, defaultScope: false, permissions: { read: true, write: false, execute: true } },
        { accessControlType: "mask", entityId: "", defaultScope: false, permissions: { read: true, write: false, execute: true } },
        { accessControlType: "other", entityId: "", defaultScope: false, permissions: { read: false, write: false, execute: false } },
      ]);
      const gen1 = jsonl([
        { path: "/raw/sales/a.csv", size: 1, owner: "$superuser", group: "$superuser", permissions: "640", acl: "" },
        { path: "/curated/finance/b.csv", size: 2, owner: "$superuser", group: "$superuser", permissions: "640", acl: "" },
      ]);
      const config = file(
        "Pulumi.acls.yaml",
        readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8") +
          "  adls-migration:acls:\n    rules:\n      - path: raw/sales\n        entries:\n          - { group: contoso-dev-lake-readers, permissions: r-x }\n",
      );
      const principals = file("principals.json", JSON.stringify({ "contoso-dev-lake-readers": STACK_GROUP }));
      const args = ["--config-file", config, "--source", gen1, "--account-url", dfs.url, "--acls", "--json"];
      const unresolved = await runScriptAsync("validate", args, sharedKey);
      expect(unresolved.code).toBe(2);
      expect(unresolved.stderr).toContain("pass --principals <file.json>");
      const r = await runScriptAsync("validate", [...args, "--principals", principals], sharedKey);
      const report = JSON.parse(r.stdout);
      // raw/sales matches despite the stack's entry; curated/finance differs in size only.
      expect(report.folders.map((f: { counts: { acl: number; size: number } }) => [f.counts.acl, f.counts.size])).toEqual([[0, 0], [0, 1]]);
      expect(r.code).toBe(1);
    } finally {
      await dfs.close();
    }
  });
});
