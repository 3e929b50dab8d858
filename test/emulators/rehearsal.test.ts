import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { type Rehearsal, startRehearsal } from "../../emulators/rehearsal";
import { planWith } from "../support/plan";

/**
 * The emulators started together (npm run emulators, npm run demo): with a
 * stack, both lakes stamp what is written with the factory's clock, so a
 * window selects a write by the time it sees. Stamped with the wall clock
 * instead, a write the demo makes inside a window could be dated before it
 * (or after it) and be left out.
 */

const START = Date.parse("2026-12-01T00:00:00Z");

let rehearsal: Rehearsal;
beforeAll(async () => {
  rehearsal = await startRehearsal({ plan: await planWith({}), gen1: [{ path: "/raw/sales", type: "directory" }], lifetimeMs: 60_000 });
});
afterAll(() => rehearsal.close());

describe("startRehearsal with a stack", () => {
  it("Gen2 and Gen1 writes over HTTP carry the factory clock, before and after it moves", async () => {
    const { dfs, gen1, factory } = rehearsal;
    expect(factory!.now().getTime()).toBe(START);
    const fs = new DataLakeServiceClient(dfs.url, new StorageSharedKeyCredential(dfs.accountName, dfs.accountKey)).getFileSystemClient("raw");
    await fs.getFileClient("sales/a.csv").upload(Buffer.from("a"));
    expect((await fs.getFileClient("sales/a.csv").getProperties()).lastModified?.getTime()).toBe(START);

    await factory!.advanceTo(new Date(START + 90 * 60_000));
    const put = await fetch(`${gen1.url}/webhdfs/v1/raw/sales/b.csv?op=CREATE&write=true&overwrite=true`, { method: "PUT", headers: { authorization: `Bearer ${gen1.token}` }, body: "b" });
    expect(put.status).toBe(201);
    const status = (await (await fetch(`${gen1.url}/webhdfs/v1/raw/sales/b.csv?op=GETFILESTATUS`, { headers: { authorization: `Bearer ${gen1.token}` } })).json()) as { FileStatus: { modificationTime: number } };
    expect(status.FileStatus.modificationTime).toBe(START + 90 * 60_000);
  });
});
