import { HttpError, RequestContext } from "./http";
import { createFilesystem, deleteFilesystem, getFilesystemProperties, listContainers, listFilesystems } from "./ops/filesystem";
import { createPath } from "./ops/pathCreate";
import { deletePath } from "./ops/pathDelete";
import { getAccessControl, pathProperties } from "./ops/pathGetProperties";
import { listPaths } from "./ops/pathList";
import { readPath } from "./ops/pathRead";
import { append, flush, setAccessControl } from "./ops/pathUpdate";
import { setAccessControlRecursive } from "./ops/setAccessControlRecursive";
import type { DfsState } from "./state";

/**
 * Dispatches a request to its REST operation (Data Lake Storage Gen2 REST
 * reference: Filesystem Create/List/Get Properties/Delete, Path
 * Create/Update/Read/List/Delete/Get Properties) or to the blob endpoint call
 * the SDK makes instead. Returns the status of a success.
 */
export function route(state: DfsState, ctx: RequestContext): number {
  const { query, segments, method } = ctx;
  const fsName = segments[0] ?? "";
  const path = segments.slice(1).join("/");
  if (fsName === "") return accountOp(state, ctx);
  const containerOp = query.get("restype") === "container" || query.get("resource") === "filesystem";
  if (containerOp && segments.length <= 2 && path === "") return filesystemOp(state, ctx, fsName);

  const fs = state.fsOrThrow(fsName, ctx.blobStyle);
  const action = query.get("action");
  if (method === "PUT") return createPath(ctx, fs, path);
  if (method === "PATCH" && action === "setAccessControl") return setAccessControl(state, ctx, fs, path);
  if (method === "PATCH" && action === "setAccessControlRecursive") return setAccessControlRecursive(state, ctx, fs, path);
  if (method === "PATCH" && action === "append") return append(ctx, fs, path);
  if (method === "PATCH" && action === "flush") return flush(ctx, fs, path);
  if (method === "HEAD" && action === "getAccessControl") return getAccessControl(ctx, fs, path);
  if (method === "HEAD" && (action === null || action === "getStatus")) return pathProperties(ctx, fs, path);
  if (method === "GET" && action === null) return readPath(ctx, fs, path);
  if (method === "DELETE") return deletePath(ctx, fs, path);
  throw new HttpError(400, "UnsupportedOperation", `${method} action=${action ?? "(none)"} is not supported by the test server`);
}

function accountOp(state: DfsState, ctx: RequestContext): number {
  const { method, query } = ctx;
  if (method === "GET" && query.get("comp") === "list") return listContainers(state, ctx);
  if (method === "GET" && query.get("resource") === "account") return listFilesystems(state, ctx);
  throw new HttpError(400, "UnsupportedOperation", `${method} on the account is not supported by the test server`);
}

function filesystemOp(state: DfsState, ctx: RequestContext, name: string): number {
  const { method } = ctx;
  if (method === "PUT") return createFilesystem(state, ctx, name);
  if (method === "GET" && ctx.query.get("resource") === "filesystem") return listPaths(ctx, state.fsOrThrow(name, false), state.faults.repeatContinuation === true);
  if (method === "GET" || method === "HEAD") return getFilesystemProperties(state, ctx, name);
  if (method === "DELETE") return deleteFilesystem(state, ctx, name);
  throw new HttpError(400, "UnsupportedOperation", `${method} on a filesystem is not supported by the test server`);
}
