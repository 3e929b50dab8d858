import type { IncomingMessage, ServerResponse } from "http";
import { Gen1Node, Gen1Tree, absolute, join, upperBound } from "./tree";
import { remote, send } from "./reply";
import { WRITE_OPS, open } from "./writeOps";

export { remote, send } from "./reply";

/** A fault a test injects into the WebHDFS emulator. */
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

export interface Gen1Context {
  tree: Gen1Tree;
  token: string;
  maxListSize: number;
  legacyPaging: boolean;
  /** Fault: from a folder's third page on, LISTSTATUS answers with the token of its first page again (A→B→A), a paging cycle. */
  cycleTokens: boolean;
  faults: Gen1Fault[];
  calls: Record<string, number>;
  /** Owner of what CREATE and MKDIRS make: the caller's object id (one caller per emulator). */
  callerId: string;
}

/** One WebHDFS request: endpoint and bearer check, injected faults, then the op. */
export async function handleWebHdfs(c: Gen1Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const op = (url.searchParams.get("op") ?? "").toUpperCase();
  c.calls[op] = (c.calls[op] ?? 0) + 1;
  if (!url.pathname.startsWith("/webhdfs/v1")) return send(res, 404, remote("FileNotFoundException", `no such endpoint ${url.pathname}`));
  if (req.headers.authorization !== `Bearer ${c.token}`) {
    res.setHeader("WWW-Authenticate", 'Bearer authorization_uri="https://login.windows.net/", error="invalid_token"');
    return send(res, 401, remote("SecurityException", "Invalid or missing bearer token"));
  }
  const p = absolute(decodeURIComponent(url.pathname.slice("/webhdfs/v1".length)));
  const fault = c.faults.find((f) => f.times > 0 && (f.op === "*" || f.op === op) && (f.path === undefined || f.path === p));
  if (fault) {
    fault.times--;
    if (fault.hang) return;
    return send(res, fault.status, remote("ADLException", `injected fault ${fault.status} for ${op} ${p}`));
  }
  const handler = OPS[op];
  if (!handler || handler.method !== req.method) return send(res, 400, remote("IllegalArgumentException", `Invalid value for webhdfs parameter "op": ${op} with HTTP ${req.method}`));
  if (handler.needsPath && !c.tree.get(p)) return send(res, 404, remote("FileNotFoundException", `File/Folder does not exist: ${p}`));
  try {
    await handler.run({ c, req, res, url, p, q: url.searchParams });
  } catch (err) {
    // Malformed parameters: WebHDFS answers IllegalArgumentException with 400 (Hadoop WebHDFS REST API, "Error Responses").
    send(res, 400, remote("IllegalArgumentException", (err as Error).message));
  }
}

export interface OpCall {
  c: Gen1Context;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  p: string;
  q: URLSearchParams;
}

export interface Op {
  method: "GET" | "PUT" | "DELETE";
  /** The path must exist (404 otherwise). */
  needsPath: boolean;
  run(call: OpCall): void | Promise<void>;
}

/**
 * The ops, with the HTTP method WebHDFS assigns each (Hadoop WebHDFS REST
 * API, "Operations"). Reads: GETFILESTATUS, LISTSTATUS, GETACLSTATUS, OPEN.
 * Writes (writeOps.ts): CREATE, MKDIRS, RENAME, DELETE, SETPERMISSION,
 * SETOWNER, SETACL, MODIFYACLENTRIES.
 */
const OPS: Record<string, Op> = {
  GETFILESTATUS: { method: "GET", needsPath: true, run: ({ c, res, p }) => send(res, 200, { FileStatus: fileStatus(c.tree.get(p)!, "") }) },
  GETACLSTATUS: { method: "GET", needsPath: true, run: ({ c, res, p }) => send(res, 200, aclStatus(c.tree.get(p)!)) },
  LISTSTATUS: { method: "GET", needsPath: true, run: ({ c, res, p, q }) => send(res, 200, listStatus(c, p, c.tree.get(p)!, q)) },
  OPEN: { method: "GET", needsPath: true, run: open },
  ...WRITE_OPS,
};

function aclStatus(node: Gen1Node): unknown {
  return { AclStatus: { entries: node.acl ?? [], owner: node.owner, group: node.group, permission: node.permission, stickyBit: false } };
}

/** LISTSTATUS: pages of min(listSize, maxListSize) names after listAfter; continuationToken is the last name or "". */
function listStatus(c: Gen1Context, p: string, node: Gen1Node, q: URLSearchParams): unknown {
  if (node.type === "FILE") return { FileStatuses: { FileStatus: [fileStatus(node, "")] } };
  const requested = Number(q.get("listSize") ?? c.maxListSize);
  const size = Math.max(1, Math.min(Number.isFinite(requested) && requested > 0 ? requested : c.maxListSize, c.maxListSize));
  const names = c.tree.childNames(p);
  const after = q.get("listAfter");
  const start = after ? upperBound(names, after, c.tree.compare) : 0;
  const page = names.slice(start, start + size);
  const more = start + size < names.length;
  const FileStatus = page.map((n) => fileStatus(c.tree.get(join(p, n))!, n));
  const token = c.cycleTokens && start >= 2 * size ? names[size - 1] : page[page.length - 1];
  return c.legacyPaging ? { FileStatuses: { FileStatus } } : { FileStatuses: { FileStatus, continuationToken: more ? token : "" } };
}

export function fileStatus(node: Gen1Node, suffix: string): Record<string, unknown> {
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
