import { SourceError } from "./types";

/** Statuses worth retrying: throttling and transient server errors. */
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);
/** Network errors worth retrying; a refused connection or unknown host is reported at once. */
const TRANSIENT_NET = new Set(["ECONNRESET", "ETIMEDOUT", "EPIPE", "UND_ERR_SOCKET"]);

export interface RetryOptions {
  /** Attempts after the first (default 4). */
  retries?: number;
  /** First back-off in ms, doubled each attempt (default 250). */
  backoffMs?: number;
  /** Per-request time limit in ms (default 60 s); a request that runs out is retried. */
  timeoutMs?: number;
}

/**
 * GET with bounded retries for throttling and transient failures; every
 * failure becomes a SourceError that names the source as the user wrote it.
 */
export async function getJson(url: string, headers: Record<string, string>, describe: string, retry: RetryOptions = {}): Promise<unknown> {
  const retries = retry.retries ?? 4;
  const backoff = retry.backoffMs ?? 250;
  for (let attempt = 0; ; attempt++) {
    const timeoutMs = retry.timeoutMs ?? 60_000;
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
      // The time limit covers the body too, so a stall mid-body is caught here as well.
      text = await res.text();
    } catch (err) {
      const code = networkCode(err);
      // A stalled request is as transient as a reset one.
      const timedOut = (err as Error).name === "TimeoutError";
      if (attempt < retries && (TRANSIENT_NET.has(code) || timedOut)) {
        await sleep(backoff * 2 ** attempt);
        continue;
      }
      const why = timedOut ? `no answer within ${timeoutMs / 1000} s` : code || (err as Error).message;
      throw new SourceError(`cannot reach ${describe} (${new URL(url).host}): ${why}`);
    }
    if (res.ok) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new SourceError(`${describe}: the service returned a response that is not JSON (HTTP ${res.status})`);
      }
    }
    if (attempt < retries && TRANSIENT.has(res.status)) {
      const after = Number(res.headers.get("retry-after"));
      await sleep(Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 30_000) : backoff * 2 ** attempt);
      continue;
    }
    throw new HttpError(res.status, `${describe}: HTTP ${res.status} from ${new URL(url).pathname}: ${serviceMessage(text)}`);
  }
}

/** A non-transient HTTP failure; `status` lets callers word 401/403/404 for the user. */
export class HttpError extends SourceError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function serviceMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { RemoteException?: { message?: string }; error?: { message?: string } };
    return body.RemoteException?.message ?? body.error?.message ?? text.slice(0, 200);
  } catch {
    return text.slice(0, 200) || "(empty body)";
  }
}

function networkCode(err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code ?? (err as { code?: string }).code ?? "";
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
