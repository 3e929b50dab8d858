import { AttemptTimeout, RetryCallOptions, RetryOptions, StatusError, isRetryable, withRetry } from "../lib/retry";
import { SourceError } from "./types";

/**
 * Retries of the WebHDFS/HTTP reader: 4 after the first attempt, 60 s per
 * attempt (a stall mid-body is caught too), backoff from 250 ms. The range of
 * each field is documented on RetryOptions.
 */
export const DEFAULT_HTTP_RETRY = { maxAttempts: 5, baseDelayMs: 250, timeoutMs: 60_000 } satisfies RetryOptions;

/** A refused connection or unknown host is reported at once: it does not heal by waiting. */
function transient(err: unknown): boolean {
  return isRetryable(err) && networkCode(err) !== "ECONNREFUSED";
}

/**
 * GET with bounded retries for throttling and transient failures; every
 * failure becomes a SourceError that names the source as the user wrote it.
 */
export async function getJson(url: string, headers: Record<string, string>, describe: string, retry: RetryOptions & Pick<RetryCallOptions, "onRetry" | "signal"> = {}): Promise<unknown> {
  const opts = { ...DEFAULT_HTTP_RETRY, ...retry };
  let res: { status: number; text: string };
  try {
    res = await withRetry(
      async (signal) => {
        const r = await fetch(url, { headers, signal });
        // The time limit covers the body too, so a stall mid-body is caught here as well.
        const text = await r.text();
        if (!r.ok && isRetryable({ statusCode: r.status })) throw new StatusError(r.status, text, r.headers.get("retry-after") ?? undefined);
        return { status: r.status, text };
      },
      { ...opts, retryable: transient },
    );
  } catch (err) {
    // Stopped by the caller: its reason, not a "cannot reach".
    if (retry.signal?.aborted) throw retry.signal.reason;
    if (err instanceof StatusError) res = { status: err.statusCode, text: err.message };
    else {
      const why = err instanceof AttemptTimeout ? err.message : networkCode(err) || (err as Error).message;
      throw new SourceError(`cannot reach ${describe} (${new URL(url).host}): ${why}`);
    }
  }
  if (res.status >= 200 && res.status < 300) {
    try {
      return JSON.parse(res.text) as unknown;
    } catch {
      throw new SourceError(`${describe}: the service returned a response that is not JSON (HTTP ${res.status})`);
    }
  }
  throw new HttpError(res.status, `${describe}: HTTP ${res.status} from ${new URL(url).pathname}: ${serviceMessage(res.text)}`);
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
