import type { DataLakeServiceClient } from "@azure/storage-file-datalake";
import { fromSdk, toSdk } from "../acl/aclModel";
import { type RetryOptions, withRetry } from "../lib/retry";
import type { PrincipalMap } from "../validate/acl";
import { desiredAcl } from "./acl";
import type { Action } from "./plan";

/**
 * The Gen2 side of each action, each idempotent (running it twice leaves
 * the same path): createIfNotExists then setAccessControl for a directory,
 * getAccessControl + setAccessControl for an ACL, deleteIfExists for an
 * extra path. Requests go through the shared retry loop (throttling 503,
 * timeouts, dropped connections); `requests` counts every HTTP call made.
 */
export interface Gen2Actions {
  /** undefined when done; otherwise why the path could not be fixed. */
  run(action: Exclude<Action, { kind: "copy" }>, signal?: AbortSignal): Promise<string | undefined>;
  readonly requests: number;
}

export interface Gen2ActionOptions {
  service: DataLakeServiceClient;
  principalMap?: PrincipalMap;
  /** Filesystem → principal ids of the stack's `acls` rules, whose entries on the target are kept. */
  keep: ReadonlyMap<string, ReadonlySet<string>>;
  retry: RetryOptions;
  /**
   * Whether a Gen1 path exists now. An extra is deleted only when Gen1 still
   * lacks it: a file created on Gen1 after validate listed it, and copied to
   * Gen2 by a window before the Gen2 listing, looks extra, and no later
   * window would copy it again.
   */
  gen1Exists: (path: string, signal?: AbortSignal) => Promise<boolean>;
}

export function gen2Actions(opts: Gen2ActionOptions): Gen2Actions {
  let requests = 0;
  const call = <T>(fn: (signal?: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> =>
    withRetry((s) => {
      requests++;
      return fn(s);
    }, { ...opts.retry, signal });

  async function setFromSource(action: Extract<Action, { kind: "mkdir" | "acl" }>, signal?: AbortSignal): Promise<string | undefined> {
    const fs = opts.service.getFileSystemClient(action.filesystem);
    const client = action.kind === "mkdir" || action.isDir ? fs.getDirectoryClient(action.gen2Path || "/") : fs.getFileClient(action.gen2Path);
    const keep = opts.keep.get(action.filesystem) ?? new Set<string>();
    const current = keep.size === 0 ? [] : fromSdk((await call((abortSignal) => client.getAccessControl({ abortSignal }), signal)).acl);
    const want = desiredAcl(action.source, opts.principalMap, current, keep);
    if (typeof want === "string") return want;
    await call((abortSignal) => client.setAccessControl(toSdk(want.aces), { owner: want.owner, group: want.group, abortSignal }), signal);
    return undefined;
  }

  return {
    get requests() {
      return requests;
    },
    async run(action, signal) {
      const fs = opts.service.getFileSystemClient(action.filesystem);
      try {
        if (action.kind === "delete") {
          if (await opts.gen1Exists(action.gen1Path, signal)) return `${action.gen1Path} is on Gen1 now (created after validate listed it): not deleted; validate again`;
          if (action.isDir) await call((abortSignal) => fs.getDirectoryClient(action.gen2Path).deleteIfExists(true, { abortSignal }), signal);
          else await call((abortSignal) => fs.getFileClient(action.gen2Path).deleteIfExists(false, { abortSignal }), signal);
          return undefined;
        }
        if (action.kind === "mkdir") {
          // A source ACL that cannot be set is refused before the directory exists: nothing half-made is left behind.
          const refused = desiredAcl(action.source, opts.principalMap, [], new Set());
          if (typeof refused === "string") return refused;
          await call((abortSignal) => fs.getDirectoryClient(action.gen2Path).createIfNotExists({ abortSignal }), signal);
        }
        return await setFromSource(action, signal);
      } catch (err) {
        if (signal?.aborted) throw err;
        const e = err as { statusCode?: number; code?: string; message?: string };
        if (e.statusCode === 404) return "the path is no longer on Gen2 (changed since validate ran)";
        return `${e.statusCode ?? ""} ${e.code ?? ""} ${(e.message ?? String(err)).split("\n")[0]}`.trim();
      }
    },
  };
}
