import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { startDfsServer, type DfsServer } from "../../emulators/dfs/server";
import { bindLakes, catalogFromPlan, type FactoryCatalog } from "../../emulators/factory/catalog";
import { FactoryEmulator } from "../../emulators/factory/emulator";
import { gen1WebHdfsStore } from "../../emulators/factory/stores/gen1WebHdfs";
import { gen2DfsStore } from "../../emulators/factory/stores/gen2Dfs";
import { startWebHdfsServer, type Gen1Fault, type Gen1Seed, type WebHdfsServer } from "../../emulators/gen1/server";
import type { Plan } from "../../scripts/plan/runtime";

/**
 * A planned stack's factory running in the emulator against a seeded Gen1
 * emulator and a DFS emulator holding the stack's filesystems. Gen1 has no
 * write API yet, so `reseedGen1` replaces the Gen1 server with one holding
 * the new tree (the store follows it): that is how tests change Gen1
 * between windows.
 */
export interface FactoryRig {
  factory: FactoryEmulator;
  catalog: FactoryCatalog;
  dfs: DfsServer;
  gen2: DataLakeServiceClient;
  reseedGen1(entries: Gen1Seed[], faults?: Gen1Fault[]): Promise<void>;
  /** The Gen1 server the store reads now (its url, token and in-process tree). */
  gen1(): WebHdfsServer;
  close(): Promise<void>;
}

export async function startFactoryRig(plan: Plan, gen1: Gen1Seed[], opts: { clock?: Date } = {}): Promise<FactoryRig> {
  let gen1Server: WebHdfsServer = await startWebHdfsServer({ entries: gen1, lifetimeMs: 60_000 });
  const dfs = await startDfsServer();
  for (const fs of plan.outputs.filesystems as string[]) dfs.createFilesystem(fs);
  const catalog = catalogFromPlan(plan.resources);
  const gen1Lake = { ...gen1WebHdfsStore(gen1Server) };
  const gen2Lake = gen2DfsStore({ url: dfs.url, accountName: dfs.accountName, accountKey: dfs.accountKey });
  const factory = new FactoryEmulator({ catalog, stores: bindLakes(catalog, { gen1: gen1Lake, gen2: gen2Lake }), clock: opts.clock });
  return {
    factory,
    catalog,
    dfs,
    gen2: new DataLakeServiceClient(dfs.url, new StorageSharedKeyCredential(dfs.accountName, dfs.accountKey)),
    async reseedGen1(entries, faults) {
      await gen1Server.close();
      gen1Server = await startWebHdfsServer({ entries, faults, lifetimeMs: 60_000 });
      Object.assign(gen1Lake, gen1WebHdfsStore(gen1Server));
    },
    gen1: () => gen1Server,
    async close() {
      await Promise.all([gen1Server.close(), dfs.close()]);
    },
  };
}

export interface Gen2Path {
  path: string;
  isDir: boolean;
  size: number;
  owner: string;
  group: string;
  /** ACL entries, sorted. */
  acl: string[];
}

/** Everything below a Gen2 directory, read back over HTTP with the real SDK. */
export async function listGen2(client: DataLakeServiceClient, fileSystem: string, dir = ""): Promise<Gen2Path[]> {
  const fs = client.getFileSystemClient(fileSystem);
  const out: Gen2Path[] = [];
  try {
    for await (const p of fs.listPaths({ path: dir === "" ? undefined : dir, recursive: true })) {
      const ac = await fs.getDirectoryClient(p.name!).getAccessControl();
      const acl = ac.acl.map((a) => `${a.defaultScope ? "default:" : ""}${a.accessControlType}:${a.entityId}:${a.permissions.read ? "r" : "-"}${a.permissions.write ? "w" : "-"}${a.permissions.execute ? "x" : "-"}`);
      out.push({ path: p.name!, isDir: p.isDirectory === true, size: p.contentLength ?? 0, owner: ac.owner ?? "", group: ac.group ?? "", acl: acl.sort() });
    }
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return [];
    throw err;
  }
  return out;
}
