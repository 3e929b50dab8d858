import type { ServerResponse } from "http";
import { HttpError } from "./http";

/** Faults a test injects; `server.faults` can be replaced while the server runs. */
export interface DfsFaults {
  /** Every request takes at least this long to answer, counted from its arrival (models network + service time). */
  latencyMs?: number;
  /** Extra service time per path an ACL write changes (recursive batches: per path processed). */
  perPathLatencyMs?: number;
  /** Every n-th request (counting all requests) fails with this status before doing anything. */
  failEvery?: { n: number; status: 429 | 500 | 503 };
  /**
   * The first `count` requests of one operation (as named in stats.byOperation,
   * e.g. "GET listPaths"), counted since the last resetStats, fail with this status.
   */
  failFirst?: { operation: string; count: number; status: 408 | 429 | 500 | 502 | 503 | 504; retryAfterSeconds?: number };
  /** Every n-th request has its connection destroyed before doing anything. */
  resetEvery?: number;
  /**
   * After this many successful recursive ACL batches, further recursive ACL
   * requests hang until the server closes ("hang", a stuck service or a
   * process killed mid-request), get their connection reset, or fail with 500.
   */
  failAfterBatches?: { batches: number; action: "hang" | "reset" | "error" };
  /** "<filesystem>/<path>" entries whose ACL writes fail with 403 (recursive: reported in failedEntries). */
  failPaths?: string[];
}

function injectedError(status: number): HttpError {
  return new HttpError(status, status === 429 ? "TooManyRequests" : status === 503 ? "ServerBusy" : "InternalError", "injected failure");
}

/** Whether this request's connection is to be destroyed before anything else (resetEvery). */
export function resetDue(f: DfsFaults, n: number): boolean {
  return f.resetEvery !== undefined && f.resetEvery > 0 && n % f.resetEvery === 0;
}

/** Throws the injected failure this authenticated request gets (failEvery, failFirst), if any. */
export function throwInjectedFault(f: DfsFaults, req: { n: number; op: string; nOfOp: number }, res: ServerResponse): void {
  if (f.failEvery && req.n % f.failEvery.n === 0) throw injectedError(f.failEvery.status);
  if (f.failFirst && f.failFirst.operation === req.op && req.nOfOp <= f.failFirst.count) {
    if (f.failFirst.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(f.failFirst.retryAfterSeconds));
    throw new HttpError(f.failFirst.status, f.failFirst.status === 429 ? "TooManyRequests" : "ServerBusy", "injected failure");
  }
}

/** The relative paths of `fsName` whose ACL writes fail (failPaths). */
export function failingPaths(f: DfsFaults, fsName: string): Set<string> {
  const prefix = `${fsName}/`;
  return new Set((f.failPaths ?? []).filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length)));
}
