import type { TokenCredential } from "@azure/core-auth";
import {
  DataLakeFileSystemClient,
  DataLakeServiceClient,
  PathAccessControlItem,
  PathPermissions,
  RolePermissions,
  StorageSharedKeyCredential,
} from "@azure/storage-file-datalake";
import type { FileSystemListPathsResponse, Path } from "@azure/storage-file-datalake";
import pLimit from "p-limit";
import { DEFAULT_LIST_CONCURRENCY, DirectoryPage, listByDirectory } from "./byDirectory";
import { ListOptions, PathEntry, SourceError, SourceReader, relativePath } from "./types";

export const LISTING_MODES = ["auto", "recursive", "by-directory"] as const;
export type ListingMode = (typeof LISTING_MODES)[number];

/** The documented maximum a listPaths page returns. */
export const GEN2_PAGE_SIZE = 5000;

export interface Gen2Options {
  /** https://<account>.dfs.core.windows.net, or a test server's path-style URL. */
  accountUrl: string;
  filesystem: string;
  /** Folder inside the filesystem ("" for all of it). */
  root: string;
  credential: TokenCredential | StorageSharedKeyCredential;
  describe: string;
  pageSize?: number;
  aclConcurrency?: number;
  /** SDK retry attempts in total (first try included); in the by-directory listing, attempts per page (scripts/lib/retry.ts). */
  maxTries?: number;
  /**
   * "recursive": one recursive listPaths stream. "by-directory": each
   * directory listed on its own, many at once (see listByDirectory).
   * "auto" (default): recursive when the root is one page holding 1 to
   * PARALLEL_MIN_DIRECTORIES - 1 directories, else by directory.
   */
  listing?: ListingMode;
  /** Directories listed at once at most in the by-directory listing (adaptive below it), 1-256. Default 32. */
  maxConcurrency?: number;
}

/**
 * Below this many directories in the root's first page, "auto" lists
 * recursively: a root of a few folders would leave most workers idle, and
 * a small tree is listed in a page or two anyway.
 */
export const PARALLEL_MIN_DIRECTORIES = 4;
/** Time limit of one page request in the by-directory listing; a stalled one is retried and counts as throttling. */
const PAGE_TIMEOUT_MS = 60_000;

/**
 * Streams a Gen2 filesystem with the real SDK: recursive listPaths, one page
 * (≤ 5000 paths) in memory at a time. listPaths does not return ACLs, so with
 * `acls` each path costs one getAccessControl call, run in parallel per page.
 */
export class Gen2Reader implements SourceReader {
  readonly describe: string;
  private readonly fs: DataLakeFileSystemClient;
  private readonly fsNoRetry: DataLakeFileSystemClient;

  constructor(private readonly opts: Gen2Options) {
    this.describe = opts.describe;
    const service = new DataLakeServiceClient(opts.accountUrl, opts.credential, {
      retryOptions: { maxTries: opts.maxTries ?? 4, retryDelayInMs: 500, maxRetryDelayInMs: 8000 },
    });
    this.fs = service.getFileSystemClient(opts.filesystem);
    this.fsNoRetry = new DataLakeServiceClient(opts.accountUrl, opts.credential, { retryOptions: { maxTries: 1 } }).getFileSystemClient(opts.filesystem);
  }

  async *list(listOpts: ListOptions = {}): AsyncIterable<PathEntry> {
    const root = relativePath(this.opts.root);
    const prefix = root === "" ? "" : `${root}/`;
    const limit = pLimit(this.opts.aclConcurrency ?? 16);
    try {
      for await (const items of cheapErrors(this.pages(root))) {
        const entries = items.map((p) => toEntry(p, prefix));
        if (listOpts.acls) {
          await Promise.all(entries.map((e) => limit(async () => (e.acl = await this.acl(prefix + e.path)))));
        }
        yield* entries;
      }
    } catch (err) {
      throw this.explain(err);
    }
  }

  /** Pages of the tree under `root`, by the listing the options choose. */
  private async *pages(root: string): AsyncIterable<Path[]> {
    const mode = this.opts.listing ?? "auto";
    if (mode === "recursive") return yield* this.recursivePages(root);
    const probe = await this.directoryPage(root, undefined, undefined, true);
    // A root without folders in one page is all there is: the probe is the listing, whatever the mode.
    const few = probe.subdirectories.length > 0 && probe.subdirectories.length < PARALLEL_MIN_DIRECTORIES;
    if (mode === "auto" && few && probe.continuation === undefined) {
      return yield* this.recursivePages(root);
    }
    yield* listByDirectory(root, (dir, token, ctx) => this.directoryPage(dir, token, ctx.signal, dir === root), {
      maxConcurrency: this.opts.maxConcurrency ?? DEFAULT_LIST_CONCURRENCY,
      retry: { maxAttempts: this.opts.maxTries ?? 4, timeoutMs: PAGE_TIMEOUT_MS },
      firstPage: probe,
      onRepeatedToken: () => this.repeatedToken(),
    });
  }

  private async *recursivePages(root: string): AsyncIterable<Path[]> {
    const pages = this.fs
      .listPaths({ recursive: true, ...(root ? { path: root } : {}) })
      .byPage({ maxPageSize: this.opts.pageSize ?? GEN2_PAGE_SIZE });
    // Bounded: the SDK follows each continuation it gets, so a service that
    // hands out a token again would be listed forever; one token per page of 5000 is kept.
    const seen = new Set<string>();
    for await (const page of prefetched(pages)) {
      if (page.continuation) {
        if (seen.has(page.continuation)) throw this.repeatedToken();
        seen.add(page.continuation);
      }
      yield page.pathItems ?? [];
    }
  }

  /**
   * One non-recursive page of `dir`, through the client without SDK retries
   * (withRetry in listByDirectory retries, so throttling reaches the AIMD
   * limit). A subdirectory deleted after its parent was listed answers 404
   * PathNotFound: it has no children left to list, so that page is empty.
   * Path - List (learn.microsoft.com/rest/api/storageservices/datalakestoragegen2/path/list):
   * with recursive=false only the paths directly in `directory` are listed,
   * at most 5 000 a call, the rest behind the x-ms-continuation token; a
   * directory that does not exist is an error.
   */
  private async directoryPage(dir: string, token: string | undefined, signal: AbortSignal | undefined, isRoot: boolean): Promise<DirectoryPage<Path>> {
    let page: FileSystemListPathsResponse;
    try {
      const it = this.fsNoRetry
        .listPaths({ recursive: false, abortSignal: signal, ...(dir ? { path: dir } : {}) })
        .byPage({ continuationToken: token, maxPageSize: this.opts.pageSize ?? GEN2_PAGE_SIZE });
      page = (await it.next()).value as FileSystemListPathsResponse;
    } catch (err) {
      const e = err as { statusCode?: number; details?: { errorCode?: string } };
      if (!isRoot && e.statusCode === 404 && e.details?.errorCode === "PathNotFound") return { entries: [], subdirectories: [] };
      throw err;
    }
    const entries = page.pathItems ?? [];
    return {
      entries,
      subdirectories: entries.filter((p) => p.isDirectory).map((p) => p.name ?? ""),
      continuation: page.continuation || undefined,
    };
  }

  private repeatedToken(): SourceError {
    return new SourceError(`${this.describe}: listPaths: the service returned a token it returned before; stopped instead of listing forever`);
  }

  private async acl(path: string): Promise<string> {
    const res = await this.fs.getFileClient(path).getAccessControl();
    return res.acl.map(formatAclItem).join(",");
  }

  private explain(err: unknown): Error {
    if (err instanceof SourceError) return err;
    const e = err as { statusCode?: number; code?: string; message?: string; details?: { errorCode?: string } };
    const code = e.details?.errorCode ?? e.code ?? "";
    const host = new URL(this.opts.accountUrl).host;
    if (e.statusCode === undefined || e.code === "REQUEST_SEND_ERROR") {
      return new SourceError(`cannot reach ${this.describe} (${host}): ${firstLine(e.message)}`);
    }
    if (e.statusCode === 404) {
      return new SourceError(`${this.describe}: ${code === "FilesystemNotFound" ? `filesystem ${this.opts.filesystem}` : `folder ${this.opts.root}`} does not exist (${code || "404"})`);
    }
    if (e.statusCode === 401 || e.statusCode === 403) {
      return new SourceError(
        `${this.describe}: access denied (HTTP ${e.statusCode} ${code}); the identity needs Storage Blob Data Reader (or read+execute ACLs) on ${this.opts.filesystem}`,
      );
    }
    return new SourceError(`${this.describe}: HTTP ${e.statusCode} ${code}: ${firstLine(e.message)}`);
  }
}

function toEntry(p: Path, prefix: string): PathEntry {
  const name = p.name ?? "";
  return {
    path: name.startsWith(prefix) ? name.slice(prefix.length) : name,
    type: p.isDirectory ? "directory" : "file",
    size: p.isDirectory ? 0 : Number(p.contentLength ?? 0),
    modified: p.lastModified ? p.lastModified.getTime() : NaN,
    owner: p.owner ?? "",
    group: p.group ?? "",
    permissions: p.permissions ? formatPermissions(p.permissions) : "",
  };
}

let cheapErrorDepth = 0;
let savedStackTraceLimit = Error.stackTraceLimit;

/**
 * Runs a listing with stack-trace capture off. The SDK's toRolePermissions
 * builds a RangeError (capturing a stack) on every call, three per listed
 * path, even when nothing is wrong; in a 1M-path listing that was 60 % of
 * the client's CPU (@azure/storage-file-datalake 12.31,
 * dist/commonjs/transforms.js). Only stack text is lost during the listing;
 * messages, types and codes are kept.
 */
async function* cheapErrors<T>(pages: AsyncIterable<T>): AsyncIterable<T> {
  if (cheapErrorDepth++ === 0) {
    savedStackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
  }
  try {
    yield* pages;
  } finally {
    if (--cheapErrorDepth === 0) Error.stackTraceLimit = savedStackTraceLimit;
  }
}

/**
 * Iterates SDK pages one page ahead: the next page is requested as soon as
 * one arrives, so the service (or test server) prepares it while this
 * process digests the current one.
 */
async function* prefetched<T>(pages: AsyncIterableIterator<T>): AsyncIterable<T> {
  let next = pages.next();
  for (;;) {
    const r = await next;
    if (r.done) return;
    next = pages.next();
    // Keep a failure of the page fetched ahead from surfacing as unhandled before it is awaited.
    next.catch(() => undefined);
    yield r.value;
  }
}

function firstLine(s: string | undefined): string {
  return (s ?? "").split("\n")[0];
}

function rwx(p: RolePermissions): string {
  return `${p.read ? "r" : "-"}${p.write ? "w" : "-"}${p.execute ? "x" : "-"}`;
}

/** "rwxr-x---" plus "+" when extended ACLs exist, the form the service sends. */
export function formatPermissions(p: PathPermissions): string {
  return `${rwx(p.owner)}${rwx(p.group)}${rwx(p.other)}${p.extendedAcls ? "+" : ""}`;
}

export function formatAclItem(item: PathAccessControlItem): string {
  return `${item.defaultScope ? "default:" : ""}${item.accessControlType}:${item.entityId}:${rwx(item.permissions)}`;
}
