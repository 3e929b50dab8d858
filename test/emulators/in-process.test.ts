import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { DfsServer, startDfsServer } from "../../emulators/dfs/server";
import { startWebHdfsServer } from "../../emulators/gen1/server";

/** The in-process tree handles other tools seed and inspect with: what they write must be what a client reads over HTTP. */

describe("DFS emulator in-process tree", () => {
  let server: DfsServer;
  let client: DataLakeServiceClient;
  beforeAll(async () => {
    server = await startDfsServer();
    client = new DataLakeServiceClient(server.url, new StorageSharedKeyCredential(server.accountName, server.accountKey), { retryOptions: { maxTries: 1 } });
  });
  afterAll(() => server.close());

  it("creates directories and files with content, owner, group and ACL that the SDK reads back", async () => {
    const t = server.tree;
    t.createFilesystem("lake");
    t.mkdir("lake", "raw/sales", { owner: "o1", group: "g1", acl: "user::rwx,group::r-x,other::---,default:user::rwx,default:group::r-x,default:other::---" });
    t.writeFile("lake", "raw/sales/a.csv", "x,y\n1,2\n");
    const fs = client.getFileSystemClient("lake");
    expect((await fs.getFileClient("raw/sales/a.csv").readToBuffer()).toString()).toBe("x,y\n1,2\n");
    const acl = await fs.getDirectoryClient("raw/sales").getAccessControl();
    expect(acl).toMatchObject({ owner: "o1", group: "g1" });
    expect(t.getAccessControl("lake", "raw/sales")?.acl).toContain("default:user::rwx");

    t.setAccessControl("lake", "raw/sales/a.csv", { permissions: "rw-r-----", owner: "o2" });
    expect((await fs.getFileClient("raw/sales/a.csv").getAccessControl()).permissions).toMatchObject({ owner: { read: true, write: true, execute: false } });
    expect(t.getAccessControl("lake", "raw/sales/a.csv")).toMatchObject({ owner: "o2", permissions: "rw-r-----" });
  });

  it("lists children or the whole subtree and deletes (a non-empty directory only recursively)", async () => {
    const t = server.tree;
    t.writeFile("lake", "raw/other/b.csv", Buffer.from("b"));
    expect(t.list("lake", "raw").map((e) => e.path)).toEqual(["raw/other", "raw/sales"]);
    expect(t.list("lake", "", { recursive: true }).map((e) => [e.path, e.isDirectory, e.size])).toEqual([
      ["raw", true, 0],
      ["raw/other", true, 0],
      ["raw/other/b.csv", false, 1],
      ["raw/sales", true, 0],
      ["raw/sales/a.csv", false, 8],
    ]);
    expect(() => t.delete("lake", "raw/other")).toThrow(/not empty/);
    expect(t.delete("lake", "raw/other", { recursive: true })).toBe(true);
    expect(await client.getFileSystemClient("lake").getFileClient("raw/other/b.csv").exists()).toBe(false);
    expect(() => t.setAccessControl("lake", "raw/sales", { acl: "user::rwx" })).toThrow(/raw\/sales/);
  });
});

describe("WebHDFS emulator in-process tree", () => {
  it("puts, updates and deletes paths that the next LISTSTATUS shows", async () => {
    const server = await startWebHdfsServer({ entries: [{ path: "/d/b.csv", size: 3 }] });
    try {
      server.tree.put({ path: "/d/a.csv", content: "hello", acl: ["user::rw-", "user:u1:r--", "group::r--", "mask::r--", "other::---"] });
      server.tree.update("/d/b.csv", { owner: "someone" });
      const list = async () => {
        const res = await fetch(`${server.url}/webhdfs/v1/d?op=LISTSTATUS`, { headers: { authorization: `Bearer ${server.token}` } });
        return ((await res.json()) as { FileStatuses: { FileStatus: { pathSuffix: string; length: number; owner: string; aclBit: boolean }[] } }).FileStatuses.FileStatus;
      };
      expect((await list()).map((s) => [s.pathSuffix, s.length, s.owner, s.aclBit])).toEqual([
        ["a.csv", 5, "owner-oid", true],
        ["b.csv", 3, "someone", false],
      ]);
      expect(server.tree.delete("/d/a.csv")).toBe(true);
      expect((await list()).map((s) => s.pathSuffix)).toEqual(["b.csv"]);
    } finally {
      await server.close();
    }
  });
});
