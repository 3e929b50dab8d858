import { AclEntry, PathAcl, applyAcl } from "../posixAcl";
import { failingPaths } from "../faults";
import { HANG, HttpError, RequestContext, sendJson } from "../http";
import { pathOrThrow, type DfsState } from "../state";
import { decodeToken, encodeToken } from "../token";
import { Filesystem, PathNode, WalkItem, descendants, splitPath } from "../tree";
import { parseAclOrThrow } from "./aclHeaders";

/** A recursive ACL batch processes at most this many paths (maxRecords). */
export const MAX_ACL_RECORDS = 2000;

type AclMode = "set" | "modify" | "remove";

interface FailedEntry {
  name: string;
  type: string;
  errorMessage: string;
}

/** One batch's outcome, as the response body reports it. */
interface BatchResult {
  dirs: number;
  files: number;
  failed: FailedEntry[];
  processed: number;
  /** The path the next batch starts at, when the walk stopped at maxRecords. */
  next?: string;
}

/**
 * Path Update action=setAccessControlRecursive: one batch of at most
 * maxRecords paths in pre-order from the continuation point; per-path
 * failures go to failedEntries and stop the batch unless forceFlag=true.
 */
export function setAccessControlRecursive(state: DfsState, ctx: RequestContext, fs: Filesystem, path: string): number {
  injectBatchFault(state, ctx);
  const { mode, entries, maxRecords, force } = parseRequest(ctx);
  const target = pathOrThrow(fs, path);
  const base = splitPath(path).join("/");
  const from = continuationOf(ctx.query.get("continuation"), base);
  const result = runBatch(state, fs, { target, base, from }, { mode, entries, maxRecords, force });
  if (result.next !== undefined) {
    const rel = splitPath(result.next).slice(splitPath(base).length);
    ctx.res.setHeader("x-ms-continuation", encodeToken({ kind: "acl", base, recursive: true, next: rel }));
  }
  ctx.changed = result.processed;
  state.stats.recursiveBatches += 1;
  sendJson(ctx.res, { directoriesSuccessful: result.dirs, filesSuccessful: result.files, failureCount: result.failed.length, failedEntries: result.failed });
  return 200;
}

function injectBatchFault(state: DfsState, ctx: RequestContext): void {
  const fail = state.faults.failAfterBatches;
  if (!fail || state.stats.recursiveBatches < fail.batches) return;
  if (fail.action === "hang") {
    state.hung.add(ctx.res);
    throw HANG;
  }
  if (fail.action === "reset") {
    ctx.req.socket.destroy();
    throw HANG;
  }
  throw new HttpError(500, "InternalError", "injected failure after batches");
}

function parseRequest(ctx: RequestContext): { mode: AclMode; entries: AclEntry[]; maxRecords: number; force: boolean } {
  const { req, query } = ctx;
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
  return { mode, entries, maxRecords, force: query.get("forceFlag") === "true" };
}

function continuationOf(token: string | null, base: string): string[] | undefined {
  if (!token) return undefined;
  const t = decodeToken(token);
  if (t.kind !== "acl" || t.base !== base) {
    throw new HttpError(400, "InvalidQueryParameterValue", "The continuation token does not belong to this path.");
  }
  return t.next;
}

function* walk(target: PathNode, base: string, from: string[] | undefined): Generator<WalkItem> {
  if (from === undefined || from.length === 0) yield { path: base, node: target };
  if (target.isDir) yield* descendants(target, base, from);
}

const DENIED = "This request is not authorized to perform this operation using this permission.";

function runBatch(
  state: DfsState,
  fs: Filesystem,
  where: { target: PathNode; base: string; from: string[] | undefined },
  how: { mode: AclMode; entries: AclEntry[]; maxRecords: number; force: boolean },
): BatchResult {
  const failSet = failingPaths(state.faults, fs.name);
  const now = Date.now();
  // ACL objects are shared between paths: each distinct input maps to its result once.
  const memo = { dir: new Map<PathAcl, ReturnType<typeof applyAcl>>(), file: new Map<PathAcl, ReturnType<typeof applyAcl>>() };
  const out: BatchResult = { dirs: 0, files: 0, failed: [], processed: 0 };
  const iter = walk(where.target, where.base, where.from);
  let item = iter.next();
  while (!item.done && out.processed < how.maxRecords) {
    const { path: p, node } = item.value;
    out.processed += 1;
    let error: string | undefined;
    if (failSet.size > 0 && failSet.has(p)) error = DENIED;
    else {
      const cache = node.isDir ? memo.dir : memo.file;
      let result = cache.get(node.acl);
      if (!result) {
        result = applyAcl(node.acl, how.entries, how.mode, node.isDir);
        cache.set(node.acl, result);
      }
      if (result.error) error = result.error;
      else {
        node.acl = result.acl;
        node.touch(now);
        if (node.isDir) out.dirs += 1;
        else out.files += 1;
        if (state.trackProcessed) {
          const key = `${fs.name}/${p}`;
          state.stats.processed.set(key, (state.stats.processed.get(key) ?? 0) + 1);
        }
      }
    }
    if (error) {
      out.failed.push({ name: p, type: node.isDir ? "DIRECTORY" : "FILE", errorMessage: error });
      if (!how.force) return out;
    }
    item = iter.next();
  }
  if (!item.done) out.next = item.value.path;
  return out;
}
