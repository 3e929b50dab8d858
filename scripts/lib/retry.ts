/**
 * The one retry loop of the tools (DFS ACL client, WebHDFS/HTTP reader):
 * throttling (429, 503), timeouts (408, 504), server and gateway errors
 * (500, 502) and dropped connections are retried with exponential backoff
 * and full jitter, honouring Retry-After (seconds or an HTTP date). Each
 * attempt can get its own time limit, so a stalled socket is abandoned and
 * retried instead of hanging the call. Retries stop at whichever comes
 * first of `maxAttempts` and `budgetMs`.
 *
 * Why: "When your application reaches the limit of what a partition can
 * handle [...] Azure Storage begins to return error code 503 (Server Busy)
 * or error code 500 (Operation Timeout) [...] consider [...] an exponential
 * backoff policy for retries" (learn.microsoft.com/azure/storage/common/
 * scalability-targets-resource-provider). Retry-After: RFC 9110 §10.2.3.
 */

export interface RetryOptions {
  /** Attempts in total, the first included; 1-1000. Default: no cap (the budget decides). */
  maxAttempts?: number;
  /**
   * Time from the first attempt after which no retry is started, in ms;
   * 0-3 600 000. Long enough to ride out minutes of throttling. Default: no
   * cap (maxAttempts decides); with neither, DEFAULT_ATTEMPTS attempts.
   */
  budgetMs?: number;
  /** First backoff ceiling in ms, doubled per attempt up to maxDelayMs; 1-60 000. Default 250. */
  baseDelayMs?: number;
  /** Longest backoff in ms (Retry-After may ask for longer and is honoured); 1-300 000. Default 30 000. */
  maxDelayMs?: number;
  /** Time limit of one attempt in ms; an attempt that runs out is retried as a timeout. 1-3 600 000. Default: none. */
  timeoutMs?: number;
}

/** Attempts when neither maxAttempts nor budgetMs is given. */
export const DEFAULT_ATTEMPTS = 5;
const DEFAULT_BASE_DELAY_MS = 250;
const DEFAULT_MAX_DELAY_MS = 30_000;

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const RETRY_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "ECONNABORTED", "REQUEST_SEND_ERROR", "UND_ERR_SOCKET"]);

interface ErrorLike {
  statusCode?: number;
  code?: string;
  message?: string;
  name?: string;
  innerError?: unknown;
  cause?: unknown;
  response?: { headers?: { get(name: string): string | undefined } };
}

/** The Azure SDK wraps recursive-ACL errors (DataLakeAclChangeFailedError), fetch wraps network errors in `cause`: look through both. */
function unwrap(err: unknown): ErrorLike {
  const e = (err ?? {}) as ErrorLike;
  if (e.innerError) return unwrap(e.innerError);
  if (e.cause && typeof e.cause === "object" && (e.cause as ErrorLike).code) return unwrap(e.cause);
  return e;
}

/** An attempt that ran past `timeoutMs`. */
export class AttemptTimeout extends Error {
  readonly code = "ETIMEDOUT";
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs / 1000} s`);
    this.name = "AttemptTimeout";
  }
}

/** A failure status (HTTP clients that do not throw on one): carries what retry needs. */
export class StatusError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly retryAfter?: string,
  ) {
    super(message);
  }
}

/** Whether an error is throttling, a transient server error, a timeout or a dropped connection. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof AttemptTimeout) return true;
  const e = unwrap(err);
  if (e.statusCode !== undefined && e.statusCode !== 0) return RETRY_STATUS.has(e.statusCode);
  if (e.code && RETRY_CODES.has(e.code)) return true;
  return /socket hang up|ECONNRESET|other side closed/i.test(e.message ?? "");
}

/** Throttling or a timeout: the service asks for less load (what adaptive concurrency reacts to). */
export function isThrottling(err: unknown): boolean {
  if (err instanceof AttemptTimeout) return true;
  const status = unwrap(err).statusCode;
  return status === 429 || status === 503 || status === 408 || status === 504;
}

/** Status or code of an error, for messages ("503 ...", "ECONNRESET"). */
export function errorReason(err: unknown): string {
  if (err instanceof AttemptTimeout) return err.message;
  const e = unwrap(err);
  const first = (e.message ?? String(err)).split("\n")[0];
  return e.statusCode ? `${e.statusCode} ${first}` : first;
}

function retryAfterMs(err: unknown): number | undefined {
  const e = unwrap(err);
  const value = err instanceof StatusError ? err.retryAfter : e.response?.headers?.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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

export interface RetryCallOptions extends RetryOptions {
  signal?: AbortSignal;
  /** Told about each retry before its wait. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Which errors to retry; default isRetryable. */
  retryable?: (err: unknown) => boolean;
}

/** The signal of one attempt: the caller's, plus the attempt's own time limit. */
function attemptSignal(opts: RetryCallOptions): { signal?: AbortSignal; timedOut(): boolean } {
  if (!opts.timeoutMs) return { signal: opts.signal, timedOut: () => false };
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  return { signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout, timedOut: () => timeout.aborted && !opts.signal?.aborted };
}

/** Runs `fn` (given the attempt's abort signal), retrying retryable failures within the attempt cap and time budget. */
export async function withRetry<T>(fn: (signal?: AbortSignal) => Promise<T>, opts: RetryCallOptions = {}): Promise<T> {
  const started = Date.now();
  const maxAttempts = opts.maxAttempts ?? (opts.budgetMs === undefined ? DEFAULT_ATTEMPTS : Infinity);
  const budget = opts.budgetMs ?? Infinity;
  const base = opts.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const max = opts.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  for (let attempt = 1; ; attempt++) {
    const a = attemptSignal(opts);
    try {
      return await fn(a.signal);
    } catch (caught) {
      const err = a.timedOut() ? new AttemptTimeout(opts.timeoutMs!) : caught;
      if (opts.signal?.aborted || attempt >= maxAttempts || !(opts.retryable ?? isRetryable)(err)) throw err;
      const ceiling = Math.min(max, base * 2 ** Math.min(attempt - 1, 30));
      const delay = Math.max(retryAfterMs(err) ?? 0, Math.random() * ceiling);
      if (Date.now() + delay - started > budget) throw err;
      opts.onRetry?.(err, attempt, delay);
      await sleep(delay, opts.signal);
    }
  }
}
