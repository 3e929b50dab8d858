import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { DfsServer, startDfsServer } from "../../emulators/dfs/server";

/** The test server itself, driven by the real Data Lake SDK: it must behave like the service where our tools depend on it. */

let server: DfsServer;
let client: DataLakeServiceClient;

function clientFor(s: DfsServer, key = s.accountKey): DataLakeServiceClient {
  return new DataLakeServiceClient(s.url, new StorageSharedKeyCredential(s.accountName, key), { retryOptions: { maxTries: 1 } });
}

beforeAll(async () => {
  server = await startDfsServer();
  client = clientFor(server);
});
afterAll(() => server.close());

describe("DFS test server", () => {
  it("creates and lists filesystems through the SDK", async () => {
    await client.getFileSystemClient("alpha").create();
    await client.getFileSystemClient("beta").createIfNotExists();
    const again = await client.getFileSystemClient("beta").createIfNotExists();
    expect(again.succeeded).toBe(false);
    const names: string[] = [];
    for await (const fs of client.listFileSystems()) names.push(fs.name);
    expect(names).toEqual(expect.arrayContaining(["alpha", "beta"]));
    expect(await client.getFileSystemClient("nope").exists()).toBe(false);
  });

  it("rejects a request signed with the wrong key with 403 and accepts the SDK's signature", async () => {
    const wrong = clientFor(server, Buffer.from("not the key").toString("base64"));
    await expect(wrong.getFileSystemClient("alpha").getDirectoryClient("x").create()).rejects.toMatchObject({ statusCode: 403 });
    expect(await client.getFileSystemClient("alpha").exists()).toBe(true);
  });

  it("creates files and directories (parents implicitly), reports sizes in recursive listings and pages with continuation", async () => {
    const fs = client.getFileSystemClient("alpha");
    await fs.getDirectoryClient("d1/d2").create();
    const file = fs.getFileClient("d1/d2/data.csv");
    await file.upload(Buffer.from("a,b\n1,2\n"));
    for (let i = 0; i < 7; i++) await fs.getFileClient(`d1/f${i}`).create();
    const exists = await fs.getFileClient("d1/d2/data.csv").createIfNotExists();
    expect(exists.succeeded).toBe(false);

    const all: { name: string; isDirectory?: boolean; contentLength?: number }[] = [];
    let pages = 0;
    for await (const page of fs.listPaths({ recursive: true }).byPage({ maxPageSize: 3 })) {
      pages += 1;
      all.push(...page.pathItems!.map((p) => ({ name: p.name!, isDirectory: p.isDirectory, contentLength: p.contentLength })));
    }
    expect(pages).toBe(4);
    expect(all.map((p) => p.name)).toEqual(["d1", "d1/d2", "d1/d2/data.csv", "d1/f0", "d1/f1", "d1/f2", "d1/f3", "d1/f4", "d1/f5", "d1/f6"]);
    expect(all.find((p) => p.name === "d1/d2")?.isDirectory).toBe(true);
    expect(all.find((p) => p.name === "d1/d2/data.csv")).toMatchObject({ contentLength: 8 });

    const top: string[] = [];
    for await (const p of fs.listPaths({ path: "d1", recursive: false })) top.push(p.name!);
    expect(top).toEqual(["d1/d2", "d1/f0", "d1/f1", "d1/f2", "d1/f3", "d1/f4", "d1/f5", "d1/f6"]);

    const props = await file.getProperties();
    expect(props.contentLength).toBe(8);
    expect((await file.read()).contentLength).toBe(8);
    expect((await fs.getDirectoryClient("d1").getProperties()).metadata).toMatchObject({ hdi_isfolder: "true" });
  });

  it("keeps access and default ACLs apart, inherits defaults only at creation and recalculates the mask", async () => {
    const fs = client.getFileSystemClient("beta");
    const dir = fs.getDirectoryClient("sales");
    await dir.create();
    await dir.setAccessControl([
      { accessControlType: "user", entityId: "", defaultScope: false, permissions: { read: true, write: true, execute: true } },
      { accessControlType: "group", entityId: "", defaultScope: false, permissions: { read: true, write: false, execute: true } },
      { accessControlType: "other", entityId: "", defaultScope: false, permissions: { read: false, write: false, execute: false } },
      { accessControlType: "group", entityId: "g1", defaultScope: false, permissions: { read: true, write: false, execute: true } },
      { accessControlType: "group", entityId: "g1", defaultScope: true, permissions: { read: true, write: true, execute: true } },
    ]);
    expect(server.aclOf("beta", "sales")).toBe(
      "user::rwx,group::r-x,group:g1:r-x,mask::r-x,other::---,default:user::rwx,default:group::r-x,default:group:g1:rwx,default:mask::rwx,default:other::---",
    );
    await fs.getFileClient("sales/new.csv").create();
    await fs.getDirectoryClient("sales/sub").create();
    // A file gets the default entries as access entries, narrowed by the create mode 0666 (no x on mask/owner).
    expect(server.aclOf("beta", "sales/new.csv")).toBe("user::rw-,group::r-x,group:g1:rwx,mask::rw-,other::---");
    expect(server.aclOf("beta", "sales/sub")).toContain("default:group:g1:rwx");
    const acl = await fs.getFileClient("sales/new.csv").getAccessControl();
    expect(acl.permissions?.extendedAcls).toBe(true);
    expect(acl.acl.find((e) => e.entityId === "g1")?.permissions).toEqual({ read: true, write: true, execute: true });
  });

  it("applies recursive ACL batches of maxRecords with a continuation token, and counts requests", async () => {
    const fs = client.getFileSystemClient("beta");
    for (let i = 0; i < 5; i++) await fs.getFileClient(`batch/f${i}`).create();
    server.resetStats();
    const batches: number[] = [];
    const result = await fs.getDirectoryClient("batch").updateAccessControlRecursive(
      [{ accessControlType: "user", entityId: "u1", defaultScope: false, permissions: { read: true, write: false, execute: false } }],
      { batchSize: 2, onProgress: (p) => batches.push(p.batchCounters.changedDirectoriesCount + p.batchCounters.changedFilesCount) },
    );
    expect(batches).toEqual([2, 2, 2]);
    expect(result.counters).toEqual({ changedDirectoriesCount: 1, changedFilesCount: 5, failedChangesCount: 0 });
    expect(server.stats.byOperation["PATCH setAccessControlRecursive"]).toBe(3);
    expect(server.aclOf("beta", "batch/f4")).toContain("user:u1:r--");
  });

  it("reports per-path failures in failedEntries and continues with forceFlag", async () => {
    server.faults = { failPaths: ["beta/batch/f2"] };
    try {
      const fs = client.getFileSystemClient("beta");
      const failures: string[] = [];
      const result = await fs.getDirectoryClient("batch").updateAccessControlRecursive(
        [{ accessControlType: "user", entityId: "u2", defaultScope: false, permissions: { read: true, write: false, execute: false } }],
        { continueOnFailure: true, onProgress: (p) => failures.push(...p.batchFailures.map((f) => f.name)) },
      );
      expect(failures).toEqual(["batch/f2"]);
      expect(result.counters.failedChangesCount).toBe(1);
      expect(server.aclOf("beta", "batch/f2")).not.toContain("u2");
      expect(server.aclOf("beta", "batch/f3")).toContain("user:u2:r--");
    } finally {
      server.faults = {};
    }
  });

  it("injects 503/429 every Nth request and connection resets", async () => {
    const fs = client.getFileSystemClient("beta");
    server.faults = { failEvery: { n: 1, status: 429 } };
    await expect(fs.getDirectoryClient("batch").getAccessControl()).rejects.toMatchObject({ statusCode: 429 });
    server.faults = { resetEvery: 1 };
    await expect(fs.getDirectoryClient("batch").getAccessControl()).rejects.toThrow();
    server.faults = {};
    await expect(fs.getDirectoryClient("batch").getAccessControl()).resolves.toBeDefined();
  });
});
