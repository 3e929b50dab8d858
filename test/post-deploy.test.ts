import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { stringify } from "yaml";
import { postDeployMain } from "../scripts/post-deploy";
import { DfsServer, startDfsServer } from "./support/dfs-server";

const READERS = "aaaaaaaa-0000-0000-0000-000000000001";

let server: DfsServer;
let dir: string;

async function postDeploy(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await postDeployMain(args, {
    out: (s) => (out += s),
    err: (s) => (err += s),
    env: { AZURE_STORAGE_ACCOUNT: server.accountName, AZURE_STORAGE_KEY: server.accountKey },
    tty: false,
    retry: { maxAttempts: 5, baseDelayMs: 5, maxDelayMs: 20 },
  });
  return { code, out, err };
}

function stackFile(name: string, config: Record<string, unknown>): string {
  const file = path.join(dir, `Pulumi.${name}.yaml`);
  writeFileSync(file, stringify({ config }));
  return file;
}

const BASE = {
  "azure-native:location": "westeurope",
  "adls-migration:environment": "dev",
  "adls-migration:pattern": "incremental",
  "adls-migration:namePrefix": "contoso",
};

beforeAll(async () => {
  server = await startDfsServer();
  dir = mkdtempSync(path.join(tmpdir(), "post-deploy-"));
  writeFileSync(path.join(dir, "principals.json"), JSON.stringify({ "dl-readers": READERS }));
});
afterAll(() => server.close());

describe("post-deploy", () => {
  it("creates the declared folders, applies the stack's acls, and changes nothing on a second run", async () => {
    server.createFilesystem("raw");
    server.createFilesystem("curated");
    const file = stackFile("pd", {
      ...BASE,
      "adls-migration:filesystems": [{ name: "raw", folders: ["landing/sales", "landing/finance"] }, { name: "curated", folders: ["sales"] }],
      "adls-migration:acls": { rules: [{ path: "raw/landing", entries: [{ group: "dl-readers", permissions: "r-x" }, { group: "dl-readers", permissions: "r-x", default: true }] }] },
    });
    const args = ["--config-file", file, "--account-url", server.url, "--principals", path.join(dir, "principals.json"), "--checkpoint", path.join(dir, "cp.json")];

    const first = await postDeploy(args);
    expect(first.code).toBe(0);
    expect(first.out).toContain("ok   folders: 3 created, 0 already present");
    expect(first.out).toMatch(/ok {3}acls: applied 1 rule\(s\)/);

    const sdk = new DataLakeServiceClient(server.url, new StorageSharedKeyCredential(server.accountName, server.accountKey));
    for (const p of ["landing", "landing/sales", "landing/finance"]) {
      const acl = await sdk.getFileSystemClient("raw").getDirectoryClient(p).getAccessControl();
      expect(acl.acl.some((a) => a.entityId === READERS && a.defaultScope)).toBe(true);
    }
    expect(await sdk.getFileSystemClient("curated").getDirectoryClient("sales").exists()).toBe(true);

    server.resetStats();
    const second = await postDeploy(args);
    expect(second.code).toBe(0);
    expect(second.out).toContain("ok   folders: 0 created, 3 already present");
    expect(second.out).toContain("ok   acls: no change");
    expect(server.stats.writes).toBe(0);
  });

  it("reports a missing filesystem as a failure and bad acls config as exit 2 before any request", async () => {
    const missing = stackFile("missing", { ...BASE, "adls-migration:filesystems": [{ name: "nosuchfs", folders: ["a"] }] });
    const run = await postDeploy(["--config-file", missing, "--account-url", server.url]);
    expect(run.code).toBe(1);
    expect(run.out).toContain("nosuchfs: the filesystem does not exist; run `pulumi up` for this stack first");

    server.resetStats();
    const bad = stackFile("bad", {
      ...BASE,
      "adls-migration:filesystems": [{ name: "raw" }],
      "adls-migration:acls": { rules: [{ path: "raw/x", entries: [{ group: "dl-readers", permissions: "rwz" }] }] },
    });
    const badRun = await postDeploy(["--config-file", bad, "--account-url", server.url]);
    expect(badRun.code).toBe(2);
    expect(badRun.err).toContain('adls-migration:acls.rules[0].entries[0].permissions: "rwz" is not valid');
    expect(server.stats.requests).toBe(0);
  });
});
