import type { TokenCredential } from "@azure/core-auth";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { Gen1Reader } from "../../scripts/sources/gen1";
import { InventoryReader } from "../../scripts/sources/inventory";
import { parseSource } from "../../scripts/sources/open";
import { PathEntry } from "../../scripts/sources/types";
import { Gen1Seed, WebHdfsServer, startWebHdfsServer } from "../../emulators/gen1/server";

const staticToken = (token: string): TokenCredential => ({
  getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
});

async function collect(it: AsyncIterable<PathEntry>): Promise<PathEntry[]> {
  const out: PathEntry[] = [];
  for await (const e of it) out.push(e);
  return out;
}

function files(dir: string, n: number): Gen1Seed[] {
  return Array.from({ length: n }, (_, i) => ({ path: `${dir}/f${String(i).padStart(5, "0")}.csv`, size: i }));
}

describe("Gen1 reader over WebHDFS", () => {
  let server: WebHdfsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const reader = (root: string, extra: Partial<ConstructorParameters<typeof Gen1Reader>[0]> = {}) =>
    new Gen1Reader({
      accountUrl: server!.url,
      root,
      credential: staticToken(server!.token),
      describe: `adl://lake.azuredatalakestore.net${root}`,
      retry: { maxAttempts: 3, baseDelayMs: 5 },
      ...extra,
    });

  it.each([
    [5000, 2],
    [5001, 2],
    [4000, 1],
    [4001, 2],
  ])("lists a folder of %i files with listSize 4000 in %i LISTSTATUS pages", async (n, pages) => {
    server = await startWebHdfsServer({ entries: files("/data/big", n) });
    const got = await collect(reader("/data/big").list());
    expect(got).toHaveLength(n);
    expect(new Set(got.map((e) => e.path)).size).toBe(n);
    expect(got[n - 1]).toMatchObject({ path: `f${String(n - 1).padStart(5, "0")}.csv`, type: "file", size: n - 1 });
    expect(server.calls.LISTSTATUS).toBe(pages);
  });

  it.each([
    [50, 2],
    [51, 3],
    [49, 2],
  ])("pages by the last name until an empty page when the service sends no continuationToken (%i entries, listSize 50)", async (n, pages) => {
    server = await startWebHdfsServer({ entries: files("/d", n), legacyPaging: true });
    const got = await collect(reader("/d", { listSize: 50 }).list());
    expect(got.map((e) => e.path)).toEqual(files("", n).map((s) => s.path.slice(1)));
    expect(server.calls.LISTSTATUS).toBe(pages);
  });

  it("keeps paging a legacy service that caps pages below listSize, instead of stopping after a short page", async () => {
    server = await startWebHdfsServer({ entries: files("/d", 10), legacyPaging: true, maxListSize: 3 });
    const got = await collect(reader("/d", { listSize: 50 }).list());
    expect(got.map((e) => e.path)).toEqual(files("", 10).map((s) => s.path.slice(1)));
    expect(server.calls.LISTSTATUS).toBe(5);
  });

  it.each([true, false])("accepts a service whose name order is not JS string order (legacy paging %s)", async (legacyPaging) => {
    // Case-insensitive order: "a" then "B", though "B" < "a" in UTF-16.
    const names = ["a", "B", "c", "D"];
    server = await startWebHdfsServer({
      entries: names.map((n) => ({ path: `/m/${n}` })),
      legacyPaging,
      maxListSize: 1,
      compareNames: (a, b) => a.toLowerCase().localeCompare(b.toLowerCase()),
    });
    expect((await collect(reader("/m").list())).map((e) => e.path)).toEqual(names);
  });

  it("walks nested folders, reports directories and relative paths, and honours the server's page cap", async () => {
    server = await startWebHdfsServer({
      maxListSize: 3,
      entries: [
        { path: "/raw/a/1.bin", size: 10, owner: "u1", group: "g1", permission: "640", modified: 1_600_000_000_000 },
        { path: "/raw/a/2.bin", size: 20 },
        { path: "/raw/b", type: "directory" },
        { path: "/raw/c.txt", size: 5 },
        { path: "/raw/d/e/f.txt", size: 7 },
        { path: "/other/x.txt", size: 1 },
      ],
    });
    const got = await collect(reader("/raw").list());
    expect(got.map((e) => `${e.type[0]} ${e.path} ${e.size}`).sort()).toEqual(
      ["d a 0", "f a/1.bin 10", "f a/2.bin 20", "d b 0", "f c.txt 5", "d d 0", "d d/e 0", "f d/e/f.txt 7"].sort(),
    );
    expect(got.find((e) => e.path === "a/1.bin")).toEqual({
      path: "a/1.bin", type: "file", size: 10, modified: 1_600_000_000_000, owner: "u1", group: "g1", permissions: "640",
    });
  });

  it("lists many folders at once (within maxConcurrency), every entry once", async () => {
    const tree = Array.from({ length: 12 }, (_, d) => files(`/w/d${d}/sub`, 3)).flat();
    server = await startWebHdfsServer({ entries: tree, latencyMs: 30, maxListSize: 2 });
    const got = await collect(reader("/w", { maxConcurrency: 6 }).list());
    expect(got.map((e) => e.path).sort()).toEqual([...Array.from({ length: 12 }, (_, d) => [`d${d}`, `d${d}/sub`]).flat(), ...tree.map((t) => t.path.slice(3))].sort());
    expect(server.peakInFlight).toBeGreaterThan(1);
    expect(server.peakInFlight).toBeLessThanOrEqual(6);
  });

  it("reads ACLs with GETACLSTATUS when asked", async () => {
    const acl = ["user::rwx", "user:oid-1:r-x", "group::r-x", "mask::r-x", "other::---"];
    server = await startWebHdfsServer({ entries: [{ path: "/s/x.csv", acl }, { path: "/s/y.csv" }] });
    const got = await collect(reader("/s").list({ acls: true }));
    expect(got.find((e) => e.path === "x.csv")?.acl).toBe(acl.join(","));
    expect(got.find((e) => e.path === "y.csv")?.acl).toBe("");
    expect(server.calls.GETACLSTATUS).toBe(2);
  });

  it("retries throttling and transient errors", async () => {
    server = await startWebHdfsServer({ entries: files("/t", 3), faults: [{ op: "LISTSTATUS", status: 429, times: 1 }, { op: "LISTSTATUS", status: 503, times: 1 }] });
    expect(await collect(reader("/t").list())).toHaveLength(3);
    expect(server.calls.LISTSTATUS).toBe(3);
  });

  it.each([408, 502, 504])("retries HTTP %i", async (status) => {
    server = await startWebHdfsServer({ entries: files("/t", 3), faults: [{ op: "LISTSTATUS", status, times: 2 }] });
    expect(await collect(reader("/t").list())).toHaveLength(3);
    expect(server.calls.LISTSTATUS).toBe(3);
  });

  it("retries a request that times out, and names the timeout when retries run out", async () => {
    server = await startWebHdfsServer({ entries: files("/t", 3), faults: [{ op: "LISTSTATUS", status: 0, hang: true, times: 1 }] });
    expect(await collect(reader("/t", { retry: { maxAttempts: 3, baseDelayMs: 5, timeoutMs: 200 } }).list())).toHaveLength(3);
    expect(server.calls.LISTSTATUS).toBe(2);
    await server.close();
    server = await startWebHdfsServer({ entries: files("/t", 3), faults: [{ op: "LISTSTATUS", status: 0, hang: true, times: 5 }] });
    await expect(collect(reader("/t", { retry: { maxAttempts: 2, baseDelayMs: 5, timeoutMs: 200 } }).list())).rejects.toThrow(
      /^cannot reach adl:\/\/lake\.azuredatalakestore\.net\/t \(127\.0\.0\.1:\d+\): no answer within 0\.2 s$/,
    );
  });

  it("says which URI failed: wrong token, missing folder, persistent fault, unreachable", async () => {
    server = await startWebHdfsServer({ entries: files("/t", 1), faults: [{ op: "LISTSTATUS", status: 500, times: 10 }] });
    await expect(collect(reader("/t", { credential: staticToken("wrong") }).list())).rejects.toThrow(
      /adl:\/\/lake\.azuredatalakestore\.net\/t: HTTP 401 .*Invalid or missing bearer token[\s\S]*read\+execute ACLs/,
    );
    await expect(collect(reader("/nope").list())).rejects.toThrow("adl://lake.azuredatalakestore.net/nope: folder /nope does not exist");
    await expect(collect(reader("/t").list())).rejects.toThrow(/adl:\/\/lake\.azuredatalakestore\.net\/t: HTTP 500 .*injected fault/);
    const url = server.url;
    await server.close();
    server = undefined;
    const gone = new Gen1Reader({ accountUrl: url, root: "/t", credential: staticToken("x"), describe: "adl://lake.azuredatalakestore.net/t" });
    await expect(collect(gone.list())).rejects.toThrow(/^cannot reach adl:\/\/lake\.azuredatalakestore\.net\/t \(127\.0\.0\.1:\d+\): ECONNREFUSED/);
  });
});

describe("inventory files", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "inv-"));

  it("reads an Azure blob inventory CSV (Name, Content-Length, hdi_isfolder, ...)", async () => {
    const file = path.join(dir, "inv.csv");
    writeFileSync(
      file,
      "Name,Creation-Time,Last-Modified,Content-Length,hdi_isfolder,Owner,Group,Permissions,Acl\n" +
        'raw,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,0,true,o,g,rwxr-x---,"user::rwx,group::r-x,other::---"\n' +
        "raw/a.csv,2024-01-01T00:00:00Z,Tue, 02 Jan 2024 00:00:00 GMT,123,,o,g,rw-r-----,\n".replace("Tue, 02 Jan 2024 00:00:00 GMT", '"Tue, 02 Jan 2024 00:00:00 GMT"'),
    );
    const got = await collect(new InventoryReader(file, "csv").list());
    expect(got).toEqual([
      { path: "raw", type: "directory", size: 0, modified: Date.parse("2024-01-02T00:00:00Z"), owner: "o", group: "g", permissions: "rwxr-x---", acl: "user::rwx,group::r-x,other::---" },
      { path: "raw/a.csv", type: "file", size: 123, modified: Date.parse("2024-01-02T00:00:00Z"), owner: "o", group: "g", permissions: "rw-r-----" },
    ]);
  });

  it("reads JSON lines and names the line of a bad record", async () => {
    const file = path.join(dir, "inv.jsonl");
    writeFileSync(file, '{"path":"/a/b.txt","type":"file","size":3,"modified":5}\n\n{"path":"a","type":"directory"}\n');
    expect((await collect(new InventoryReader(file, "jsonl").list())).map((e) => [e.path, e.type, e.size])).toEqual([
      ["a/b.txt", "file", 3],
      ["a", "directory", 0],
    ]);
    writeFileSync(file, '{"path":"a"}\n{"path":"b","size":"many"}\n');
    await expect(collect(new InventoryReader(file, "jsonl").list())).rejects.toThrow(`${file}:2: size "many" is not a byte count`);
  });
});

describe("source URIs", () => {
  it("parses Gen1, Gen2 and file forms", () => {
    expect(parseSource("--source", "adl://lake1.azuredatalakestore.net/raw/x")).toMatchObject({ kind: "gen1", account: "lake1", path: "/raw/x" });
    expect(parseSource("--source", "adl://lake1.azuredatalakestore.net/raw/a%3Fb%23c%25d")).toMatchObject({ kind: "gen1", path: "/raw/a?b#c%d" });
    expect(parseSource("--source", "https://lake1.azuredatalakestore.net/webhdfs/v1/raw")).toMatchObject({ kind: "gen1", path: "/raw" });
    expect(parseSource("--target", "abfss://raw@acct2.dfs.core.windows.net/a/b")).toMatchObject({ kind: "gen2", account: "acct2", filesystem: "raw", path: "/a/b" });
  });

  it.each([
    ["abfss://Bad_FS@acct.dfs.core.windows.net/", /"Bad_FS" is not a filesystem name/],
    ["https://lake.blob.core.windows.net/x", /unsupported URI; expected adl:\/\//],
    ["listing.txt", /not a URI and not an inventory file/],
    ["missing.csv", /inventory file not found/],
  ])("rejects %s with a usage error", (value, message) => {
    expect(() => parseSource("--source", value)).toThrow(message);
  });
});
