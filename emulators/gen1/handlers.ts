import type { IncomingMessage, ServerResponse } from "http";
import { gen1Content } from "./content";
import { Gen1Node, Gen1Tree, absolute, join, upperBound } from "./tree";

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
}

/** One WebHDFS request: endpoint and bearer check, injected faults, then the op. */
export function handleWebHdfs(c: Gen1Context, req: IncomingMessage, res: ServerResponse): void {
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
  if (op === "CREATE") return create(c, p, req, res, url.searchParams);
  const node = c.tree.get(p);
  if (!node) return send(res, 404, remote("FileNotFoundException", `File/Folder does not exist: ${p}`));
  switch (op) {
    case "GETFILESTATUS":
      return send(res, 200, { FileStatus: fileStatus(node, "") });
    case "GETACLSTATUS":
      return send(res, 200, aclStatus(node));
    case "LISTSTATUS":
      return send(res, 200, listStatus(c, p, node, url.searchParams));
    case "OPEN":
      return open(p, node, res);
    default:
      return send(res, 400, remote("IllegalArgumentException", `Invalid value for webhdfs parameter "op": ${op}`));
  }
}

/** OPEN (GET): the file's bytes, the fixture's content or, without one, bytes generated from its metadata (content.ts). */
function open(p: string, node: Gen1Node, res: ServerResponse): void {
  if (node.type !== "FILE") return send(res, 400, remote("FileNotFoundException", `${p} is a directory`));
  const bytes = node.content ?? gen1Content(p.slice(1), node.length, node.modificationTime);
  res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": bytes.length });
  res.end(bytes);
}

/**
 * CREATE (PUT) in one request, as the Gen1 SDKs send it: `write=true`
 * suppresses WebHDFS's 307 redirect to a data node and the body is the
 * content (azure-data-lake-store-java, Core.create:
 * "qp.add("write", "true"); // This is to suppress the 307-redirect").
 * Without `overwrite=true` an existing file is a 403 FileAlreadyExistsException.
 */
function create(c: Gen1Context, p: string, req: IncomingMessage, res: ServerResponse, q: URLSearchParams): void {
  if (req.method !== "PUT") return send(res, 400, remote("IllegalArgumentException", "CREATE is a PUT"));
  if (q.get("write") !== "true") return send(res, 400, remote("IllegalArgumentException", "CREATE without write=true (the emulator does not redirect)"));
  const existing = c.tree.get(p);
  if (existing && (existing.type === "DIRECTORY" || q.get("overwrite") !== "true")) {
    return send(res, 403, remote("FileAlreadyExistsException", `${p} already exists`));
  }
  const chunks: Buffer[] = [];
  req.on("data", (d: Buffer) => chunks.push(d));
  req.on("end", () => {
    c.tree.put({ path: p, content: Buffer.concat(chunks), modified: Date.now() });
    res.writeHead(201, { "Content-Length": 0 });
    res.end();
  });
}

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

function fileStatus(node: Gen1Node, suffix: string): Record<string, unknown> {
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

export function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

export function remote(exception: string, message: string): unknown {
  return { RemoteException: { exception, message, javaClassName: `org.apache.hadoop.security.${exception}` } };
}
