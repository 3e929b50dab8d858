import { createServer, IncomingMessage, ServerResponse } from "http";
import { AddressInfo } from "net";

/**
 * Loopback stand-in for the ADLS Gen1 WebHDFS endpoint, limited to what the
 * source reader uses: LISTSTATUS (listSize/listAfter paging), GETFILESTATUS,
 * GETACLSTATUS, bearer-token check, and injected faults.
 *
 * Response shapes follow the Gen1 service (api-version 2018-09-01), as the
 * Azure Gen1 SDKs parse them: `{"FileStatuses":{"FileStatus":[...],
 * "continuationToken":"<last name or empty>"}}` and
 * `{"AclStatus":{"entries":[...],"owner","group","permission","stickyBit"}}`;
 * errors as `{"RemoteException":{"exception","message","javaClassName"}}`.
 */

export interface Gen1Seed {
  /** Absolute or relative; parents are created as directories. */
  path: string;
  type?: "file" | "directory";
  size?: number;
  /** Epoch ms. */
  modified?: number;
  owner?: string;
  group?: string;
  /** Octal, e.g. "750". */
  permission?: string;
  /** GETACLSTATUS entries, e.g. ["user::rwx", "user:<oid>:r-x", "group::r-x", "other::---"]. */
  acl?: string[];
}

export interface Gen1Fault {
  /** WebHDFS op name, or "*" for any. */
  op: string;
  /** Only this path (absolute, e.g. "/data"); any when absent. */
  path?: string;
  status: number;
  /** Leave the request unanswered instead (a stalled service); `status` is then ignored. */
  hang?: boolean;
  /** How many matching requests fail before the fault clears. */
  times: number;
}

export interface WebHdfsServerOptions {
  entries: Gen1Seed[];
  /** Required bearer token. */
  token?: string;
  /** Server-side cap on a LISTSTATUS page, applied below the client's listSize. */
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
  /** The server closes itself after this long (tests must not leave it running). */
  lifetimeMs?: number;
}

export interface WebHdfsServer {
  /** Stands in for https://<account>.azuredatalakestore.net */
  url: string;
  token: string;
  /** Requests served, by op (faulted ones included). */
  calls: Record<string, number>;
  close(): Promise<void>;
}

interface Node {
  type: "FILE" | "DIRECTORY";
  length: number;
  modificationTime: number;
  owner: string;
  group: string;
  permission: string;
  acl?: string[];
}

const ROOT = "/";

export async function startWebHdfsServer(opts: WebHdfsServerOptions): Promise<WebHdfsServer> {
  const token = opts.token ?? "gen1-test-token";
  const maxListSize = opts.maxListSize ?? 4000;
  const faults = (opts.faults ?? []).map((f) => ({ ...f }));
  const nodes = new Map<string, Node>();
  const children = new Map<string, string[]>();
  const dir = (): Node => ({ type: "DIRECTORY", length: 0, modificationTime: 1_700_000_000_000, owner: "owner-oid", group: "group-oid", permission: "770" });
  nodes.set(ROOT, dir());
  children.set(ROOT, []);

  const ensureDir = (p: string): void => {
    if (nodes.has(p)) return;
    const parent = parentOf(p);
    ensureDir(parent);
    nodes.set(p, dir());
    children.set(p, []);
    children.get(parent)!.push(nameOf(p));
  };
  for (const seed of opts.entries) {
    const p = absolute(seed.path);
    const isDir = seed.type === "directory";
    if (isDir) ensureDir(p);
    else {
      ensureDir(parentOf(p));
      if (!nodes.has(p)) children.get(parentOf(p))!.push(nameOf(p));
    }
    nodes.set(p, {
      type: isDir ? "DIRECTORY" : "FILE",
      length: isDir ? 0 : (seed.size ?? 0),
      modificationTime: seed.modified ?? 1_700_000_000_000,
      owner: seed.owner ?? "owner-oid",
      group: seed.group ?? "group-oid",
      permission: seed.permission ?? (isDir ? "770" : "640"),
      ...(seed.acl ? { acl: seed.acl } : {}),
    });
  }
  const compare = opts.compareNames ?? ((a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0));
  for (const list of children.values()) list.sort(compare);

  const calls: Record<string, number> = {};
  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      send(res, 500, remote("RuntimeException", (err as Error).message));
    }
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://localhost");
    const op = (url.searchParams.get("op") ?? "").toUpperCase();
    calls[op] = (calls[op] ?? 0) + 1;
    if (!url.pathname.startsWith("/webhdfs/v1")) return send(res, 404, remote("FileNotFoundException", `no such endpoint ${url.pathname}`));
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.setHeader("WWW-Authenticate", 'Bearer authorization_uri="https://login.windows.net/", error="invalid_token"');
      return send(res, 401, remote("SecurityException", "Invalid or missing bearer token"));
    }
    const p = absolute(decodeURIComponent(url.pathname.slice("/webhdfs/v1".length)));
    const fault = faults.find((f) => f.times > 0 && (f.op === "*" || f.op === op) && (f.path === undefined || f.path === p));
    if (fault) {
      fault.times--;
      if (fault.hang) return;
      return send(res, fault.status, remote("ADLException", `injected fault ${fault.status} for ${op} ${p}`));
    }
    const node = nodes.get(p);
    if (!node) return send(res, 404, remote("FileNotFoundException", `File/Folder does not exist: ${p}`));
    switch (op) {
      case "GETFILESTATUS":
        return send(res, 200, { FileStatus: status(node, "") });
      case "GETACLSTATUS":
        return send(res, 200, {
          AclStatus: {
            entries: node.acl ?? [],
            owner: node.owner,
            group: node.group,
            permission: node.permission,
            stickyBit: false,
          },
        });
      case "LISTSTATUS":
        return send(res, 200, listStatus(p, node, url.searchParams));
      default:
        return send(res, 400, remote("IllegalArgumentException", `Invalid value for webhdfs parameter "op": ${op}`));
    }
  }

  function listStatus(p: string, node: Node, q: URLSearchParams): unknown {
    if (node.type === "FILE") return { FileStatuses: { FileStatus: [status(node, "")] } };
    const requested = Number(q.get("listSize") ?? maxListSize);
    const size = Math.max(1, Math.min(Number.isFinite(requested) && requested > 0 ? requested : maxListSize, maxListSize));
    const names = children.get(p)!;
    const after = q.get("listAfter");
    const start = after ? upperBound(names, after, compare) : 0;
    const page = names.slice(start, start + size);
    const more = start + size < names.length;
    const FileStatus = page.map((n) => status(nodes.get(join(p, n))!, n));
    const token = opts.cycleTokens && start >= 2 * size ? names[size - 1] : page[page.length - 1];
    return opts.legacyPaging
      ? { FileStatuses: { FileStatus } }
      : { FileStatuses: { FileStatus, continuationToken: more ? token : "" } };
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const lifetime = setTimeout(() => server.close(), opts.lifetimeMs ?? 120_000);
  lifetime.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(lifetime);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function status(node: Node, suffix: string): Record<string, unknown> {
  return {
    length: node.length,
    pathSuffix: suffix,
    type: node.type,
    blockSize: node.type === "FILE" ? 268435456 : 0,
    accessTime: node.modificationTime,
    modificationTime: node.modificationTime,
    replication: node.type === "FILE" ? 1 : 0,
    permission: node.permission,
    owner: node.owner,
    group: node.group,
    aclBit: (node.acl ?? []).length > 0,
  };
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function remote(exception: string, message: string): unknown {
  return { RemoteException: { exception, message, javaClassName: `org.apache.hadoop.security.${exception}` } };
}

function absolute(p: string): string {
  const parts = p.split("/").filter((s) => s.length > 0);
  return `/${parts.join("/")}`;
}
function parentOf(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? ROOT : p.slice(0, i);
}
function nameOf(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}
function join(dir: string, name: string): string {
  return dir === ROOT ? `/${name}` : `${dir}/${name}`;
}
/** Index of the first name strictly greater than `after` in a sorted list. */
function upperBound(names: string[], after: string, compare: (a: string, b: string) => number): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(names[mid], after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
