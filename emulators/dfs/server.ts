import { Server, createServer } from "http";
import type { AddressInfo, Socket } from "net";
import type { DfsFaults } from "./faults";
import { DfsCreateOptions, DfsTree } from "./inProcess";
import { handleRequest } from "./pipeline";
import { DfsState } from "./state";
import { resetStats, type DfsStats } from "./stats";

/**
 * A loopback stand-in for the ADLS Gen2 dfs endpoint (plus the few blob
 * endpoint calls the Data Lake SDK makes: container create/properties/list,
 * blob properties and download), for tests and benchmarks that drive the real
 * `@azure/storage-file-datalake` client. No released emulator implements the
 * dfs endpoint.
 *
 * Semantics kept faithful where our tools depend on them: POSIX ACLs (access
 * vs default, inheritance at creation only, mask, base entries, 32 entries),
 * the recursive ACL API (maxRecords ≤ 2000, continuation, forceFlag,
 * set/modify/remove, failedEntries), listing pages of ≤ 5000 with
 * continuation, SharedKey auth (bad signature → 403), and the service's
 * recorded answers listed in docs/post-deploy.md (503 ServerBusy throttling,
 * maxRecords clamped, SetAclMissingAces, InvaldAccessControlList, ETag kept
 * by ACL writes, the parent's owning group, the sticky bit), each cited where
 * it is implemented. Faults and the capacity model can be changed while the
 * server runs (`server.faults`).
 *
 * Layout: pipeline.ts (one request end to end) → router.ts → ops/ (one module
 * per REST operation); state.ts, faults.ts, stats.ts; tree.ts (namespace),
 * posixAcl.ts (ACL model), sharedKey.ts (auth); inProcess.ts (direct access).
 */

export type { DfsFaults } from "./faults";
export type { DfsStats } from "./stats";
export type { DfsAccessChange, DfsAccessControl, DfsCreateOptions, DfsTreeEntry } from "./inProcess";
export { DfsTree } from "./inProcess";
export { MAX_LIST_RESULTS } from "./ops/pathList";
export { MAX_ACL_RECORDS } from "./ops/setAccessControlRecursive";

/** The public development account the Azure storage emulators use. */
export const DEV_ACCOUNT_NAME = "devstoreaccount1";
export const DEV_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTBtr/KBHBeksoGMGw==";

export interface DfsServerOptions extends DfsFaults {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default DEV_ACCOUNT_NAME. */
  accountName?: string;
  /** Base64; default DEV_ACCOUNT_KEY. */
  accountKey?: string;
  /** Count how often each path was processed by a recursive ACL batch (stats.processed). */
  trackProcessed?: boolean;
  /** Epoch ms for creation and Last-Modified times (default Date.now; tests pass the factory emulator's clock so windows select by it). */
  now?: () => number;
}

export interface DfsServer {
  /** Account URL, path style: http://127.0.0.1:<port>/devstoreaccount1 */
  url: string;
  accountName: string;
  accountKey: string;
  port: number;
  /** Mutable: change faults between test phases. */
  faults: DfsFaults;
  stats: DfsStats;
  resetStats(): void;
  /** Direct (no HTTP) access to the namespace: seeding, ACLs, listing, deleting. */
  tree: DfsTree;
  /** Same as tree.createFilesystem. */
  createFilesystem(name: string): void;
  /** tree.mkdir (isDir) or tree.writeFile. */
  createPath(fs: string, path: string, opts?: { isDir?: boolean; content?: Buffer } & Pick<DfsCreateOptions, "mode" | "umask">): void;
  /** The ACL string as getAccessControl reports it, or undefined when the path does not exist. */
  aclOf(fs: string, path: string): string | undefined;
  /** Number of paths below (not counting) the given directory. */
  countPaths(fs: string, path?: string): number;
  close(): Promise<void>;
}

export async function startDfsServer(options: DfsServerOptions = {}): Promise<DfsServer> {
  const { port: requestedPort = 0, trackProcessed = false, accountName = DEV_ACCOUNT_NAME, accountKey = DEV_ACCOUNT_KEY, now = Date.now, ...faults } = options;
  const state = new DfsState(accountName, accountKey, faults, trackProcessed, now);
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handleRequest(state, req, res).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.statusCode = 500;
        res.end(String(err));
      }
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(requestedPort, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  state.accountUrl = `http://127.0.0.1:${port}/${accountName}`;
  const tree = new DfsTree(state.filesystems, now);
  return {
    url: state.accountUrl,
    accountName,
    accountKey,
    port,
    get faults() {
      return state.faults;
    },
    set faults(f: DfsFaults) {
      state.faults = f;
    },
    stats: state.stats,
    resetStats: () => resetStats(state.stats),
    tree,
    createFilesystem: (name) => tree.createFilesystem(name),
    createPath(fs, path, opts = {}) {
      const create = { mode: opts.mode, umask: opts.umask };
      if (opts.isDir) tree.mkdir(fs, path, create);
      else tree.writeFile(fs, path, opts.content, create);
    },
    aclOf: (fs, path) => tree.getAccessControl(fs, path)?.acl,
    countPaths: (fs, path = "") => tree.count(fs, path),
    async close() {
      state.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
