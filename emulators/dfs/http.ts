import { randomUUID } from "crypto";
import type { IncomingMessage, ServerResponse } from "http";

/** A service error: status, the `x-ms-error-code` and the message, rendered as the endpoint renders errors. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Thrown by a handler that leaves its request unanswered (a hung service) or already destroyed the socket. */
export const HANG = Symbol("hang");

/** One request as the handlers see it. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  query: URLSearchParams;
  /** Decoded segments after the account: [filesystem, ...path]. */
  segments: string[];
  body: Buffer;
  /** Paths changed by this request, for perPathLatencyMs. */
  changed: number;
  /** Paths this request touched (processed, listed, created), for the capacity model. */
  touched: number;
  /** Whether errors are rendered as blob XML (blob endpoint calls) or dfs JSON. */
  blobStyle: boolean;
}

const bodies = new WeakMap<ServerResponse, Buffer>();

/** Stages a response body; it is written once the modelled service time has passed. */
export function sendBody(res: ServerResponse, contentType: string | undefined, body: string | Buffer): void {
  const buf = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  if (contentType !== undefined) res.setHeader("Content-Type", contentType);
  res.setHeader("Content-Length", String(buf.length));
  bodies.set(res, buf);
}

export function sendJson(res: ServerResponse, value: unknown): void {
  sendBody(res, "application/json;charset=utf-8", JSON.stringify(value));
}

export function stagedBody(res: ServerResponse): Buffer | undefined {
  return bodies.get(res);
}

export function commonHeaders(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader("x-ms-request-id", randomUUID());
  res.setHeader("x-ms-version", String(req.headers["x-ms-version"] ?? "2025-01-05"));
  const crid = req.headers["x-ms-client-request-id"];
  if (typeof crid === "string") res.setHeader("x-ms-client-request-id", crid);
  res.setHeader("Date", new Date().toUTCString());
  if (res.getHeader("content-length") === undefined) res.setHeader("Content-Length", "0");
}

/** Error bodies: the blob endpoint answers XML, the dfs endpoint JSON; HEAD carries only the header. */
export function writeError(ctx: RequestContext, e: HttpError): void {
  const { req, res } = ctx;
  res.statusCode = e.status;
  commonHeaders(req, res);
  res.setHeader("x-ms-error-code", e.code);
  if (ctx.method === "HEAD") return void res.end();
  if (ctx.blobStyle) {
    sendBody(res, "application/xml", `<?xml version="1.0" encoding="utf-8"?><Error><Code>${e.code}</Code><Message>${escapeXml(e.message)}</Message></Error>`);
  } else {
    sendJson(res, { error: { code: e.code, message: e.message } });
  }
  res.end(bodies.get(res));
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function metadataFrom(req: IncomingMessage): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (k.startsWith("x-ms-meta-") && typeof v === "string") meta[k.slice("x-ms-meta-".length)] = v;
  }
  return meta;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Parses the request line into the context the router dispatches on. */
export function contextOf(req: IncomingMessage, res: ServerResponse, body: Buffer): { ctx: RequestContext; account: string; rawUrl: string } {
  const method = req.method ?? "GET";
  const rawUrl = req.url ?? "/";
  const qIndex = rawUrl.indexOf("?");
  const rawPath = qIndex === -1 ? rawUrl : rawUrl.slice(0, qIndex);
  const query = new URLSearchParams(qIndex === -1 ? "" : rawUrl.slice(qIndex + 1));
  const segs = rawPath.split("/").slice(1).map((s) => decodeURIComponent(s));
  const blobStyle =
    query.has("restype") || query.has("comp") || ((method === "GET" || method === "HEAD") && !query.has("action") && !query.has("resource"));
  return { ctx: { req, res, method, query, segments: segs.slice(1), body, changed: 0, touched: 0, blobStyle }, account: segs[0] ?? "", rawUrl };
}
