import type { AccessControlChanges, DataLakeDirectoryClient, DataLakeServiceClient } from "@azure/storage-file-datalake";
import { Ace, fromSdk, toSdk } from "./aclModel";
import type { FailedEntry } from "./checkpoint";
import { RetryOptions, withRetry } from "../lib/retry";

/**
 * The requests the applier makes, each one retried: path reads, directory
 * listings page by page, single ACL writes and one recursive ACL batch.
 */

/**
 * A rule root with more direct files than this is applied as one recursive
 * unit: one request per file would cost more than serial 2000-path batches.
 */
export const FANOUT_MAX_FILES = 256;

export interface PathInfo {
  acl: Ace[];
  isDir: boolean;
}

export interface Listing {
  children: { path: string; isDir: boolean }[];
  files: number;
}

export interface BatchResult {
  directories: number;
  files: number;
  /** Failed paths the service listed for this batch. */
  failures: FailedEntry[];
  /** The service's own failure count for this batch (failureCount). */
  failureCount: number;
  /** Token of the next batch; undefined when the subtree is finished. */
  token?: string;
}

export interface Lake {
  /** ACL and kind of a path (undefined: it does not exist); `isDir` when already known (from a listing) saves the properties request. */
  readPath(fs: string, path: string, isDir?: boolean): Promise<PathInfo | undefined>;
  /** Direct children of a directory; stops early once it has more than FANOUT_MAX_FILES files (the caller then keeps it whole). */
  listChildren(fs: string, directory: string): Promise<Listing>;
  /** One page of every path below a directory (recursive listing), and the token of the next page. */
  listBelow(fs: string, directory: string, token?: string): Promise<{ items: { path: string; isDir: boolean }[]; token?: string }>;
  /** Whether the first listing page below a directory holds a file (a tree larger than one page is assumed to). */
  hasFilesBelow(fs: string, directory: string): Promise<boolean>;
  setAcl(fs: string, path: string, acl: Ace[]): Promise<void>;
  /** One recursive ACL batch (forceFlag on, so a failing path does not stop it). */
  recursiveBatch(fs: string, path: string, req: { mode: "set" | "modify"; acl: Ace[]; token?: string; batchSize: number }): Promise<BatchResult>;
}

export interface LakeOptions {
  service: DataLakeServiceClient;
  retry: RetryOptions;
  signal?: AbortSignal;
  /** Before each retry's wait (throttling included: adaptive concurrency listens here). */
  onRetry(err: unknown, delayMs: number): void;
  /** After each request that succeeded. */
  onSuccess(): void;
}

export function createLake(opts: LakeOptions): Lake {
  const { service, signal } = opts;
  const call = async <T>(fn: (abortSignal?: AbortSignal) => Promise<T>): Promise<T> => {
    const result = await withRetry(fn, { ...opts.retry, signal, onRetry: (err, _attempt, delay) => opts.onRetry(err, delay) });
    opts.onSuccess();
    return result;
  };
  const dir = (fs: string, path: string): DataLakeDirectoryClient => service.getFileSystemClient(fs).getDirectoryClient(path === "" ? "/" : path);
  const listPage = (fs: string, directory: string, recursive: boolean, continuationToken?: string) =>
    // Page by page, each a fresh iterator from the last token, so that a throttled page is retried like any other call.
    call((abortSignal) => service.getFileSystemClient(fs).listPaths({ path: directory || undefined, recursive, abortSignal }).byPage({ continuationToken, maxPageSize: 5000 }).next());

  return {
    async readPath(fs, path, isDir) {
      try {
        const client = dir(fs, path);
        const known = path === "" ? true : isDir;
        const [props, acl] = await Promise.all([
          known !== undefined ? Promise.resolve({ metadata: { hdi_isfolder: String(known) } }) : call((abortSignal) => client.getProperties({ abortSignal })),
          call((abortSignal) => client.getAccessControl({ abortSignal })),
        ]);
        return { acl: fromSdk(acl.acl), isDir: props.metadata?.hdi_isfolder === "true" };
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return undefined;
        throw err;
      }
    },

    async listChildren(fs, directory) {
      const children: Listing["children"] = [];
      let files = 0;
      let continuationToken: string | undefined;
      do {
        const next = await listPage(fs, directory, false, continuationToken);
        if (next.done) break;
        for (const p of next.value.pathItems ?? []) {
          children.push({ path: p.name!, isDir: p.isDirectory === true });
          if (!p.isDirectory) files += 1;
        }
        continuationToken = next.value.continuation || undefined;
      } while (continuationToken && files <= FANOUT_MAX_FILES);
      return { children, files };
    },

    async listBelow(fs, directory, token) {
      const page = await listPage(fs, directory, true, token);
      if (page.done) return { items: [] };
      const items = (page.value.pathItems ?? []).map((p) => ({ path: p.name!, isDir: p.isDirectory === true }));
      return { items, token: page.value.continuation || undefined };
    },

    async hasFilesBelow(fs, directory) {
      const page = await listPage(fs, directory, true);
      if (page.done) return false;
      return (page.value.pathItems ?? []).some((p) => !p.isDirectory) || Boolean(page.value.continuation);
    },

    async setAcl(fs, path, acl) {
      await call((abortSignal) => dir(fs, path).setAccessControl(toSdk(acl), { abortSignal }));
    },

    async recursiveBatch(fs, path, req) {
      const client = dir(fs, path);
      let failures: FailedEntry[] = [];
      const result = await call((abortSignal) => {
        const options = {
          batchSize: req.batchSize,
          maxBatches: 1,
          continuationToken: req.token,
          continueOnFailure: true,
          abortSignal,
          onProgress: (p: AccessControlChanges) => {
            failures = p.batchFailures.map((f) => ({ path: `${fs}/${f.name}`, reason: f.message }));
          },
        };
        return req.mode === "set" ? client.setAccessControlRecursive(toSdk(req.acl), options) : client.updateAccessControlRecursive(toSdk(req.acl), options);
      });
      const c = result.counters;
      return { directories: c.changedDirectoriesCount, files: c.changedFilesCount, failures, failureCount: c.failedChangesCount, token: result.continuationToken || undefined };
    },
  };
}
