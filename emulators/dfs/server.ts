import { randomUUID } from "crypto";
import { IncomingMessage, Server, ServerResponse, createServer } from "http";
import type { AddressInfo, Socket } from "net";
import {
  AclEntry,
  AclSyntaxError,
  PathAcl,
  applyAcl,
  formatAcl,
  formatMode,
  parseAclList,
  parseMode,
} from "./posixAcl";
import { Filesystem, PathNode, WalkItem, descendants, splitPath } from "./tree";
import { verifySharedKey } from "./sharedKey";

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
 * continuation, SharedKey auth (bad signature → 403). Faults can be injected
 * and changed while the server runs (`server.faults`).
 */

/** The public development account the Azure storage emulators use. */
export const DEV_ACCOUNT_NAME = "devstoreaccount1";
export const DEV_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTBtr/KBHBeksoGMGw==";

export const MAX_LIST_RESULTS = 5000;
export const MAX_ACL_RECORDS = 2000;

export interface DfsFaults {
  /** Every request takes at least this long to answer, counted from its arrival (models network + service time). */
  latencyMs?: number;
  /** Extra service time per path an ACL write changes (recursive batches: per path processed). */
  perPathLatencyMs?: number;
  /** Every n-th request (counting all requests) fails with this status before doing anything. */
  failEvery?: { n: number; status: 429 | 500 | 503 };
  /**
   * The first `count` requests of one operation (as named in stats.byOperation,
   * e.g. "GET listPaths"), counted since the last resetStats, fail with this status.
   */
  failFirst?: { operation: string; count: number; status: 408 | 429 | 500 | 502 | 503 | 504; retryAfterSeconds?: number };
  /** Every n-th request has its connection destroyed before doing anything. */
  resetEvery?: number;
  /**
   * After this many successful recursive ACL batches, further recursive ACL
   * requests hang until the server closes ("hang", a stuck service or a
   * process killed mid-request), get their connection reset, or fail with 500.
   */
  failAfterBatches?: { batches: number; action: "hang" | "reset" | "error" };
  /** "<filesystem>/<path>" entries whose ACL writes fail with 403 (recursive: reported in failedEntries). */
  failPaths?: string[];
  /** listPaths answers a request that carries a continuation with that same continuation again (a service stuck on one page). */
  repeatContinuation?: boolean;
}

export interface DfsServerOptions extends DfsFaults {
  /** 0 (default) picks a free port. */
  port?: number;
  accountName?: string;
  accountKey?: string;
  /** Count how often each path was processed by a recursive ACL batch (stats.processed). */
  trackProcessed?: boolean;
}

export interface DfsStats {
  /** Every HTTP request received, including rejected ones. */
  requests: number;
  /** Requests that change state (PUT, PATCH, DELETE, POST), counted whether or not they succeed. */
  writes: number;
  /** Completed recursive ACL batches. */
  recursiveBatches: number;
  /** Request count per operation, e.g. "PATCH setAccessControlRecursive", "GET listPaths". */
  byOperation: Record<string, number>;
  /** "<fs>/<path>" → times a recursive ACL batch processed it (only with trackProcessed). */
  processed: Map<string, number>;
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
  /** Direct (no HTTP) seeding and inspection, for fixtures too large to create over HTTP. */
  createFilesystem(name: string): void;
  createPath(fs: string, path: string, opts?: { isDir?: boolean; content?: Buffer; mode?: number; umask?: number }): void;
  /** The ACL string as getAccessControl reports it, or undefined when the path does not exist. */
  aclOf(fs: string, path: string): string | undefined;
  /** Number of paths below (not counting) the given directory. */
  countPaths(fs: string, path?: string): number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  /** Decoded segments after the account. */
  segments: string[];
  body: Buffer;
  /** Paths changed by this request, for perPathLatencyMs. */
  changed: number;
  /** Whether errors are rendered as blob XML (blob endpoint calls) or dfs JSON. */
  blobStyle: boolean;
}

const DEFAULT_UMASK = 0o027;

export async function startDfsServer(options: DfsServerOptions = {}): Promise<DfsServer> {
  const accountName = options.accountName ?? DEV_ACCOUNT_NAME;
  const accountKey = options.accountKey ?? DEV_ACCOUNT_KEY;
  const { port: requestedPort = 0, trackProcessed = false, ...faults } = options;
  const filesystems = new Map<string, Filesystem>();
  const stats: DfsStats = { requests: 0, writes: 0, recursiveBatches: 0, byOperation: {}, processed: new Map() };
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const hung = new Set<ServerResponse>();
  let closed = false;
  const state = { faults };
  let accountUrl = "";

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || closed) return resolve();
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const body = await readBody(req);
    stats.requests += 1;
    const method = req.method ?? "GET";
    if (!["GET", "HEAD"].includes(method)) stats.writes += 1;
    const n = stats.requests;
    const f = state.faults;

    const rawUrl = req.url ?? "/";
    const qIndex = rawUrl.indexOf("?");
    const rawPath = qIndex === -1 ? rawUrl : rawUrl.slice(0, qIndex);
    const query = new URLSearchParams(qIndex === -1 ? "" : rawUrl.slice(qIndex + 1));
    const segs = rawPath.split("/").slice(1).map((s) => decodeURIComponent(s));
    const ctx: Ctx = {
      req,
      res,
      query,
      segments: segs.slice(1),
      body,
      changed: 0,
      blobStyle: query.has("restype") || query.has("comp") || ((method === "GET" || method === "HEAD") && !query.has("action") && !query.has("resource")),
    };
    const op = operationName(method, query, ctx.segments);
    stats.byOperation[op] = (stats.byOperation[op] ?? 0) + 1;

    if (f.resetEvery && n % f.resetEvery === 0) {
      req.socket.destroy();
      return;
    }
    try {
      if (segs[0] !== accountName) throw new HttpError(400, "InvalidUri", `account "${segs[0]}" is not served here`);
      if (!verifySharedKey({ accountName, accountKey, method, rawUrl, headers: req.headers })) {
        throw new HttpError(403, "AuthenticationFailed", "Server failed to authenticate the request. Make sure the value of the Authorization header is formed correctly including the signature.");
      }
      if (f.failEvery && n % f.failEvery.n === 0) {
        const s = f.failEvery.status;
        throw new HttpError(s, s === 429 ? "TooManyRequests" : s === 503 ? "ServerBusy" : "InternalError", "injected failure");
      }
      if (f.failFirst && f.failFirst.operation === op && stats.byOperation[op] <= f.failFirst.count) {
        if (f.failFirst.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(f.failFirst.retryAfterSeconds));
        throw new HttpError(f.failFirst.status, f.failFirst.status === 429 ? "TooManyRequests" : "ServerBusy", "injected failure");
      }
      const status = await route(ctx, method);
      // The modelled service time includes this server's own work, so that
      // the test server's CPU (not the remote service's) does not add to it.
      const modelled = (f.latencyMs ?? 0) + (f.perPathLatencyMs ?? 0) * ctx.changed;
      await sleep(Math.max(0, modelled - (performance.now() - arrived)));
      if (res.destroyed || hung.has(res)) return;
      res.statusCode = status;
      commonHeaders(req, res);
      if (method === "HEAD") res.end();
      else res.end(bodies.get(res));
    } catch (err) {
      if (err === HANG) return;
      await sleep(f.latencyMs ?? 0);
      if (res.destroyed) return;
      const e = err instanceof HttpError ? err : new HttpError(500, "InternalError", String(err));
      res.statusCode = e.status;
      commonHeaders(req, res);
      res.setHeader("x-ms-error-code", e.code);
      if (method === "HEAD") return void res.end();
      if (ctx.blobStyle) {
        sendBody(res, "application/xml", `<?xml version="1.0" encoding="utf-8"?><Error><Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message></Error>`);
      } else {
        sendBody(res, "application/json;charset=utf-8", JSON.stringify({ error: { code: e.code, message: e.message } }));
      }
      res.end(bodies.get(res));
    }
  }

  const HANG = Symbol("hang");

  function commonHeaders(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader("x-ms-request-id", randomUUID());
    res.setHeader("x-ms-version", String(req.headers["x-ms-version"] ?? "2025-01-05"));
    const crid = req.headers["x-ms-client-request-id"];
    if (typeof crid === "string") res.setHeader("x-ms-client-request-id", crid);
    res.setHeader("Date", new Date().toUTCString());
    if (res.getHeader("content-length") === undefined) res.setHeader("Content-Length", "0");
  }

  function fsOrThrow(name: string | undefined, blobStyle: boolean): Filesystem {
    const fs = name ? filesystems.get(name) : undefined;
    if (!fs) {
      throw blobStyle
        ? new HttpError(404, "ContainerNotFound", "The specified container does not exist.")
        : new HttpError(404, "FilesystemNotFound", "The specified filesystem does not exist.");
    }
    return fs;
  }

  async function route(ctx: Ctx, method: string): Promise<number> {
    const { query, segments } = ctx;
    const fsName = segments[0] ?? "";
    const path = segments.slice(1).join("/");
    // Account level.
    if (fsName === "") {
      if (method === "GET" && query.get("comp") === "list") return listContainers(ctx);
      if (method === "GET" && query.get("resource") === "account") return listFilesystemsDfs(ctx);
      throw new HttpError(400, "UnsupportedOperation", `${method} on the account is not supported by the test server`);
    }
    const containerOp = query.get("restype") === "container" || query.get("resource") === "filesystem";
    if (containerOp && segments.length <= 2 && path === "") return filesystemOp(ctx, method, fsName);

    const fs = fsOrThrow(fsName, ctx.blobStyle);
    const action = query.get("action");
    if (method === "PUT") return createPath(ctx, fs, path);
    if (method === "PATCH" && action === "setAccessControl") return setAccessControl(ctx, fs, path);
    if (method === "PATCH" && action === "setAccessControlRecursive") return setAccessControlRecursive(ctx, fs, path);
    if (method === "PATCH" && action === "append") return append(ctx, fs, path);
    if (method === "PATCH" && action === "flush") return flush(ctx, fs, path);
    if (method === "HEAD" && action === "getAccessControl") return getAccessControl(ctx, fs, path);
    if (method === "HEAD" && (action === null || action === "getStatus")) return pathProperties(ctx, fs, path);
    if (method === "GET" && action === null) return download(ctx, fs, path);
    if (method === "DELETE") return deletePath(ctx, fs, path);
    throw new HttpError(400, "UnsupportedOperation", `${method} action=${action ?? "(none)"} is not supported by the test server`);
  }

  function filesystemOp(ctx: Ctx, method: string, name: string): number {
    const { res } = ctx;
    if (method === "PUT") {
      if (filesystems.has(name)) {
        throw ctx.blobStyle
          ? new HttpError(409, "ContainerAlreadyExists", "The specified container already exists.")
          : new HttpError(409, "FilesystemAlreadyExists", "The specified filesystem already exists.");
      }
      const fs = new Filesystem(name);
      fs.metadata = metadataFrom(ctx.req);
      filesystems.set(name, fs);
      res.setHeader("ETag", fs.etag);
      res.setHeader("Last-Modified", new Date(fs.created).toUTCString());
      return 201;
    }
    if (method === "GET" && ctx.query.get("resource") === "filesystem") return listPaths(ctx, fsOrThrow(name, false));
    if (method === "GET" || method === "HEAD") {
      const fs = fsOrThrow(name, ctx.blobStyle);
      res.setHeader("ETag", fs.etag);
      res.setHeader("Last-Modified", new Date(fs.created).toUTCString());
      res.setHeader("x-ms-lease-status", "unlocked");
      res.setHeader("x-ms-lease-state", "available");
      res.setHeader("x-ms-has-immutability-policy", "false");
      res.setHeader("x-ms-has-legal-hold", "false");
      res.setHeader("x-ms-namespace-enabled", "true");
      for (const [k, v] of Object.entries(fs.metadata)) res.setHeader(`x-ms-meta-${k}`, v);
      return 200;
    }
    if (method === "DELETE") {
      fsOrThrow(name, ctx.blobStyle);
      filesystems.delete(name);
      return 202;
    }
    throw new HttpError(400, "UnsupportedOperation", `${method} on a filesystem is not supported by the test server`);
  }

  function listContainers(ctx: Ctx): number {
    const prefix = ctx.query.get("prefix") ?? "";
    const marker = ctx.query.get("marker") ?? "";
    const max = Math.min(Number(ctx.query.get("maxresults") ?? 5000) || 5000, 5000);
    const names = [...filesystems.keys()].filter((n) => n.startsWith(prefix) && n >= marker).sort();
    const page = names.slice(0, max);
    const next = names[max] ?? "";
    const items = page
      .map((n) => {
        const fs = filesystems.get(n)!;
        return `<Container><Name>${escapeXml(n)}</Name><Properties><Last-Modified>${new Date(fs.created).toUTCString()}</Last-Modified><Etag>${fs.etag}</Etag><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState><HasImmutabilityPolicy>false</HasImmutabilityPolicy><HasLegalHold>false</HasLegalHold></Properties></Container>`;
      })
      .join("");
    sendBody(
      ctx.res,
      "application/xml",
      `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="${accountUrl}/"><Prefix>${escapeXml(prefix)}</Prefix><MaxResults>${max}</MaxResults><Containers>${items}</Containers><NextMarker>${escapeXml(next)}</NextMarker></EnumerationResults>`,
    );
    return 200;
  }

  function listFilesystemsDfs(ctx: Ctx): number {
    const list = [...filesystems.values()]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((fs) => ({ name: fs.name, lastModified: new Date(fs.created).toUTCString(), etag: fs.etag }));
    sendBody(ctx.res, "application/json;charset=utf-8", JSON.stringify({ filesystems: list }));
    return 200;
  }

  function listPaths(ctx: Ctx, fs: Filesystem): number {
    const { query } = ctx;
    const directory = splitPath(query.get("directory") ?? "").join("/");
    const recursive = query.get("recursive") === "true";
    const maxResults = Math.min(Number(query.get("maxResults") ?? MAX_LIST_RESULTS) || MAX_LIST_RESULTS, MAX_LIST_RESULTS);
    const dir = fs.get(directory);
    if (!dir) throw new HttpError(404, "PathNotFound", "The specified path does not exist.");
    if (!dir.isDir) throw new HttpError(400, "InvalidDirectory", "The directory parameter names a file.");
    let from: string[] | undefined;
    const token = query.get("continuation");
    if (token) {
      const t = decodeToken(token);
      if (t.kind !== "list" || t.base !== directory || t.recursive !== recursive) {
        throw new HttpError(400, "InvalidQueryParameterValue", "The continuation token does not belong to this listing.");
      }
      from = t.next;
    }
    const iter: Iterator<WalkItem> = recursive ? descendants(dir, directory, from) : children(dir, directory, from);
    const paths: Record<string, string>[] = [];
    let item = iter.next();
    while (!item.done && paths.length < maxResults) {
      paths.push(listEntry(item.value));
      item = iter.next();
    }
    if (!item.done) {
      const rel = splitPath(item.value.path).slice(splitPath(directory).length);
      const next = token && state.faults.repeatContinuation ? token : encodeToken({ kind: "list", base: directory, recursive, next: rel });
      ctx.res.setHeader("x-ms-continuation", next);
    }
    sendBody(ctx.res, "application/json;charset=utf-8", JSON.stringify({ paths }));
    return 200;
  }

  function* children(dir: PathNode, prefix: string, from?: string[]): Generator<WalkItem> {
    const names = dir.names();
    const start = from && from.length > 0 ? from[0] : "";
    for (const name of names) {
      if (name < start) continue;
      yield { path: prefix === "" ? name : `${prefix}/${name}`, node: dir.children!.get(name)! };
    }
  }

  function listEntry({ path, node }: WalkItem): Record<string, string> {
    const e: Record<string, string> = {
      name: path,
      lastModified: new Date(node.lastModified).toUTCString(),
      etag: node.etag.replace(/"/g, ""),
      contentLength: String(node.content.length),
      owner: node.owner,
      group: node.group,
      permissions: formatMode(node.acl),
      creationTime: String(node.created * 10000 + 116444736000000000),
      expiryTime: "0",
    };
    if (node.isDir) e.isDirectory = "true";
    return e;
  }

  function createPath(ctx: Ctx, fs: Filesystem, path: string): number {
    const { req, res, query } = ctx;
    const resource = query.get("resource");
    if (resource !== "file" && resource !== "directory") {
      throw new HttpError(400, "InvalidQueryParameterValue", "resource must be file or directory (other PUTs are not supported by the test server)");
    }
    if (req.headers["x-ms-rename-source"]) throw new HttpError(400, "UnsupportedOperation", "rename is not supported by the test server");
    if (path === "") throw new HttpError(409, "PathAlreadyExists", "The root directory always exists.");
    const existing = fs.get(path);
    if (existing && req.headers["if-none-match"] === "*") throw new HttpError(409, "PathAlreadyExists", "The specified path already exists.");
    const isDir = resource === "directory";
    let mode = isDir ? 0o777 : 0o666;
    let umask = DEFAULT_UMASK;
    try {
      if (typeof req.headers["x-ms-permissions"] === "string") mode = parseMode(req.headers["x-ms-permissions"]);
      if (typeof req.headers["x-ms-umask"] === "string") umask = parseMode(req.headers["x-ms-umask"]);
    } catch (err) {
      throw new HttpError(400, "InvalidPermission", (err as Error).message);
    }
    const node = fs.create(path, isDir, mode, umask);
    if (node === "conflict") throw new HttpError(409, "PathConflict", "A parent of the path is a file, or the path exists with the other resource type.");
    if (typeof req.headers["x-ms-owner"] === "string") node.owner = req.headers["x-ms-owner"];
    if (typeof req.headers["x-ms-group"] === "string") node.group = req.headers["x-ms-group"];
    if (typeof req.headers["x-ms-acl"] === "string") {
      const result = applyAcl(node.acl, parseAclOrThrow(req.headers["x-ms-acl"], true), "set", isDir);
      if (result.error) throw new HttpError(400, "InvalidAccessControlList", result.error);
      node.acl = result.acl;
    }
    node.metadata = metadataFrom(req);
    res.setHeader("ETag", node.etag);
    res.setHeader("Last-Modified", new Date(node.lastModified).toUTCString());
    res.setHeader("x-ms-request-server-encrypted", "true");
    return 201;
  }

  function pathOrThrow(fs: Filesystem, path: string): PathNode {
    const node = fs.get(path);
    if (!node) throw new HttpError(404, path === "" ? "FilesystemNotFound" : "PathNotFound", "The specified path does not exist.");
    return node;
  }

  function failing(fs: Filesystem, path: string): boolean {
    return state.faults.failPaths?.includes(`${fs.name}/${path}`) ?? false;
  }

  function setAccessControl(ctx: Ctx, fs: Filesystem, path: string): number {
    const { req, res } = ctx;
    const node = pathOrThrow(fs, path);
    if (failing(fs, path)) throw new HttpError(403, "AuthorizationPermissionMismatch", "This request is not authorized to perform this operation using this permission.");
    const aclHeader = req.headers["x-ms-acl"];
    const permHeader = req.headers["x-ms-permissions"];
    if (typeof aclHeader === "string" && typeof permHeader === "string") {
      throw new HttpError(400, "InvalidInput", "x-ms-acl and x-ms-permissions are mutually exclusive.");
    }
    if (typeof aclHeader === "string") {
      const entries = parseAclOrThrow(aclHeader, true);
      if (!node.isDir && entries.some((e) => e.scope === "default")) {
        throw new HttpError(400, "DefaultAclOnFileNotAllowed", "A default ACL cannot be set on a file.");
      }
      const result = applyAcl(node.acl, entries, "set", node.isDir);
      if (result.error) throw new HttpError(400, "InvalidAccessControlList", result.error);
      node.acl = result.acl;
    } else if (typeof permHeader === "string") {
      let mode: number;
      try {
        mode = parseMode(permHeader);
      } catch (err) {
        throw new HttpError(400, "InvalidPermission", (err as Error).message);
      }
      const a = node.acl.access;
      const group = (mode >> 3) & 7;
      const access = a.mask !== undefined ? { ...a, user: (mode >> 6) & 7, mask: group, other: mode & 7 } : { ...a, user: (mode >> 6) & 7, group, other: mode & 7 };
      node.acl = node.acl.default ? { access, default: node.acl.default } : { access };
    }
    if (typeof req.headers["x-ms-owner"] === "string") node.owner = req.headers["x-ms-owner"];
    if (typeof req.headers["x-ms-group"] === "string") node.group = req.headers["x-ms-group"];
    node.touch();
    ctx.changed = 1;
    res.setHeader("ETag", node.etag);
    res.setHeader("Last-Modified", new Date(node.lastModified).toUTCString());
    res.setHeader("x-ms-namespace-enabled", "true");
    return 200;
  }

  async function setAccessControlRecursive(ctx: Ctx, fs: Filesystem, path: string): Promise<number> {
    const { req, res, query } = ctx;
    const fail = state.faults.failAfterBatches;
    if (fail && stats.recursiveBatches >= fail.batches) {
      if (fail.action === "hang") {
        hung.add(res);
        throw HANG;
      }
      if (fail.action === "reset") {
        req.socket.destroy();
        throw HANG;
      }
      throw new HttpError(500, "InternalError", "injected failure after batches");
    }
    const mode = query.get("mode");
    if (mode !== "set" && mode !== "modify" && mode !== "remove") {
      throw new HttpError(400, "InvalidQueryParameterValue", "mode must be set, modify or remove");
    }
    const aclHeader = req.headers["x-ms-acl"];
    if (typeof aclHeader !== "string") throw new HttpError(400, "MissingRequiredHeader", "x-ms-acl is required");
    const entries = parseAclOrThrow(aclHeader, mode !== "remove");
    if (mode === "set") {
      const probe = applyAcl({ access: { user: 7, group: 5, other: 0, named: new Map() } }, entries, "set", true);
      if (probe.error) throw new HttpError(400, "InvalidAccessControlList", probe.error);
    }
    const maxParam = query.get("maxRecords");
    const maxRecords = maxParam === null ? MAX_ACL_RECORDS : Number(maxParam);
    if (!Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > MAX_ACL_RECORDS) {
      throw new HttpError(400, "InvalidQueryParameterValue", `maxRecords must be between 1 and ${MAX_ACL_RECORDS}`);
    }
    const force = query.get("forceFlag") === "true";
    const target = pathOrThrow(fs, path);
    const base = splitPath(path).join("/");
    let from: string[] | undefined;
    const token = query.get("continuation");
    if (token) {
      const t = decodeToken(token);
      if (t.kind !== "acl" || t.base !== base) {
        throw new HttpError(400, "InvalidQueryParameterValue", "The continuation token does not belong to this path.");
      }
      from = t.next;
    }
    function* items(): Generator<WalkItem> {
      if (from === undefined || from.length === 0) yield { path: base, node: target };
      if (target.isDir) yield* descendants(target, base, from);
    }
    const failSet = new Set((state.faults.failPaths ?? []).filter((p) => p.startsWith(`${fs.name}/`)).map((p) => p.slice(fs.name.length + 1)));
    const now = Date.now();
    const memo = new Map<PathAcl, ReturnType<typeof applyAcl>>();
    const memoFiles = new Map<PathAcl, ReturnType<typeof applyAcl>>();
    let dirs = 0;
    let files = 0;
    const failed: { name: string; type: string; errorMessage: string }[] = [];
    let processed = 0;
    const iter = items();
    let item = iter.next();
    let stopped = false;
    while (!item.done && processed < maxRecords) {
      const { path: p, node } = item.value;
      processed += 1;
      let error: string | undefined;
      if (failSet.size > 0 && failSet.has(p)) {
        error = "This request is not authorized to perform this operation using this permission.";
      } else {
        const cache = node.isDir ? memo : memoFiles;
        let result = cache.get(node.acl);
        if (!result) {
          result = applyAcl(node.acl, entries, mode, node.isDir);
          cache.set(node.acl, result);
        }
        if (result.error) error = result.error;
        else {
          node.acl = result.acl;
          node.touch(now);
          if (node.isDir) dirs += 1;
          else files += 1;
          if (trackProcessed) {
            const key = `${fs.name}/${p}`;
            stats.processed.set(key, (stats.processed.get(key) ?? 0) + 1);
          }
        }
      }
      if (error) {
        failed.push({ name: p, type: node.isDir ? "DIRECTORY" : "FILE", errorMessage: error });
        if (!force) {
          stopped = true;
          break;
        }
      }
      item = iter.next();
    }
    if (!stopped && !item.done) {
      const rel = splitPath(item.value.path).slice(splitPath(base).length);
      res.setHeader("x-ms-continuation", encodeToken({ kind: "acl", base, recursive: true, next: rel }));
    }
    ctx.changed = processed;
    stats.recursiveBatches += 1;
    sendBody(
      res,
      "application/json;charset=utf-8",
      JSON.stringify({ directoriesSuccessful: dirs, filesSuccessful: files, failureCount: failed.length, failedEntries: failed }),
    );
    return 200;
  }

  function getAccessControl(ctx: Ctx, fs: Filesystem, path: string): number {
    const node = pathOrThrow(fs, path);
    const { res } = ctx;
    res.setHeader("ETag", node.etag);
    res.setHeader("Last-Modified", new Date(node.lastModified).toUTCString());
    res.setHeader("x-ms-owner", node.owner);
    res.setHeader("x-ms-group", node.group);
    res.setHeader("x-ms-permissions", formatMode(node.acl));
    res.setHeader("x-ms-acl", formatAcl(node.acl));
    return 200;
  }

  function pathProperties(ctx: Ctx, fs: Filesystem, path: string): number {
    const node = pathOrThrow(fs, path);
    const { res } = ctx;
    res.setHeader("Last-Modified", new Date(node.lastModified).toUTCString());
    res.setHeader("ETag", node.etag);
    res.setHeader("Content-Length", String(node.content.length));
    res.setHeader("Content-Type", "application/octet-stream");
    if (node.contentMd5) res.setHeader("Content-MD5", node.contentMd5.toString("base64"));
    res.setHeader("Accept-Ranges", "bytes");
    res.setHeader("x-ms-creation-time", new Date(node.created).toUTCString());
    res.setHeader("x-ms-blob-type", "BlockBlob");
    res.setHeader("x-ms-lease-status", "unlocked");
    res.setHeader("x-ms-lease-state", "available");
    res.setHeader("x-ms-server-encrypted", "true");
    res.setHeader("x-ms-resource-type", node.isDir ? "directory" : "file");
    res.setHeader("x-ms-owner", node.owner);
    res.setHeader("x-ms-group", node.group);
    res.setHeader("x-ms-permissions", formatMode(node.acl));
    if (node.isDir) res.setHeader("x-ms-meta-hdi_isfolder", "true");
    for (const [k, v] of Object.entries(node.metadata ?? {})) res.setHeader(`x-ms-meta-${k}`, v);
    return 200;
  }

  function download(ctx: Ctx, fs: Filesystem, path: string): number {
    const node = pathOrThrow(fs, path);
    const { req, res } = ctx;
    pathProperties(ctx, fs, path);
    const range = (req.headers["x-ms-range"] ?? req.headers.range) as string | undefined;
    const total = node.content.length;
    const m = range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
    if (m) {
      const start = Number(m[1]);
      const end = m[2] === "" ? total - 1 : Math.min(Number(m[2]), total - 1);
      if (start >= total && total > 0) throw new HttpError(416, "InvalidRange", "The range specified is invalid for the current size of the resource.");
      const slice = node.content.subarray(start, end + 1);
      res.setHeader("Content-Range", `bytes ${start}-${Math.max(start, end)}/${total}`);
      sendBody(res, "application/octet-stream", slice);
      return 206;
    }
    sendBody(res, "application/octet-stream", node.content);
    return 200;
  }

  function append(ctx: Ctx, fs: Filesystem, path: string): number {
    const node = pathOrThrow(fs, path);
    if (node.isDir) throw new HttpError(400, "InvalidResourceType", "append needs a file");
    const position = Number(ctx.query.get("position"));
    if (!Number.isInteger(position) || position < 0) throw new HttpError(400, "InvalidQueryParameterValue", "position is required");
    node.pending ??= new Map();
    node.pending.set(position, ctx.body);
    ctx.res.setHeader("x-ms-request-server-encrypted", "true");
    return 202;
  }

  function flush(ctx: Ctx, fs: Filesystem, path: string): number {
    const node = pathOrThrow(fs, path);
    if (node.isDir) throw new HttpError(400, "InvalidResourceType", "flush needs a file");
    const position = Number(ctx.query.get("position"));
    const parts: Buffer[] = [node.content];
    let length = node.content.length;
    for (const [pos, buf] of [...(node.pending ?? new Map<number, Buffer>()).entries()].sort((a, b) => a[0] - b[0])) {
      if (pos !== length) throw new HttpError(400, "InvalidFlushPosition", `appended data at ${pos} does not continue the file at ${length}`);
      parts.push(buf);
      length += buf.length;
    }
    if (position !== length) throw new HttpError(400, "InvalidFlushPosition", `position ${position} is not the end of the data (${length})`);
    node.content = Buffer.concat(parts);
    node.pending = undefined;
    const md5 = ctx.req.headers["x-ms-content-md5"];
    node.contentMd5 = typeof md5 === "string" ? Buffer.from(md5, "base64") : undefined;
    node.touch();
    ctx.res.setHeader("ETag", node.etag);
    ctx.res.setHeader("Last-Modified", new Date(node.lastModified).toUTCString());
    ctx.res.setHeader("x-ms-request-server-encrypted", "true");
    return 200;
  }

  function deletePath(ctx: Ctx, fs: Filesystem, path: string): number {
    if (path === "") throw new HttpError(400, "InvalidUri", "The root directory cannot be deleted.");
    const node = pathOrThrow(fs, path);
    if (node.isDir && node.children!.size > 0 && ctx.query.get("recursive") !== "true") {
      throw new HttpError(409, "DirectoryNotEmpty", "The recursive query parameter value must be true to delete a non-empty directory.");
    }
    const { parent, name } = fs.parentOf(path);
    parent!.remove(name);
    return 200;
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(requestedPort, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/${accountName}`;
  accountUrl = url;

  const api: DfsServer = {
    url,
    accountName,
    accountKey,
    port,
    get faults() {
      return state.faults;
    },
    set faults(f: DfsFaults) {
      state.faults = f;
    },
    stats,
    resetStats() {
      stats.requests = 0;
      stats.writes = 0;
      stats.recursiveBatches = 0;
      stats.byOperation = {};
      stats.processed.clear();
    },
    createFilesystem(name) {
      if (!filesystems.has(name)) filesystems.set(name, new Filesystem(name));
    },
    createPath(fsName, path, opts = {}) {
      const fs = filesystems.get(fsName);
      if (!fs) throw new Error(`no filesystem ${fsName}`);
      const isDir = opts.isDir ?? false;
      const node = fs.create(path, isDir, opts.mode ?? (isDir ? 0o777 : 0o666), opts.umask ?? DEFAULT_UMASK);
      if (node === "conflict") throw new Error(`cannot create ${fsName}/${path}`);
      if (opts.content) node.content = opts.content;
    },
    aclOf(fsName, path) {
      const node = filesystems.get(fsName)?.get(path);
      return node ? formatAcl(node.acl) : undefined;
    },
    countPaths(fsName, path = "") {
      const node = filesystems.get(fsName)?.get(path);
      if (!node) return 0;
      let n = 0;
      for (const _ of descendants(node, path)) n += 1;
      return n;
    },
    async close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}

function parseAclOrThrow(text: string, withPerms: boolean): AclEntry[] {
  try {
    return parseAclList(text, withPerms);
  } catch (err) {
    if (err instanceof AclSyntaxError) throw new HttpError(400, "InvalidAccessControlList", err.message);
    throw err;
  }
}

function metadataFrom(req: IncomingMessage): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (k.startsWith("x-ms-meta-") && typeof v === "string") meta[k.slice("x-ms-meta-".length)] = v;
  }
  return meta;
}

const bodies = new WeakMap<ServerResponse, Buffer>();

function sendBody(res: ServerResponse, contentType: string, body: string | Buffer): void {
  const buf = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  res.setHeader("Content-Type", contentType);
  res.setHeader("Content-Length", String(buf.length));
  bodies.set(res, buf);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

interface Token {
  kind: "list" | "acl";
  base: string;
  recursive: boolean;
  next: string[];
}

function encodeToken(t: Token): string {
  return Buffer.from(JSON.stringify(t)).toString("base64url");
}

function decodeToken(s: string): Token {
  try {
    const t = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as Token;
    if (!Array.isArray(t.next)) throw new Error("bad");
    return t;
  } catch {
    throw new HttpError(400, "InvalidQueryParameterValue", "The continuation token is not valid.");
  }
}

function operationName(method: string, query: URLSearchParams, segments: string[]): string {
  const action = query.get("action");
  if (action) return `${method} ${action}`;
  if (query.get("comp") === "list") return `${method} listContainers`;
  if (query.get("resource") === "filesystem" && method === "GET") return "GET listPaths";
  if (query.get("restype") === "container" || query.get("resource") === "filesystem") return `${method} filesystem`;
  if (query.get("resource")) return `${method} create ${query.get("resource")}`;
  return `${method} ${segments.length > 1 ? "path" : "account"}`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** `npm run dfs-server -- --port <p> [--lifetime <seconds>]`: serves until killed (or the lifetime ends). */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const valueOf = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i === -1 ? undefined : args[i + 1];
  };
  const port = Number(valueOf("--port") ?? 0);
  const lifetime = Number(valueOf("--lifetime") ?? 3600);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write("--port must be a number between 0 and 65535\n");
    process.exit(2);
  }
  const server = await startDfsServer({ port });
  process.stdout.write(`listening ${server.url}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  setTimeout(stop, lifetime * 1000).unref();
  // Keep the process alive for the lifetime even though the timer is unref'd.
  setTimeout(() => undefined, lifetime * 1000);
}

if (require.main === module) void main();
