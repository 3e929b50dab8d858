import { createServer } from "http";
import { AddressInfo } from "net";
import { Gen1Fault, handleWebHdfs, remote, send } from "./handlers";
import { Gen1Seed, Gen1Tree } from "./tree";

/**
 * Loopback stand-in for the ADLS Gen1 WebHDFS endpoint: LISTSTATUS
 * (listSize/listAfter paging), GETFILESTATUS, GETACLSTATUS, OPEN, and the
 * writes Data Factory and tests make (CREATE, MKDIRS, RENAME, DELETE,
 * SETPERMISSION, SETOWNER, SETACL, MODIFYACLENTRIES; writeOps.ts), with a
 * bearer-token check and injected faults.
 *
 * Response shapes follow the Gen1 service (api-version 2018-09-01), as the
 * Azure Gen1 SDKs parse them: `{"FileStatuses":{"FileStatus":[...],
 * "continuationToken":"<last name or empty>"}}` and
 * `{"AclStatus":{"entries":[...],"owner","group","permission","stickyBit"}}`;
 * errors as `{"RemoteException":{"exception","message","javaClassName"}}`.
 *
 * Layout: handlers.ts (request → op, read ops), writeOps.ts (OPEN and
 * writes), acl.ts (ACL and permission changes), tree.ts (the namespace, also
 * the in-process API `server.tree`).
 */

export type { Gen1Fault } from "./handlers";
export type { Gen1Node, Gen1Seed } from "./tree";
export { Gen1Tree } from "./tree";

export interface WebHdfsServerOptions {
  entries: Gen1Seed[];
  /** Required bearer token. */
  token?: string;
  /** Server-side cap on a LISTSTATUS page, applied below the client's listSize (default 4000). */
  maxListSize?: number;
  /** Omit continuationToken, as responses before api-version 2018-09-01 did; clients page by the last pathSuffix. */
  legacyPaging?: boolean;
  /** Order of names in a listing (default: JS string order); Gen1's own order need not match JS's. */
  compareNames?: (a: string, b: string) => number;
  faults?: Gen1Fault[];
  /**
   * Fault: from a folder's third page on, LISTSTATUS answers with the token
   * of the folder's first page again (A→B→A), a paging cycle.
   */
  cycleTokens?: boolean;
  /** Epoch ms that writes stamp as modification time (default Date.now; tests pass the factory emulator's clock). */
  now?: () => number;
  /** Object id of the one caller: owner of what CREATE and MKDIRS make (default "gen1-caller-oid"). */
  callerId?: string;
  /** The server closes itself after this long (default 120 s; tests must not leave it running). */
  lifetimeMs?: number;
  /** Service time of every request in ms (default 0): lets a test see how many requests a client keeps in flight. */
  latencyMs?: number;
}

export interface WebHdfsServer {
  /** Stands in for https://<account>.azuredatalakestore.net */
  url: string;
  token: string;
  /** Requests served, by op (faulted ones included). */
  calls: Record<string, number>;
  /** Live list of injected faults: push to add one while the server runs. */
  faults: Gen1Fault[];
  /** Most requests in flight at once so far. */
  readonly peakInFlight: number;
  /**
   * Direct (no HTTP) access to the namespace: `put` a file or directory
   * (content, owner, group, permission, ACL entries) as a seed, `update`,
   * `get`, `read`, `childNames`, and the writes with WebHDFS semantics
   * (modification times on the clock): `createFile`, `mkdirs`, `rename`,
   * `delete`. Changes show in the next request.
   */
  tree: Gen1Tree;
  close(): Promise<void>;
}

export async function startWebHdfsServer(opts: WebHdfsServerOptions): Promise<WebHdfsServer> {
  const tree = new Gen1Tree(opts.compareNames, opts.now);
  for (const seed of opts.entries) tree.put(seed);
  const context = {
    tree,
    token: opts.token ?? "gen1-test-token",
    maxListSize: opts.maxListSize ?? 4000,
    legacyPaging: opts.legacyPaging ?? false,
    cycleTokens: opts.cycleTokens ?? false,
    faults: (opts.faults ?? []).map((f) => ({ ...f })),
    calls: {} as Record<string, number>,
    callerId: opts.callerId ?? "gen1-caller-oid",
  };
  const load = { inFlight: 0, peak: 0 };
  const server = createServer((req, res) => {
    load.peak = Math.max(load.peak, ++load.inFlight);
    res.on("close", () => (load.inFlight -= 1));
    const delay = new Promise<void>((resolve) => setTimeout(resolve, opts.latencyMs ?? 0));
    void delay.then(() => handleWebHdfs(context, req, res).catch((err: Error) => send(res, 500, remote("RuntimeException", err.message))));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const lifetime = setTimeout(() => server.close(), opts.lifetimeMs ?? 120_000);
  lifetime.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token: context.token,
    calls: context.calls,
    faults: context.faults,
    tree,
    get peakInFlight() {
      return load.peak;
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(lifetime);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
