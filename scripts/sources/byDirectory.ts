import { AdaptiveLimit } from "../lib/adaptiveLimit";
import { RetryOptions, isThrottling, withRetry } from "../lib/retry";

/** One page of one directory's non-recursive listing. */
export interface DirectoryPage<T> {
  entries: T[];
  /** Full paths (as fetchPage takes them) of the directories among `entries`. */
  subdirectories: string[];
  /** Token of the next page of the same directory; absent on its last page. */
  continuation?: string;
}

/** What a fetch gets: the listing's abort signal, and where to report its own retries (a fetcher that retries itself). */
export interface FetchContext {
  signal?: AbortSignal;
  onRetry: (err: unknown) => void;
}

/** Fetches one page of `directory` (non-recursive), from its start or from `continuation`. */
export type FetchPage<T> = (directory: string, continuation: string | undefined, ctx: FetchContext) => Promise<DirectoryPage<T>>;

export interface ByDirectoryOptions<T> {
  /** Directories listed at once at most (the AIMD limit's ceiling), 1-256. Default 64. */
  maxConcurrency?: number;
  /**
   * Directories waiting to be listed, kept in memory, 1-10 000 000. A
   * directory found while the queue is full is listed at once by the worker
   * that found it (depth first), so memory stays bounded whatever the tree's
   * shape. Default 100 000.
   */
  maxQueuedDirectories?: number;
  /**
   * Retries of each page (throttling, timeouts, 5xx, dropped connections)
   * by withRetry; every throttling retry cuts the limit. Unset: no retries
   * here, for a fetchPage that retries itself and reports through ctx.onRetry.
   */
  retry?: RetryOptions;
  abortSignal?: AbortSignal;
  /** The root's first page when the caller already fetched it (the auto mode's probe). */
  firstPage?: DirectoryPage<T>;
  /** A token a directory's listing returned before: the caller's error (a service handing out one token forever). */
  onRepeatedToken?: (directory: string, token: string) => Error;
}

export const DEFAULT_LIST_CONCURRENCY = 64;
export const MAX_LIST_CONCURRENCY = 256;
export const DEFAULT_MAX_QUEUED_DIRECTORIES = 100_000;

/**
 * Lists a tree one directory at a time, many directories at once: a LIFO
 * work queue of directories, pages fetched under an AdaptiveLimit (AIMD
 * within maxConcurrency, cut on 503/429/timeouts), yielded as they arrive (in
 * no particular order). At most 2×maxConcurrency pages wait for the consumer;
 * workers stop fetching while they wait.
 */
export async function* listByDirectory<T>(root: string, fetchPage: FetchPage<T>, opts: ByDirectoryOptions<T> = {}): AsyncIterable<T[]> {
  const max = opts.maxConcurrency ?? DEFAULT_LIST_CONCURRENCY;
  const maxQueued = opts.maxQueuedDirectories ?? DEFAULT_MAX_QUEUED_DIRECTORIES;
  const limit = new AdaptiveLimit({ max });
  const abort = new AbortController();
  const signal = opts.abortSignal ? AbortSignal.any([opts.abortSignal, abort.signal]) : abort.signal;
  const queue: string[] = [];
  const ready: T[][] = [];
  const spaceWaiters: (() => void)[] = [];
  let running = 0;
  let failure: { err: unknown } | undefined;
  let notify: (() => void) | undefined;
  const wakeConsumer = () => {
    notify?.();
    notify = undefined;
  };

  const deliver = async (entries: T[]) => {
    while (ready.length >= 2 * max && !signal.aborted) await new Promise<void>((r) => spaceWaiters.push(r));
    ready.push(entries);
    wakeConsumer();
  };

  const onRetry = (err: unknown) => (isThrottling(err) ? limit.throttled() : undefined);
  const fetchWithRetry = (dir: string, token: string | undefined) =>
    limit.run(async () => {
      const page = opts.retry
        ? await withRetry((s) => fetchPage(dir, token, { signal: s, onRetry }), { ...opts.retry, signal, onRetry })
        : await fetchPage(dir, token, { signal, onRetry });
      limit.succeeded();
      return page;
    });

  const walk = async (dir: string, first?: DirectoryPage<T>): Promise<void> => {
    const seen = new Set<string>();
    let page = first ?? (await fetchWithRetry(dir, undefined));
    for (;;) {
      await deliver(page.entries);
      for (const sub of page.subdirectories) {
        if (queue.length < maxQueued) queue.push(sub);
        else await walk(sub);
      }
      const token = page.continuation;
      if (!token || signal.aborted) return;
      if (seen.has(token)) throw opts.onRepeatedToken?.(dir, token) ?? new Error(`${dir}: listing returned a continuation token twice`);
      seen.add(token);
      page = await fetchWithRetry(dir, token);
    }
  };

  const start = (dir: string, first?: DirectoryPage<T>) => {
    running += 1;
    walk(dir, first)
      .catch((err: unknown) => {
        failure ??= { err };
        abort.abort();
      })
      .finally(() => {
        running -= 1;
        wakeConsumer();
      });
  };

  try {
    start(root, opts.firstPage);
    for (;;) {
      while (queue.length > 0 && running < limit.limit && !failure) start(queue.pop()!);
      if (failure) throw failure.err;
      const entries = ready.shift();
      if (entries) {
        spaceWaiters.shift()?.();
        yield entries;
        continue;
      }
      if (running === 0 && queue.length === 0) return;
      await new Promise<void>((r) => (notify = r));
    }
  } finally {
    // The consumer stopped early or a worker failed: stop the others and release those waiting for space.
    abort.abort();
    for (const w of spaceWaiters.splice(0)) w();
  }
}
