import { type DfsCreateOptions, type DfsFaults, type DfsServer, type DfsTree, startDfsServer } from "./dfs/server";
import { type FakeArm, startFakeArm } from "./factory/armServer";
import { bindLakes, catalogFromPlan } from "./factory/catalog";
import { FactoryEmulator } from "./factory/emulator";
import { gen1WebHdfsStore } from "./factory/stores/gen1WebHdfs";
import { gen2DfsStore } from "./factory/stores/gen2Dfs";
import { type Gen1Fault, type Gen1Seed, type WebHdfsServer, startWebHdfsServer } from "./gen1/server";
import type { Plan } from "../scripts/plan/runtime";

/**
 * The three emulators together, as `npm run emulators` and `npm run demo`
 * run them: Gen1 WebHDFS, Gen2 DFS and, given a planned stack, the Data
 * Factory behind a loopback ARM endpoint (plain HTTP, which the factory CLI
 * accepts on loopback only). Everything binds 127.0.0.1 and closes itself
 * after `lifetimeMs`. With a factory, both lakes stamp what is written
 * (modification, creation and Last-Modified times) with the factory's
 * clock, so tumbling windows select writes by the time they see.
 */

/** One path to create on the DFS emulator: relative to its filesystem. */
export interface Gen2Seed {
  filesystem: string;
  path: string;
  isDir: boolean;
  content?: Buffer;
  owner?: string;
  group?: string;
  /** Full access (and default) ACL in x-ms-acl syntax. */
  acl?: string;
}

export interface RehearsalFaults {
  gen1?: Gen1Fault[];
  gen2?: DfsFaults;
}

export interface RehearsalOptions {
  /** Gen1 namespace to serve (default: empty). */
  gen1?: Gen1Seed[];
  /** Paths created on the DFS emulator before it answers (their filesystems are created too). */
  gen2?: Gen2Seed[];
  /** A stack's offline plan: its factory runs in the emulator and its `filesystems` output exists on the DFS emulator. */
  plan?: Plan;
  faults?: RehearsalFaults;
  /** Where the factory's clock starts (default: the earliest tumbling window startTime of the plan, else now). */
  clock?: Date;
  /** Every server closes itself after this long (default 1 h). */
  lifetimeMs?: number;
  /** Bearer token the Gen1 emulator requires (default "emulator-gen1-token"). */
  gen1Token?: string;
}

export interface Rehearsal {
  gen1: WebHdfsServer;
  dfs: DfsServer;
  /** Present with a plan. */
  factory?: FactoryEmulator;
  /** The ARM endpoint serving the factory (with a plan). */
  arm?: FakeArm;
  /** `pulumi up` of a changed stack into the running factory (FactoryEmulator.deploy); its linked services are bound to the lakes again. Throws without a factory. */
  deploy(plan: Plan): void;
  close(): Promise<void>;
}

export const DEFAULT_LIFETIME_MS = 3_600_000;

export async function startRehearsal(opts: RehearsalOptions = {}): Promise<Rehearsal> {
  const lifetimeMs = opts.lifetimeMs ?? DEFAULT_LIFETIME_MS;
  // Built first: a plan the emulator cannot load throws before any server starts.
  const catalog = opts.plan && catalogFromPlan(opts.plan.resources);
  const start = (opts.clock ?? (catalog && firstWindowStart(catalog.triggers)) ?? new Date()).getTime();
  let factory: FactoryEmulator | undefined;
  const now = (): number => (factory ? factory.now().getTime() : catalog ? start : Date.now());
  const gen1 = await startWebHdfsServer({ entries: opts.gen1 ?? [], faults: opts.faults?.gen1, token: opts.gen1Token ?? "emulator-gen1-token", lifetimeMs, now });
  const dfs = await startDfsServer({ ...(opts.faults?.gen2 ?? {}), now });
  const closeAll: (() => Promise<void>)[] = [() => gen1.close(), () => dfs.close()];
  const close = async () => {
    clearTimeout(guard);
    await Promise.all(closeAll.map((c) => c()));
  };
  // The DFS server has no lifetime of its own.
  const guard = setTimeout(() => void dfs.close(), lifetimeMs);
  guard.unref();
  const noFactory = (): never => {
    throw new Error("deploy: the emulators run no Data Factory (started without a plan)");
  };
  try {
    seedGen2(dfs, (opts.plan?.outputs.filesystems as string[] | undefined) ?? [], opts.gen2 ?? []);
    if (!catalog) return { gen1, dfs, deploy: noFactory, close };
    const lakes = {
      gen1: gen1WebHdfsStore(gen1),
      gen2: gen2DfsStore({ url: dfs.url, accountName: dfs.accountName, accountKey: dfs.accountKey }),
    };
    // One map for the factory's lifetime: a deploy rebinds in place what the runs read.
    const stores = bindLakes(catalog, lakes);
    const running = new FactoryEmulator({ catalog, stores, clock: new Date(start) });
    factory = running;
    const arm = await startFakeArm({ factory: running, protocol: "http", lifetimeMs });
    closeAll.push(() => arm.close());
    const deploy = (plan: Plan): void => {
      const next = catalogFromPlan(plan.resources);
      running.deploy(next);
      stores.clear();
      for (const [name, store] of bindLakes(next, lakes)) stores.set(name, store);
    };
    return { gen1, dfs, factory: running, arm, deploy, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function seedGen2(dfs: DfsServer, filesystems: string[], seeds: Gen2Seed[]): void {
  for (const fs of filesystems) dfs.tree.createFilesystem(fs);
  seedDfsTree(dfs.tree, seeds);
}

/** Creates each seed (and its filesystem); a rule broken (a file under a file, a bad ACL) throws naming the path. */
export function seedDfsTree(tree: DfsTree, seeds: Gen2Seed[]): void {
  for (const s of seeds) {
    tree.createFilesystem(s.filesystem);
    const create: DfsCreateOptions = { owner: s.owner, group: s.group, acl: s.acl };
    if (s.isDir && s.path === "") {
      if (s.owner || s.group || s.acl) tree.setAccessControl(s.filesystem, "", { owner: s.owner, group: s.group, acl: s.acl });
    } else if (s.isDir) tree.mkdir(s.filesystem, s.path, create);
    else tree.writeFile(s.filesystem, s.path, s.content, create);
  }
}

/** The earliest startTime of the tumbling window triggers, so that advancing the clock runs their first windows; undefined without one. */
function firstWindowStart(triggers: Map<string, Record<string, unknown>>): Date | undefined {
  const starts = [...triggers.values()]
    .filter((t) => t.type === "TumblingWindowTrigger")
    // The plan holds the model's properties flat (components/factory/definitions.ts).
    .map((t) => Date.parse(String(t.startTime)))
    .filter((ms) => !Number.isNaN(ms));
  return starts.length === 0 ? undefined : new Date(Math.min(...starts));
}
