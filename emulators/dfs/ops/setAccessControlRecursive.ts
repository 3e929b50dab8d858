import { AclEntry, PathAcl, applyAcl } from "../posixAcl";
import { failingPaths } from "../faults";
import { HANG, HttpError, RequestContext, sendBody } from "../http";
import { pathOrThrow, type DfsState } from "../state";
import { decodeToken, encodeToken } from "../token";
import { Filesystem, PathNode, WalkItem, descendants, splitPath } from "../tree";
import { parseAclOrThrow } from "./aclHeaders";

/** A recursive ACL batch processes at most this many paths (a larger maxRecords is lowered to it). */
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
  ctx.touched = result.processed;
  state.stats.recursiveBatches += 1;
  // The service answers this JSON without a Content-Type header (recorded
  // live test test_set_access_control_recursive of azure-sdk-for-python:
  // sdk/storage/azure-storage-file-datalake/tests/recordings/
  // test_directory.pyTestDirectorytest_set_access_control_recursive.json,
  // response headers Date, Server, Transfer-Encoding, x-ms-namespace-enabled, x-ms-version).
  ctx.res.setHeader("x-ms-namespace-enabled", "true");
  sendBody(ctx.res, undefined, JSON.stringify({ directoriesSuccessful: result.dirs, filesSuccessful: result.files, failureCount: result.failed.length, failedEntries: result.failed }));
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
    // A recursive set must carry user::, group:: and other:: itself:
    // 400 SetAclMissingAces "Invalid ACL: the user, group and other entries
    // are required." (service response quoted in Azure/azure-cli#16792).
    const base = new Set(entries.filter((e) => e.scope === "access" && e.id === "").map((e) => e.type));
    if (!base.has("user") || !base.has("group") || !base.has("other")) {
      throw new HttpError(400, "SetAclMissingAces", "Invalid ACL: the user, group and other entries are required.");
    }
    const probe = applyAcl({ access: { user: 7, group: 5, other: 0, named: new Map() } }, entries, "set", true);
    if (probe.error) throw new HttpError(400, "InvalidAccessControlList", probe.error);
  }
  const maxParam = query.get("maxRecords");
  const requested = maxParam === null ? MAX_ACL_RECORDS : Number(maxParam);
  // The REST spec (azure-rest-api-specs, specification/storage/data-plane/
  // Azure.Storage.Files.DataLake/stable/2025-01-05/DataLakeStorage.json,
  // parameter maxRecords, as generated into every SDK): "If omitted or greater
  // than 2,000, the request will process up to 2,000 items" - clamped, not refused.
  if (!Number.isInteger(requested) || requested < 1) {
    throw new HttpError(400, "InvalidQueryParameterValue", "maxRecords must be a whole number of at least 1");
  }
  return { mode, entries, maxRecords: Math.min(requested, MAX_ACL_RECORDS), force: query.get("forceFlag") === "true" };
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
        // No ETag / Last-Modified change, as for setAccessControl (see pathUpdate.ts).
        node.acl = result.acl;
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
