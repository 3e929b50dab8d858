import {
  DataLakeFileSystemClient,
  DataLakeServiceClient,
  PathAccessControlItem,
  RolePermissions,
  StorageSharedKeyCredential,
} from "@azure/storage-file-datalake";
import pLimit from "p-limit";
import { withRetry } from "../lib/retry";
import { DEFAULT_LIST_CONCURRENCY, DirectoryPage, listByDirectory } from "./byDirectory";
import { DfsCredential, DfsListClient, ListedPath, isSharedKey } from "./dfsList";
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
  /** A token credential (Entra ID), or the account's key for Shared Key signing. */
  credential: DfsCredential;
  describe: string;
  pageSize?: number;
  aclConcurrency?: number;
  /** Attempts per listing page and per ACL read, the first included (scripts/lib/retry.ts rules); 1-1000. Default 4. */
  maxTries?: number;
  /**
   * "recursive": one recursive listPaths stream. "by-directory": each
   * directory listed on its own, many at once (see listByDirectory).
   * "auto" (default): recursive when the root is one page holding 1 to
   * PARALLEL_MIN_DIRECTORIES - 1 directories, else by directory.
   */
  listing?: ListingMode;
  /** Directories listed at once at most in the by-directory listing (adaptive below it), 1-256. Default 64. */
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
  /** ACL reads only: the SDK's getAccessControl, with its own retries. */
  private readonly fs: DataLakeFileSystemClient;
  private readonly lister: DfsListClient;

  constructor(private readonly opts: Gen2Options) {
    this.describe = opts.describe;
    const c = opts.credential;
    const sdkCredential = isSharedKey(c) ? new StorageSharedKeyCredential(c.accountName, c.accountKey) : c;
    const service = new DataLakeServiceClient(opts.accountUrl, sdkCredential, {
      retryOptions: { maxTries: opts.maxTries ?? 4, retryDelayInMs: 500, maxRetryDelayInMs: 8000 },
    });
    this.fs = service.getFileSystemClient(opts.filesystem);
    this.lister = new DfsListClient(opts.accountUrl, opts.filesystem, c);
  }

  async *list(listOpts: ListOptions = {}): AsyncIterable<PathEntry> {
    const root = relativePath(this.opts.root);
    const prefix = root === "" ? "" : `${root}/`;
    const limit = pLimit(this.opts.aclConcurrency ?? 16);
    try {
      for await (const items of cheapErrors(this.pages(root, listOpts.signal))) {
        const entries = items.map((p) => toEntry(p, prefix));
        if (listOpts.acls) {
          await Promise.all(entries.map((e) => limit(async () => (e.acl = await this.acl(prefix + e.path, listOpts.signal)))));
        }
        yield* entries;
      }
    } catch (err) {
      // Stopped by the caller: its reason, not a "cannot reach".
      if (listOpts.signal?.aborted) throw listOpts.signal.reason;
      throw this.explain(err);
    }
  }

  /** Pages of the tree under `root`, by the listing the options choose. */
  private async *pages(root: string, stop: AbortSignal | undefined): AsyncIterable<ListedPath[]> {
    const mode = this.opts.listing ?? "auto";
    if (mode === "recursive") return yield* this.recursivePages(root, stop);
    const probe = await this.retried((signal) => this.directoryPage(root, undefined, signal, true), stop);
    // A root without folders in one page is all there is: the probe is the listing, whatever the mode.
    const few = probe.subdirectories.length > 0 && probe.subdirectories.length < PARALLEL_MIN_DIRECTORIES;
    if (mode === "auto" && few && probe.continuation === undefined) {
      return yield* this.recursivePages(root, stop);
    }
    yield* listByDirectory(root, (dir, token, ctx) => this.directoryPage(dir, token, ctx.signal, dir === root), {
      maxConcurrency: this.opts.maxConcurrency ?? DEFAULT_LIST_CONCURRENCY,
      retry: { maxAttempts: this.opts.maxTries ?? 4, timeoutMs: PAGE_TIMEOUT_MS },
      firstPage: probe,
      abortSignal: stop,
      onRepeatedToken: () => this.repeatedToken(),
    });
  }

  /**
   * One recursive stream of pages, fetched one page ahead. Bounded: a
   * service that hands out a token again would be listed forever, so each
   * token (one per page of 5000) is kept and a repeat stops the listing.
   */
  private async *recursivePages(root: string, stop: AbortSignal | undefined): AsyncIterable<ListedPath[]> {
    const seen = new Set<string>();
    const fetch = (continuation: string | undefined) =>
      this.retried((signal) => this.lister.list({ directory: root, recursive: true, continuation, maxResults: this.pageSize(), abortSignal: signal }), stop);
    let next = fetch(undefined);
    for (;;) {
      const page = await next;
      const token = page.continuation;
      if (token !== undefined) {
        if (seen.has(token)) throw this.repeatedToken();
        seen.add(token);
        next = fetch(token);
        // Keep a failure of the page fetched ahead from surfacing as unhandled before it is awaited.
        next.catch(() => undefined);
      }
      yield page.paths;
      if (token === undefined) return;
    }
  }

  /**
   * One non-recursive page of `dir`. A subdirectory deleted after its
   * parent was listed answers 404 PathNotFound: it has no children left to
   * list, so that page is empty.
   * Path - List (learn.microsoft.com/rest/api/storageservices/datalakestoragegen2/path/list):
   * with recursive=false only the paths directly in `directory` are listed,
   * at most 5 000 a call, the rest behind the x-ms-continuation token; a
   * directory that does not exist is an error.
   */
  private async directoryPage(dir: string, token: string | undefined, signal: AbortSignal | undefined, isRoot: boolean): Promise<DirectoryPage<ListedPath>> {
    let page;
    try {
      page = await this.lister.list({ directory: dir, recursive: false, continuation: token, maxResults: this.pageSize(), abortSignal: signal });
    } catch (err) {
      if (!isRoot && statusOf(err) === 404 && errorCodeOf(err) === "PathNotFound") return { entries: [], subdirectories: [] };
      throw err;
    }
    return {
      entries: page.paths,
      subdirectories: page.paths.filter(isDirectory).map((p) => p.name ?? ""),
      continuation: page.continuation,
    };
  }

  /** `stop`: the caller's signal (ListOptions.signal), which ends the request in flight and the retries. */
  private retried<T>(fn: (signal?: AbortSignal) => Promise<T>, stop: AbortSignal | undefined): Promise<T> {
    return withRetry(fn, { maxAttempts: this.opts.maxTries ?? 4, timeoutMs: PAGE_TIMEOUT_MS, signal: stop });
  }

  private pageSize(): number {
    return this.opts.pageSize ?? GEN2_PAGE_SIZE;
  }

  private repeatedToken(): SourceError {
    return new SourceError(`${this.describe}: listPaths: the service returned a token it returned before; stopped instead of listing forever`);
  }

  private async acl(path: string, abortSignal: AbortSignal | undefined): Promise<string> {
    const res = await this.fs.getFileClient(path).getAccessControl({ abortSignal });
    return res.acl.map(formatAclItem).join(",");
  }

  private explain(err: unknown): Error {
    if (err instanceof SourceError) return err;
    const e = err as { statusCode?: number; code?: string; message?: string };
    const code = errorCodeOf(err);
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

function isDirectory(p: ListedPath): boolean {
  return p.isDirectory === true || p.isDirectory === "true";
}

function toEntry(p: ListedPath, prefix: string): PathEntry {
  const name = p.name ?? "";
  const dir = isDirectory(p);
  return {
    path: name.startsWith(prefix) ? name.slice(prefix.length) : name,
    type: dir ? "directory" : "file",
    size: dir ? 0 : Number(p.contentLength ?? 0),
    modified: p.lastModified ? httpDate(p.lastModified) : NaN,
    owner: p.owner ?? "",
    group: p.group ?? "",
    permissions: p.permissions ?? "",
  };
}

let lastDate = { text: "", ms: NaN };

/** Date.parse of an RFC 1123 date; paths written in the same second share the text, so the last one is reused. */
function httpDate(text: string): number {
  if (text !== lastDate.text) lastDate = { text, ms: Date.parse(text) };
  return lastDate.ms;
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

/** The service's error code: RestError.code from our lister, details.errorCode from the SDK's clients. */
function errorCodeOf(err: unknown): string {
  const e = err as { code?: string; details?: { errorCode?: string } };
  return e.details?.errorCode ?? e.code ?? "";
}

let cheapErrorDepth = 0;
let savedStackTraceLimit = Error.stackTraceLimit;

/**
 * Runs a listing with stack-trace capture off. The SDK's toRolePermissions
 * builds a RangeError (capturing a stack) on every call, even when nothing
 * is wrong; getAccessControl calls it once per ACL entry, so with `acls` it
 * dominated the client's CPU (@azure/storage-file-datalake 12.31,
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

function firstLine(s: string | undefined): string {
  return (s ?? "").split("\n")[0];
}

function rwx(p: RolePermissions): string {
  return `${p.read ? "r" : "-"}${p.write ? "w" : "-"}${p.execute ? "x" : "-"}`;
}

export function formatAclItem(item: PathAccessControlItem): string {
  return `${item.defaultScope ? "default:" : ""}${item.accessControlType}:${item.entityId}:${rwx(item.permissions)}`;
}
