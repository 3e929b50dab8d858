import { IncomingHttpHeaders, Server, createServer, request } from "http";
import type { AddressInfo } from "net";
import { AccessControlType, DataLakeServiceClient, PathAccessControlItem, RestError, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { DfsServer, startDfsServer } from "../../emulators/dfs/server";

/**
 * Where the DFS emulator follows the real service's recorded behaviour (each
 * point cites its evidence in emulators/dfs/): driven through the real SDK.
 */

let server: DfsServer;
let client: DataLakeServiceClient;

function clientFor(url: string): DataLakeServiceClient {
  return new DataLakeServiceClient(url, new StorageSharedKeyCredential(server.accountName, server.accountKey), { retryOptions: { maxTries: 1 } });
}

const entry = (accessControlType: AccessControlType, entityId: string, perms: string, defaultScope = false): PathAccessControlItem => ({
  accessControlType,
  entityId,
  defaultScope,
  permissions: { read: perms[0] === "r", write: perms[1] === "w", execute: perms[2] === "x" },
});
const BASE = [entry("user", "", "rwx"), entry("group", "", "r-x"), entry("other", "", "---")];

/** The service error of a failed call (recursive ACL calls wrap it in DataLakeAclChangeFailedError.innerError). */
async function failure(p: Promise<unknown>): Promise<RestError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RestError) return err;
    const inner = (err as { innerError?: unknown }).innerError;
    if (inner instanceof RestError) return inner;
    throw err;
  }
  throw new Error("expected the request to fail");
}

beforeAll(async () => {
  server = await startDfsServer();
  client = clientFor(server.url);
  server.tree.createFilesystem("fid");
});
afterAll(() => server.close());
afterEach(() => {
  server.faults = {};
});

describe("throttling", () => {
  it("injects 503 ServerBusy by default, without Retry-After unless asked", async () => {
    const fs = client.getFileSystemClient("fid");
    const list = () => fs.listPaths().byPage().next();
    server.faults = { failEvery: { n: 1 } };
    const plain = await failure(list());
    expect([plain.statusCode, plain.code]).toEqual([503, "ServerBusy"]);
    expect(plain.response?.headers.get("retry-after")).toBeUndefined();

    server.faults = { failEvery: { n: 1, retryAfterSeconds: 3 } };
    const withHeader = await failure(list());
    expect([withHeader.statusCode, withHeader.code, withHeader.response?.headers.get("retry-after")]).toEqual([503, "ServerBusy", "3"]);

    server.faults = { failFirst: { operation: "HEAD getAccessControl", count: 1 } };
    server.resetStats();
    const head = await failure(fs.getDirectoryClient("").getAccessControl());
    expect([head.statusCode, head.response?.headers.get("x-ms-error-code")]).toEqual([503, "ServerBusy"]);
    await expect(fs.getDirectoryClient("").getAccessControl()).resolves.toBeDefined();
  });

  it("injects 429 only when asked for explicitly", async () => {
    server.faults = { failEvery: { n: 1, status: 429 } };
    expect((await failure(client.getFileSystemClient("fid").getDirectoryClient("").getAccessControl())).statusCode).toBe(429);
  });
});

describe("recursive ACL requests", () => {
  beforeAll(() => {
    for (let i = 0; i < 2100; i++) server.tree.writeFile("fid", `big/f${String(i).padStart(4, "0")}`);
  });

  it("clamps maxRecords above 2000 instead of refusing it", async () => {
    const batches: number[] = [];
    const result = await client
      .getFileSystemClient("fid")
      .getDirectoryClient("big")
      .updateAccessControlRecursive([entry("user", "u1", "r--")], {
        batchSize: 5000,
        onProgress: (p) => batches.push(p.batchCounters.changedDirectoriesCount + p.batchCounters.changedFilesCount),
      });
    expect(batches).toEqual([2000, 101]);
    expect(result.counters.changedFilesCount).toBe(2100);
  });

  it("refuses a set without user::, group:: and other:: with 400 SetAclMissingAces", async () => {
    const before = server.aclOf("fid", "big/f0000");
    const err = await failure(client.getFileSystemClient("fid").getDirectoryClient("big").setAccessControlRecursive([entry("user", "u9", "r--")]));
    expect([err.statusCode, err.code, err.message.split("\n")[0]]).toEqual([400, "SetAclMissingAces", "Invalid ACL: the user, group and other entries are required."]);
    expect(server.aclOf("fid", "big/f0000")).toBe(before);
  });

  it("answers without a Content-Type header", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const proxy = await recordingProxy(server.port, seen);
    try {
      const viaProxy = clientFor(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}/${server.accountName}`);
      const result = await viaProxy.getFileSystemClient("fid").getDirectoryClient("big").setAccessControlRecursive(BASE, { batchSize: 2000 });
      expect(result.counters.changedFilesCount).toBe(2100);
      expect(seen.length).toBe(2);
      for (const h of seen) expect(h["content-type"]).toBeUndefined();
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});

describe("ACL syntax", () => {
  it("refuses an unparsable ACL with 400 InvaldAccessControlList (the service's spelling)", async () => {
    const file = client.getFileSystemClient("fid").getFileClient("syntax.csv");
    await file.create();
    const bogus = { ...entry("user", "u1", "r--"), accessControlType: "usr" as unknown as AccessControlType };
    const err = await failure(file.setAccessControl([...BASE, bogus]));
    expect([err.statusCode, err.code]).toEqual([400, "InvaldAccessControlList"]);
    expect(err.message).toMatch(/^The access control list value is invalid\./);
  });
});

describe("what ACL writes leave alone", () => {
  it("keeps ETag and Last-Modified through setAccessControl, setPermissions and a recursive update", async () => {
    const fs = client.getFileSystemClient("fid");
    await fs.getFileClient("keep/a.csv").upload(Buffer.from("abc"));
    const before = await fs.getFileClient("keep/a.csv").getProperties();
    await new Promise((r) => setTimeout(r, 1100));
    await fs.getFileClient("keep/a.csv").setAccessControl([...BASE, entry("user", "u1", "r--")]);
    await fs.getFileClient("keep/a.csv").setPermissions({
      owner: { read: true, write: true, execute: false },
      group: { read: true, write: false, execute: false },
      other: { read: false, write: false, execute: false },
      stickyBit: false,
      extendedAcls: false,
    });
    await fs.getDirectoryClient("keep").updateAccessControlRecursive([entry("group", "g1", "r-x")]);
    const after = await fs.getFileClient("keep/a.csv").getProperties();
    expect(after.etag).toBe(before.etag);
    expect(after.lastModified?.toUTCString()).toBe(before.lastModified?.toUTCString());
    const listed = [];
    for await (const p of fs.listPaths({ path: "keep" })) listed.push(p);
    expect(listed[0].etag).toBe(before.etag?.replace(/"/g, ""));
    // The content write (flush) still changes it.
    await fs.getFileClient("keep/a.csv").upload(Buffer.from("abcd"));
    expect((await fs.getFileClient("keep/a.csv").getProperties()).etag).not.toBe(before.etag);
  });
});

describe("owning group of new items", () => {
  it("copies the parent's owning group to new files and directories, implicit parents included", async () => {
    const fs = client.getFileSystemClient("fid");
    await fs.getDirectoryClient("grp").create();
    await fs.getDirectoryClient("grp").setAccessControl(BASE, { group: "g-owners" } as never);
    await fs.getDirectoryClient("grp").setPermissions(
      { owner: { read: true, write: true, execute: true }, group: { read: true, write: false, execute: true }, other: { read: false, write: false, execute: false }, stickyBit: false, extendedAcls: false },
      { group: "g-owners" },
    );
    await fs.getFileClient("grp/new.csv").create();
    await fs.getFileClient("grp/deep/er/new.csv").create();
    expect((await fs.getFileClient("grp/new.csv").getAccessControl()).group).toBe("g-owners");
    expect((await fs.getDirectoryClient("grp/deep").getAccessControl()).group).toBe("g-owners");
    expect((await fs.getFileClient("grp/deep/er/new.csv").getAccessControl()).group).toBe("g-owners");
    expect((await fs.getFileClient("syntax.csv").getAccessControl()).group).toBe("$superuser");
  });
});

describe("sticky bit", () => {
  it("stores the sticky bit set through setPermissions and reports it (t/T) in getAccessControl and listings", async () => {
    const fs = client.getFileSystemClient("fid");
    await fs.getDirectoryClient("tmp").create();
    await fs.getDirectoryClient("tmp").setPermissions({
      owner: { read: true, write: true, execute: true },
      group: { read: true, write: true, execute: true },
      other: { read: true, write: true, execute: true },
      stickyBit: true,
      extendedAcls: false,
    });
    const acl = await fs.getDirectoryClient("tmp").getAccessControl();
    expect(acl.permissions).toMatchObject({ stickyBit: true, other: { read: true, write: true, execute: true } });
    const listed = [];
    for await (const p of fs.listPaths({ path: "" })) if (p.name === "tmp") listed.push(p);
    expect(listed[0].permissions).toMatchObject({ stickyBit: true });
    // "T": sticky without execute for other, as in the recorded "rw-r-x-wT".
    server.tree.setAccessControl("fid", "tmp", { permissions: "rw-r-x-wT" });
    expect(server.tree.getAccessControl("fid", "tmp")?.permissions).toBe("rw-r-x-wT");
    expect((await fs.getDirectoryClient("tmp").getAccessControl()).permissions).toMatchObject({ stickyBit: true, other: { read: false, write: true, execute: false } });
  });
});

describe("capacity model", () => {
  it("answers 503 ServerBusy beyond capacityPathsPerSecond and serves again once the bucket refills", async () => {
    const dir = client.getFileSystemClient("fid").getDirectoryClient("big");
    server.resetStats();
    server.faults = { capacityPathsPerSecond: 1000 };
    // A full bucket admits one batch of 2000 paths: a second's debt follows.
    const first = await dir.updateAccessControlRecursive([entry("user", "u2", "r--")], { batchSize: 2000, maxBatches: 1 });
    expect(first.counters.changedFilesCount + first.counters.changedDirectoriesCount).toBe(2000);
    const refused = await failure(dir.updateAccessControlRecursive([entry("user", "u2", "r--")], { batchSize: 1000, continuationToken: first.continuationToken, maxBatches: 1 }));
    expect([refused.statusCode, refused.code, refused.message.split("\n")[0]]).toEqual([503, "ServerBusy", "Operations per second is over the account limit."]);
    expect(server.stats.throttled).toBe(1);
    // Reads that touch no path are not counted.
    await expect(dir.getAccessControl()).resolves.toBeDefined();
    await new Promise((r) => setTimeout(r, 1100));
    const next = await dir.updateAccessControlRecursive([entry("user", "u2", "r--")], { batchSize: 1000, continuationToken: first.continuationToken, maxBatches: 1 });
    expect(next.counters.changedFilesCount).toBe(101);
  });

  it("counts listed entries and models the time of a listing page (pageLatencyMs)", async () => {
    const fs = client.getFileSystemClient("fid");
    server.faults = { pageLatencyMs: 200 };
    const started = Date.now();
    let pages = 0;
    for await (const page of fs.listPaths({ path: "big" }).byPage({ maxPageSize: 1000 })) pages += page.pathItems?.length ? 1 : 0;
    expect(pages).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);

    server.faults = { capacityPathsPerSecond: 500 };
    const pager = fs.listPaths({ path: "big" }).byPage({ maxPageSize: 1000 });
    await pager.next();
    const err = await failure(pager.next());
    expect([err.statusCode, err.code]).toEqual([503, "ServerBusy"]);
  });
});

/** A loopback proxy in front of the emulator that records every response's headers. */
async function recordingProxy(target: number, seen: IncomingHttpHeaders[]): Promise<Server> {
  const proxy = createServer((req, res) => {
    const upstream = request({ host: "127.0.0.1", port: target, method: req.method, path: req.url, headers: req.headers }, (up) => {
      if (req.url?.includes("setAccessControlRecursive")) seen.push(up.headers);
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return proxy;
}
