/**
 * Retries for the data-plane calls. The SDK's own policy is switched off
 * (clients are built with maxTries 1) because it does not retry 429; this one
 * retries throttling (429, 503), timeouts (408, 504), server and gateway
 * errors (500, 502) and dropped connections with exponential backoff and full
 * jitter, honouring Retry-After (seconds or an HTTP date).
 */

export interface RetryOptions {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** First backoff ceiling; doubles per attempt up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 8, baseDelayMs: 250, maxDelayMs: 30_000 };

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const RETRY_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "ECONNABORTED", "REQUEST_SEND_ERROR", "UND_ERR_SOCKET"]);

interface ErrorLike {
  statusCode?: number;
  code?: string;
  message?: string;
  innerError?: unknown;
  response?: { headers?: { get(name: string): string | undefined } };
}

/** The SDK wraps recursive-ACL errors (DataLakeAclChangeFailedError); look through the wrapper. */
function unwrap(err: unknown): ErrorLike {
  const e = (err ?? {}) as ErrorLike;
  return e.innerError ? unwrap(e.innerError) : e;
}

export function isRetryable(err: unknown): boolean {
  const e = unwrap(err);
  if (e.statusCode !== undefined && e.statusCode !== 0) return RETRY_STATUS.has(e.statusCode);
  if (e.code && RETRY_CODES.has(e.code)) return true;
  return /socket hang up|ECONNRESET|other side closed/i.test(e.message ?? "");
}

/** Status or code of an error, for messages ("503", "ECONNRESET"). */
export function errorReason(err: unknown): string {
  const e = unwrap(err);
  const first = (e.message ?? String(err)).split("\n")[0];
  return e.statusCode ? `${e.statusCode} ${first}` : first;
}

function retryAfterMs(err: unknown): number | undefined {
  const value = unwrap(err).response?.headers?.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Runs `fn`, retrying retryable failures; `onRetry` is told about each one (counted in the summary). */
export async function withRetry<T>(
  fn: () => Promise<T>,
  opts: RetryOptions & { signal?: AbortSignal; onRetry?: (err: unknown, attempt: number, delayMs: number) => void },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (opts.signal?.aborted || attempt >= opts.maxAttempts || !isRetryable(err)) throw err;
      const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.max(retryAfterMs(err) ?? 0, Math.random() * ceiling);
      opts.onRetry?.(err, attempt, delay);
      await sleep(delay, opts.signal);
    }
  }
}
