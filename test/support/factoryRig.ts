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
 * emulator and a DFS emulator holding the stack's filesystems. Gen1's
 * writes (what Data Factory copies into it) are stamped with the factory's
 * clock. Tests change Gen1 in place: through `gen1.tree` (writes with
 * WebHDFS semantics), or with `reseedGen1`, which replaces the whole tree
 * and the injected faults.
 */
export interface FactoryRig {
  factory: FactoryEmulator;
  catalog: FactoryCatalog;
  gen1: WebHdfsServer;
  dfs: DfsServer;
  gen2: DataLakeServiceClient;
  reseedGen1(entries: Gen1Seed[], faults?: Gen1Fault[]): void;
  /** `pulumi up` of a changed plan into the running factory (FactoryEmulator.deploy). */
  redeploy(plan: Plan): void;
  close(): Promise<void>;
}

export async function startFactoryRig(plan: Plan, gen1: Gen1Seed[], opts: { clock?: Date } = {}): Promise<FactoryRig> {
  // Built first: a plan the emulator cannot load throws before any server starts.
  const catalog = catalogFromPlan(plan.resources);
  // Both lakes stamp writes with the factory's clock (set below, once the factory exists).
  const start = (opts.clock ?? new Date()).getTime();
  let clock = (): number => start;
  const gen1Server = await startWebHdfsServer({ entries: gen1, lifetimeMs: 60_000, now: () => clock() });
  const dfs = await startDfsServer({ now: () => clock() });
  for (const fs of plan.outputs.filesystems as string[]) dfs.createFilesystem(fs);
  const gen1Lake = gen1WebHdfsStore(gen1Server);
  const gen2Lake = gen2DfsStore({ url: dfs.url, accountName: dfs.accountName, accountKey: dfs.accountKey });
  const factory = new FactoryEmulator({ catalog, stores: bindLakes(catalog, { gen1: gen1Lake, gen2: gen2Lake }), clock: new Date(start) });
  clock = () => factory.now().getTime();
  return {
    factory,
    catalog,
    gen1: gen1Server,
    dfs,
    gen2: new DataLakeServiceClient(dfs.url, new StorageSharedKeyCredential(dfs.accountName, dfs.accountKey)),
    reseedGen1(entries, faults = []) {
      for (const name of [...gen1Server.tree.childNames("/")]) gen1Server.tree.delete(`/${name}`, true);
      for (const seed of entries) gen1Server.tree.put(seed);
      gen1Server.faults.splice(0, gen1Server.faults.length, ...faults.map((f) => ({ ...f })));
    },
    redeploy: (next) => factory.deploy(catalogFromPlan(next.resources)),
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
