import { startWebHdfsServer, type WebHdfsServer } from "../../emulators/gen1/server";
import { generatedContent } from "../../emulators/gen1/tree";

/**
 * The Gen1 WebHDFS emulator's content and writes, over HTTP as a client
 * sees them: OPEN (two-step and `read=true`), CREATE (307 redirect,
 * `noredirect`, single-step `write=true`, overwrite), MKDIRS, DELETE,
 * RENAME, SETPERMISSION, SETOWNER, SETACL, MODIFYACLENTRIES, and which of
 * them move a modification time (Hadoop FS specification, "Timestamps").
 */

const T0 = Date.parse("2026-12-01T00:00:00Z");
let now = T0;
let server: WebHdfsServer;

beforeEach(async () => {
  now = T0;
  server = await startWebHdfsServer({
    entries: [
      { path: "/d", type: "directory", group: "d-group", modified: T0 - 1000 },
      { path: "/d/seeded.bin", size: 100, modified: T0 - 5000 },
      { path: "/d/text.txt", content: "hello world", modified: T0 - 4000 },
      { path: "/d/sub/x.csv", content: "x", modified: T0 - 3000 },
    ],
    now: () => now,
    callerId: "adf-msi-oid",
    lifetimeMs: 10_000,
  });
});
afterEach(() => server.close());

async function hdfs(path: string, op: string, extra = "", init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}/webhdfs/v1${path}?op=${op}${extra}`, { ...init, headers: { authorization: `Bearer ${server.token}`, ...(init.headers ?? {}) } });
}
async function status(path: string): Promise<{ length: number; modificationTime: number; owner: string; group: string; permission: string; type: string }> {
  return ((await (await hdfs(path, "GETFILESTATUS")).json()) as { FileStatus: Awaited<ReturnType<typeof status>> }).FileStatus;
}
async function acl(path: string): Promise<{ entries: string[]; permission: string; owner: string; group: string }> {
  return ((await (await hdfs(path, "GETACLSTATUS")).json()) as { AclStatus: Awaited<ReturnType<typeof acl>> }).AclStatus;
}

describe("Gen1 emulator OPEN", () => {
  it("serves written and seeded bytes, with offset and length, in one step (read=true) or after a 307", async () => {
    const direct = await hdfs("/d/text.txt", "OPEN", "&read=true&offset=6&length=3");
    expect(direct.status).toBe(200);
    expect(await direct.text()).toBe("wor");
    const first = await hdfs("/d/text.txt", "OPEN", "", { redirect: "manual" });
    expect(first.status).toBe(307);
    expect(first.headers.get("location")).toMatch(/op=OPEN.*read=true/);
    expect(await (await hdfs("/d/text.txt", "OPEN")).text()).toBe("hello world"); // fetch follows the redirect
    const noRedirect = await hdfs("/d/text.txt", "OPEN", "&noredirect=true");
    expect(((await noRedirect.json()) as { Location: string }).Location).toMatch(/read=true/);
    const seeded = Buffer.from(await (await hdfs("/d/seeded.bin", "OPEN", "&read=true")).arrayBuffer());
    expect(seeded.equals(generatedContent("d/seeded.bin", 100, T0 - 5000))).toBe(true);
    expect((await hdfs("/d/text.txt", "OPEN", "&read=true&offset=12")).status).toBe(400);
    expect((await hdfs("/d", "OPEN", "&read=true")).status).toBe(404);
    expect((await hdfs("/d/none", "OPEN", "&read=true")).status).toBe(404);
  });
});

describe("Gen1 emulator CREATE", () => {
  it("two-step: the first PUT answers 307 (or 200 with noredirect) and writes nothing; the second writes", async () => {
    const first = await hdfs("/d/new.txt", "CREATE", "", { method: "PUT", redirect: "manual" });
    expect(first.status).toBe(307);
    expect(server.tree.get("/d/new.txt")).toBeUndefined();
    const loc = ((await (await hdfs("/d/new.txt", "CREATE", "&noredirect=true", { method: "PUT" })).json()) as { Location: string }).Location;
    const second = await fetch(loc, { method: "PUT", body: "abc", headers: { authorization: `Bearer ${server.token}` } });
    expect(second.status).toBe(201);
    expect(await (await hdfs("/d/new.txt", "OPEN", "&read=true")).text()).toBe("abc");
  });

  it("single step (write=true): owner is the caller, group the parent's, mode 644, time now on the file and its parent; no overwrite unless asked", async () => {
    now = T0 + 60_000;
    const res = await hdfs("/d/deep/new.txt", "CREATE", "&write=true", { method: "PUT", body: "12345" });
    expect(res.status).toBe(201);
    expect(await status("/d/deep/new.txt")).toMatchObject({ length: 5, modificationTime: T0 + 60_000, owner: "adf-msi-oid", group: "d-group", permission: "644", type: "FILE" });
    expect(await status("/d/deep")).toMatchObject({ type: "DIRECTORY", modificationTime: T0 + 60_000 });
    const again = await hdfs("/d/deep/new.txt", "CREATE", "&write=true", { method: "PUT", body: "x" });
    expect(again.status).toBe(403);
    expect(await again.text()).toMatch(/FileAlreadyExistsException/);
    now = T0 + 120_000;
    expect((await hdfs("/d/deep/new.txt", "CREATE", "&write=true&overwrite=true&permission=600", { method: "PUT", body: "xy" })).status).toBe(201);
    expect(await status("/d/deep/new.txt")).toMatchObject({ length: 2, modificationTime: T0 + 120_000, permission: "600" });
    expect((await hdfs("/d/sub", "CREATE", "&write=true&overwrite=true", { method: "PUT", body: "x" })).status).toBe(403);
    expect((await hdfs("/d/x", "CREATE", "&write=true", { method: "GET" })).status).toBe(400);
  });
});

describe("Gen1 emulator namespace writes", () => {
  it("MKDIRS makes parents, default 755, true when present, false over a file", async () => {
    const made = await hdfs("/a/b/c", "MKDIRS", "", { method: "PUT" });
    expect(await made.json()).toEqual({ boolean: true });
    expect(await status("/a/b")).toMatchObject({ type: "DIRECTORY", permission: "755", owner: "adf-msi-oid" });
    expect(await (await hdfs("/a/b/c", "MKDIRS", "&permission=700", { method: "PUT" })).json()).toEqual({ boolean: true });
    expect(await (await hdfs("/d/text.txt/z", "MKDIRS", "", { method: "PUT" })).json()).toEqual({ boolean: false });
  });

  it("DELETE: a non-empty directory only with recursive=true; false for a missing path; the parent's time moves", async () => {
    now = T0 + 5000;
    const refused = await hdfs("/d/sub", "DELETE", "", { method: "DELETE" });
    expect(refused.status).toBe(403);
    expect(await (await hdfs("/d/sub", "DELETE", "&recursive=true", { method: "DELETE" })).json()).toEqual({ boolean: true });
    expect((await hdfs("/d/sub/x.csv", "GETFILESTATUS")).status).toBe(404);
    expect((await status("/d")).modificationTime).toBe(T0 + 5000);
    expect(await (await hdfs("/d/none", "DELETE", "", { method: "DELETE" })).json()).toEqual({ boolean: false });
  });

  it("RENAME keeps the file's modification time and bytes, moves the source and destination directories' times, moves subtrees", async () => {
    now = T0 + 7000;
    server.tree.mkdirs("/e", "755", "someone");
    now = T0 + 9000;
    expect(await (await hdfs("/d/seeded.bin", "RENAME", "&destination=/e/moved.bin", { method: "PUT" })).json()).toEqual({ boolean: true });
    expect(await status("/e/moved.bin")).toMatchObject({ modificationTime: T0 - 5000, length: 100 });
    const bytes = Buffer.from(await (await hdfs("/e/moved.bin", "OPEN", "&read=true")).arrayBuffer());
    expect(bytes.equals(generatedContent("d/seeded.bin", 100, T0 - 5000))).toBe(true);
    expect((await status("/d")).modificationTime).toBe(T0 + 9000);
    expect((await status("/e")).modificationTime).toBe(T0 + 9000);
    // Into an existing directory: below it, under its own name.
    expect(await (await hdfs("/d/sub", "RENAME", "&destination=/e", { method: "PUT" })).json()).toEqual({ boolean: true });
    expect(await (await hdfs("/e/sub/x.csv", "OPEN", "&read=true")).text()).toBe("x");
    const listed = (await (await hdfs("/e", "LISTSTATUS")).json()) as { FileStatuses: { FileStatus: { pathSuffix: string }[] } };
    expect(listed.FileStatuses.FileStatus.map((s) => s.pathSuffix)).toEqual(["moved.bin", "sub"]);
    expect(await (await hdfs("/d/text.txt", "RENAME", "&destination=/e/moved.bin", { method: "PUT" })).json()).toEqual({ boolean: false });
    expect(await (await hdfs("/d/none", "RENAME", "&destination=/e/n", { method: "PUT" })).json()).toEqual({ boolean: false });
    expect(await (await hdfs("/e", "RENAME", "&destination=/e/sub/inside", { method: "PUT" })).json()).toEqual({ boolean: false });
    expect((await hdfs("/d/text.txt", "RENAME", "&destination=relative", { method: "PUT" })).status).toBe(400);
  });
});

describe("Gen1 emulator permission, owner and ACL writes", () => {
  it("SETPERMISSION, SETOWNER, SETACL, MODIFYACLENTRIES change what GETACLSTATUS reads back and no modification time", async () => {
    now = T0 + 99_000;
    const before = (await status("/d/text.txt")).modificationTime;
    expect((await hdfs("/d/text.txt", "SETOWNER", "&owner=new-owner", { method: "PUT" })).status).toBe(200);
    expect(await acl("/d/text.txt")).toMatchObject({ owner: "new-owner", group: "group-oid" });
    expect((await hdfs("/d/text.txt", "SETOWNER", "&group=new-group", { method: "PUT" })).status).toBe(200);
    expect(await acl("/d/text.txt")).toMatchObject({ owner: "new-owner", group: "new-group" });

    const spec = ["user::rw-", "user:analyst:r--", "group::r--", "mask::r--", "other::---"].join(",");
    expect((await hdfs("/d/text.txt", "SETACL", `&aclspec=${encodeURIComponent(spec)}`, { method: "PUT" })).status).toBe(200);
    expect(await acl("/d/text.txt")).toMatchObject({ entries: spec.split(","), permission: "640" });
    await hdfs("/d/text.txt", "MODIFYACLENTRIES", `&aclspec=${encodeURIComponent("user:analyst:rw-,group:readers:r--,mask::rw-")}`, { method: "PUT" });
    expect(await acl("/d/text.txt")).toMatchObject({
      entries: ["user::rw-", "user:analyst:rw-", "group::r--", "mask::rw-", "other::---", "group:readers:r--"],
      permission: "660",
    });
    await hdfs("/d/text.txt", "SETPERMISSION", "&permission=750", { method: "PUT" });
    expect(await acl("/d/text.txt")).toMatchObject({ entries: ["user::rwx", "user:analyst:rw-", "group::r--", "mask::r-x", "other::---", "group:readers:r--"], permission: "750" });

    expect((await hdfs("/d/text.txt", "SETACL", "&aclspec=user:bad", { method: "PUT" })).status).toBe(400);
    expect((await hdfs("/d/text.txt", "SETPERMISSION", "&permission=999", { method: "PUT" })).status).toBe(400);
    expect((await hdfs("/d/none", "SETACL", `&aclspec=${encodeURIComponent(spec)}`, { method: "PUT" })).status).toBe(404);
    expect((await status("/d/text.txt")).modificationTime).toBe(before);
  });
});
