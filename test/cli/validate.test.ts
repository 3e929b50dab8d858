import type { TokenCredential } from "@azure/core-auth";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "fs";
import { createServer } from "net";
import { tmpdir } from "os";
import * as path from "path";
import { Gen1Reader } from "../../scripts/sources/gen1";
import { InventoryReader } from "../../scripts/sources/inventory";
import { PathEntry } from "../../scripts/sources/types";
import { canonicalAcl } from "../../scripts/validate/acl";
import { validate } from "../../scripts/validate/compare";
import { main as validateMain } from "../../scripts/validate";
import { runScriptAsync } from "../support/cli";
import { WebHdfsServer, startWebHdfsServer } from "../../emulators/gen1/server";

const dir = mkdtempSync(path.join(tmpdir(), "validate-test-"));
let n = 0;
function inventory(entries: Partial<PathEntry>[]): string {
  const file = path.join(dir, `inv-${n++}.jsonl`);
  writeFileSync(file, entries.map((e) => JSON.stringify({ type: "file", size: 0, ...e })).join("\n"));
  return file;
}
const inv = (entries: Partial<PathEntry>[]) => new InventoryReader(inventory(entries), "jsonl");

describe("validate (library)", () => {
  let server: WebHdfsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const gen1 = (root: string) =>
    new Gen1Reader({
      accountUrl: server!.url,
      root,
      credential: { getToken: async () => ({ token: server!.token, expiresOnTimestamp: Date.now() + 3_600_000 }) } as TokenCredential,
      describe: `adl://lake.azuredatalakestore.net${root}`,
      listSize: 2,
    });

  it("reports each difference kind from a live Gen1 source against an inventory, spilling sorted runs to disk", async () => {
    server = await startWebHdfsServer({
      entries: [
        { path: "/lake/same.csv", size: 10 },
        { path: "/lake/missing.csv", size: 1 },
        { path: "/lake/resized.csv", size: 100 },
        { path: "/lake/was-file", size: 3 },
        { path: "/lake/dir/nested.csv", size: 4 },
        { path: "/lake/dir/acl.csv", size: 5, owner: "o1", group: "g1", permission: "640", acl: ["user::rw-", "user:alice:r--", "group::r--", "mask::r--", "other::---"] },
      ],
    });
    const owned = (e: Partial<PathEntry>): Partial<PathEntry> => ({
      owner: "owner-oid", group: "group-oid", permissions: e.type === "directory" ? "rwxrwx---" : "rw-r-----", ...e,
    });
    const target = inv(([
      { path: "same.csv", size: 10 },
      { path: "resized.csv", size: 99 },
      { path: "was-file", type: "directory" },
      { path: "extra.csv", size: 7 },
      { path: "dir", type: "directory" },
      { path: "dir/nested.csv", size: 4 },
      { path: "dir/acl.csv", size: 5, owner: "o1", group: "g1", permissions: "rw-r-----+", acl: "user::rw-,user:bob:r--,group::r--,mask::r--,other::---" },
    ] as Partial<PathEntry>[]).map(owned));
    const tmp = mkdtempSync(path.join(tmpdir(), "runs-"));
    const r = await validate(gen1("/lake"), target, { acls: { mode: "exact" }, runSize: 2, tmpDir: tmp });
    expect(r.counts).toEqual({ missing: 1, extra: 1, type: 1, size: 1, stale: 0, acl: 1 });
    expect(r.differences.map(({ kind, path: p, source, target: t }) => [kind, p, source, t])).toEqual([
      ["missing", "missing.csv", undefined, undefined],
      ["extra", "extra.csv", undefined, undefined],
      ["type", "was-file", "file", "directory"],
      ["size", "resized.csv", "100", "99"],
      [
        "acl",
        "dir/acl.csv",
        "owner=o1 group=g1 acl=group::r--,mask::r--,other::---,user::rw-,user:alice:r--",
        "owner=o1 group=g1 acl=group::r--,mask::r--,other::---,user::rw-,user:bob:r--",
      ],
    ]);
    expect(r.matched).toBe(3); // same.csv, dir, dir/nested.csv
    expect(r.source.paths).toBe(7);
    expect(readdirSync(tmp)).toEqual([]); // spilled runs are removed
  });

  it("matches listings that arrive in different orders ('a/b' sorts after 'a-c' as a string, before it as a tree walk)", async () => {
    server = await startWebHdfsServer({ entries: [{ path: "/r/a/b" }, { path: "/r/a-c" }, { path: "/r/a0" }, { path: "/r/a/b-x" }, { path: "/r/a.b/c" }] });
    const target = inv([
      { path: "a0" }, { path: "a.b/c" }, { path: "a-c" }, { path: "a/b-x" }, { path: "a/b" },
      { path: "a", type: "directory" }, { path: "a.b", type: "directory" },
    ]);
    const r = await validate(gen1("/r"), target, { runSize: 3 });
    expect(r.counts).toEqual({ missing: 0, extra: 0, type: 0, size: 0, stale: 0, acl: 0 });
    expect(r.matched).toBe(7);
  });

  it("compares shuffled listings exactly with a small flush size and a tight memory limit; examples capped by --max-listed keep the first paths", async () => {
    // 1000 paths a side; the listings come in no path order, and DuckDB joins them.
    const n = 1000;
    const name = (i: number) => `d${i % 7}/f${String(i).padStart(4, "0")}.csv`;
    const order = Array.from({ length: n }, (_, i) => (i * 389) % n); // a fixed shuffle: the readers' order is not path order
    const source = inv(order.filter((i) => i % 100 !== 1).map((i) => ({ path: name(i), size: i })));
    const target = inv([
      ...order.filter((i) => i % 100 !== 2).map((i) => ({ path: name(i), size: i % 100 === 3 ? i + 1 : i })),
      { path: "zz-extra.csv", size: 1 },
    ]);
    const tmp = mkdtempSync(path.join(tmpdir(), "fanin-"));
    const r = await validate(source, target, { runSize: 3, tmpDir: tmp, memoryLimit: "64MB", threads: 2 });
    const capped = await validate(source, target, { maxListed: 4 });
    expect(capped.counts).toEqual(r.counts);
    expect(capped.differences.filter((d) => d.kind === "missing").map((d) => d.path)).toEqual(
      r.differences.filter((d) => d.kind === "missing").map((d) => d.path).slice(0, 4),
    );
    expect(r.counts).toEqual({ missing: 10, extra: 11, type: 0, size: 10, stale: 0, acl: 0 });
    expect(r.differences.filter((d) => d.kind === "missing").map((d) => d.path)).toEqual(
      Array.from({ length: 10 }, (_, k) => 100 * k + 2).map(name).sort(),
    );
    expect(r.differences.filter((d) => d.kind === "extra").map((d) => d.path)).toEqual(
      [...Array.from({ length: 10 }, (_, k) => 100 * k + 1).map(name), "zz-extra.csv"].sort(),
    );
    expect(r.differences.filter((d) => d.kind === "size").map((d) => [d.path, d.source, d.target])).toEqual(
      Array.from({ length: 10 }, (_, k) => 100 * k + 3).map((i) => [name(i), String(i), String(i + 1)]).sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    );
    expect(r.matched).toBe(n - 30);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("keeps counts complete but lists only --max-listed examples per kind", async () => {
    const source = inv(Array.from({ length: 50 }, (_, i) => ({ path: `f${i}` })));
    const r = await validate(source, inv([]), { maxListed: 5 });
    expect(r.counts.missing).toBe(50);
    expect(r.differences).toHaveLength(5);
  });

  it("compares Gen1 octal bits and implicit base entries with Gen2's symbolic bits and full ACL, after principal mapping", () => {
    const map = new Map([["gen1-oid", "gen2-oid"]]);
    const gen1Side = canonicalAcl("gen1-oid", "grp", "750", "user:gen1-oid:r-x,group::r-x,default:user::rwx", map);
    const gen2Side = canonicalAcl("gen2-oid", "grp", "rwxr-x---+", "user::rwx,user:gen2-oid:r-x,group::r-x,mask::r-x,other::---,default:user::rwx");
    expect(gen1Side).toBe(gen2Side);
    expect(canonicalAcl("o", "g", "750", "")).toBe(canonicalAcl("o", "g", "rwxr-x---", "user::rwx,group::r-x,other::---"));
    expect(canonicalAcl("o", "g", "750", "")).not.toBe(canonicalAcl("o", "g", "rwxr-xr--", ""));
  });
});

describe("validate in-process, one side failing while the other still lists", () => {
  let server: WebHdfsServer;
  beforeAll(async () => {
    // Every request waits 20 s: the source is still listing when the target fails.
    server = await startWebHdfsServer({ entries: [{ path: "/lake/a.csv", size: 1 }], latencyMs: 20_000 });
  });
  afterAll(() => server.close());

  it("returns exit 1 at once, with the source's listing aborted and the scratch files removed, and the calling process goes on", async () => {
    const target = path.join(dir, "bad-size.jsonl");
    writeFileSync(target, '{"path":"a.csv","type":"file","size":1}\n{"path":"b.csv","type":"file","size":"big"}\n');
    const tmp = mkdtempSync(path.join(tmpdir(), "validate-fail-"));
    let err = "";
    const started = Date.now();
    const code = await validateMain(
      ["--source", "adl://lake.azuredatalakestore.net/lake", "--source-account-url", server.url, "--target", target, "--tmp-dir", tmp],
      { out: () => undefined, err: (s) => (err += s), env: { ADLS_MIGRATION_GEN1_TOKEN: server.token }, tty: false },
    );
    expect(code).toBe(1);
    expect(err).toContain(`validate: ${target}:2: size "big" is not a byte count`);
    // Far less than the 20 s the source's first request takes: its listing was stopped, not waited for.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe("validate CLI", () => {
  it("exits 0 with no differences and writes Markdown and JSON reports", async () => {
    const entries = [{ path: "a", type: "directory" as const }, { path: "a/b.csv", size: 3 }];
    const out = path.join(dir, "report");
    const r = await runScriptAsync("validate", ["--source", inventory(entries), "--target", inventory(entries), "--out", out]);
    expect(r.stderr).toMatch(/listing source: 2 paths/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("**no differences**, 2 paths match");
    expect(JSON.parse(readFileSync(`${out}.json`, "utf8"))).toMatchObject({ ok: true, matched: 2, counts: { missing: 0 } });
    expect(existsSync(`${out}.md`)).toBe(true);
  });

  it("exits 1 when anything differs and prints JSON with --json", async () => {
    const r = await runScriptAsync("validate", ["--source", inventory([{ path: "x", size: 1 }]), "--target", inventory([{ path: "x", size: 2 }]), "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, counts: { size: 1 }, folders: [{ differences: [{ kind: "size", path: "x", source: "1", target: "2" }] }] });
  });

  it("names an unreachable target and exits 1", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const r = await runScriptAsync(
      "validate",
      ["--source", inventory([{ path: "x" }]), "--target", "abfss://raw@acct.dfs.core.windows.net/data", "--account-url", `http://127.0.0.1:${port}/devstoreaccount1`, "--retries", "0"],
      { AZURE_STORAGE_ACCOUNT: "devstoreaccount1", AZURE_STORAGE_KEY: "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTBtr/KBHBeksoGMGw==" },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/validate: cannot reach abfss:\/\/raw@acct\.dfs\.core\.windows\.net\/data \(127\.0\.0\.1:\d+\)/);
    expect(r.stdout).toBe("");
  });

  it("rejects malformed input with exit 2, listing every problem", async () => {
    const r = await runScriptAsync("validate", ["--source", "adl://not a uri", "--target", "abfss://x@acct.blob.core.windows.net/", "--run-size", "ten"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--source adl://not a uri: not a valid URI");
    expect(r.stderr).toContain("--target abfss://x@acct.blob.core.windows.net/: unsupported URI");
    expect(r.stderr).toContain('--run-size "ten": must be a whole number');
  });

  it("rejects a bad --listing or --list-concurrency with exit 2, naming the flag", async () => {
    const r = await runScriptAsync("validate", ["--source", "a.csv", "--target", "b.csv", "--listing", "sideways", "--list-concurrency", "999"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--listing "sideways": one of auto, recursive, by-directory');
    expect(r.stderr).toContain("--list-concurrency 999: at most 256");
  });

  it("rejects ? and # and a bare % in a URI path with exit 2 instead of listing another folder or crashing", async () => {
    const r = await runScriptAsync("validate", [
      "--source", "adl://lake.azuredatalakestore.net/raw/what?now",
      "--target", "abfss://raw@acct.dfs.core.windows.net/take#2",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--source adl://lake.azuredatalakestore.net/raw/what?now: "?" and "#" start a query or fragment, not part of a path; percent-encode them');
    expect(r.stderr).toContain('--target abfss://raw@acct.dfs.core.windows.net/take#2: "?" and "#" start a query or fragment');
    const pct = await runScriptAsync("assess", ["--source", "adl://lake.azuredatalakestore.net/raw/100%"]);
    expect(pct.code).toBe(2);
    expect(pct.stderr).toContain('--source adl://lake.azuredatalakestore.net/raw/100%: "%" must start a percent-escape; write a literal % as %25');
    expect(pct.stderr).not.toContain("URIError");
  });
});
