import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { Gen2Reader } from "../../scripts/sources/gen2";
import { PathEntry } from "../../scripts/sources/types";
import { runScriptAsync } from "../support/cli";
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME, DfsServer, startDfsServer } from "../../emulators/dfs/server";

async function collect(it: AsyncIterable<PathEntry>): Promise<PathEntry[]> {
  const out: PathEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe("Gen2 reader over the DFS test server (real @azure/storage-file-datalake client)", () => {
  let server: DfsServer;
  beforeAll(async () => {
    server = await startDfsServer();
    server.createFilesystem("raw");
    for (const [dir, n] of [["p5000", 5000], ["p5001", 5001]] as const) {
      for (let i = 0; i < n; i++) server.createPath("raw", `${dir}/f${String(i).padStart(5, "0")}`);
    }
    server.createPath("raw", "data/a/one.bin", { content: Buffer.from("hello") });
    server.createPath("raw", "data/b", { isDir: true });
    server.createPath("raw", "data/c.txt", { content: Buffer.from("x") });
  });
  afterAll(() => server.close());

  const reader = (filesystem: string, root: string, key = DEV_ACCOUNT_KEY) =>
    new Gen2Reader({
      accountUrl: server.url,
      filesystem,
      root,
      credential: { accountName: DEV_ACCOUNT_NAME, accountKey: key },
      describe: `abfss://${filesystem}@acct.dfs.core.windows.net/${root}`,
      maxTries: 1,
    });

  it.each([
    [5000, 1],
    [5001, 2],
  ])("lists a folder of %i paths in %i listPaths pages", async (n, pages) => {
    server.resetStats();
    const got = await collect(reader("raw", `p${n}`).list());
    expect(got).toHaveLength(n);
    expect(new Set(got.map((e) => e.path)).size).toBe(n);
    expect(got[n - 1]).toMatchObject({ path: `f${String(n - 1).padStart(5, "0")}`, type: "file", size: 0 });
    expect(server.stats.byOperation["GET listPaths"]).toBe(pages);
  });

  it("reports relative paths, types, sizes, owner, group and permissions", async () => {
    const got = await collect(reader("raw", "/data/").list());
    expect(got.map((e) => [e.path, e.type, e.size])).toEqual([
      ["a", "directory", 0],
      ["a/one.bin", "file", 5],
      ["b", "directory", 0],
      ["c.txt", "file", 1],
    ]);
    expect(got[1]).toMatchObject({ owner: "$superuser", group: "$superuser", permissions: "rw-r-----" });
    expect(Number.isFinite(got[1].modified)).toBe(true);
  });

  it("reads each path's ACL when asked", async () => {
    const got = await collect(reader("raw", "data").list({ acls: true }));
    expect(got.find((e) => e.path === "a/one.bin")?.acl).toBe(server.aclOf("raw", "data/a/one.bin"));
    expect(got.find((e) => e.path === "a/one.bin")?.acl).toMatch(/^user::rw-,group::r--,other::---$/);
  });

  it("names the URI when the filesystem or folder is missing or the key is wrong", async () => {
    await expect(collect(reader("nope", "").list())).rejects.toThrow("abfss://nope@acct.dfs.core.windows.net/: filesystem nope does not exist");
    await expect(collect(reader("raw", "missing").list())).rejects.toThrow("abfss://raw@acct.dfs.core.windows.net/missing: folder missing does not exist");
    const wrongKey = Buffer.from("not the key").toString("base64");
    await expect(collect(reader("raw", "data", wrongKey).list())).rejects.toThrow(/abfss:\/\/raw@acct\.dfs\.core\.windows\.net\/data: access denied \(HTTP 403/);
  });

  it("validate CLI: inventory source against a live Gen2 target, with the shared key from the environment", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gen2-validate-"));
    const inventory = path.join(dir, "gen1.csv");
    writeFileSync(inventory, "path,type,size\na,directory,0\na/one.bin,file,5\nb,directory,0\nc.txt,file,2\ngone.txt,file,1\n");
    const r = await runScriptAsync(
      "validate",
      ["--source", inventory, "--target", "abfss://raw@acct.dfs.core.windows.net/data", "--account-url", server.url, "--json"],
      { AZURE_STORAGE_ACCOUNT: DEV_ACCOUNT_NAME, AZURE_STORAGE_KEY: DEV_ACCOUNT_KEY },
    );
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({
      counts: { missing: 1, extra: 0, size: 1, type: 0 },
      matched: 3,
      folders: [{ differences: [
        { kind: "missing", path: "gone.txt" },
        { kind: "size", path: "c.txt", source: "2", target: "1" },
      ] }],
    });
  });
});
