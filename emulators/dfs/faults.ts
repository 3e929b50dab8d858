import type { ServerResponse } from "http";
import { HttpError } from "./http";

/**
 * The statuses a fault can inject. Azure Storage throttles with 503
 * ServerBusy (Hadoop ABFS, AzureServiceErrorCode: INGRESS_OVER_ACCOUNT_LIMIT,
 * EGRESS_OVER_ACCOUNT_LIMIT, TPS_OVER_ACCOUNT_LIMIT, OTHER_SERVER_THROTTLING
 * are all "ServerBusy", HTTP 503); it is the default. 429 exists only as an
 * explicit choice, for clients that must also survive other services.
 */
export type InjectedStatus = 408 | 429 | 500 | 502 | 503 | 504;

/** Faults a test injects; `server.faults` can be replaced while the server runs. */
export interface DfsFaults {
  /** Every request takes at least this long to answer, counted from its arrival (models network + service time). */
  latencyMs?: number;
  /** Extra service time per path an ACL write changes (recursive batches: per path processed). */
  perPathLatencyMs?: number;
  /**
   * Every n-th request (counting all requests) fails before doing anything,
   * with `status` (default 503 ServerBusy) and, when given, a Retry-After header.
   */
  failEvery?: { n: number; status?: InjectedStatus; retryAfterSeconds?: number };
  /**
   * The first `count` requests of one operation (as named in stats.byOperation,
   * e.g. "GET listPaths"), counted since the last resetStats, fail with
   * `status` (default 503 ServerBusy), with Retry-After when given.
   */
  failFirst?: { operation: string; count: number; status?: InjectedStatus; retryAfterSeconds?: number };
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
  /** listPaths answers a request that carries a continuation with that same continuation again (a service stuck on one page). */
  repeatContinuation?: boolean;
  /**
   * Capacity model of an account at its limit: a token bucket refilled at
   * this many paths per second (burst: one second's worth) over the paths
   * requests touch (paths a recursive ACL batch processes, entries a listing
   * returns, paths created, paths whose ACL is set). A request of those kinds
   * arriving while the bucket is empty gets 503 ServerBusy "Operations per
   * second is over the account limit." and changes nothing. Unset: no limit.
   */
  capacityPathsPerSecond?: number;
  /** Extra service time of every Path List page (a benchmark models 200 ms). */
  pageLatencyMs?: number;
}

/** The message the service sends with a throttling 503 that is not about the account's rate (ABFS OTHER_SERVER_THROTTLING). */
const SERVER_BUSY = "The server is currently unable to receive requests. Please retry your request.";

function injectedError(status: InjectedStatus = 503): HttpError {
  if (status === 503) return new HttpError(503, "ServerBusy", SERVER_BUSY);
  if (status === 429) return new HttpError(429, "TooManyRequests", "injected failure");
  if (status === 408 || status === 504) return new HttpError(status, "OperationTimedOut", "injected failure");
  return new HttpError(status, "InternalError", "injected failure");
}

/** Whether this request's connection is to be destroyed before anything else (resetEvery). */
export function resetDue(f: DfsFaults, n: number): boolean {
  return f.resetEvery !== undefined && f.resetEvery > 0 && n % f.resetEvery === 0;
}

/** Throws the injected failure this authenticated request gets (failEvery, failFirst), if any. */
export function throwInjectedFault(f: DfsFaults, req: { n: number; op: string; nOfOp: number }, res: ServerResponse): void {
  const fault = f.failEvery && req.n % f.failEvery.n === 0 ? f.failEvery : f.failFirst && f.failFirst.operation === req.op && req.nOfOp <= f.failFirst.count ? f.failFirst : undefined;
  if (!fault) return;
  if (fault.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(fault.retryAfterSeconds));
  throw injectedError(fault.status);
}

/** The relative paths of `fsName` whose ACL writes fail (failPaths). */
export function failingPaths(f: DfsFaults, fsName: string): Set<string> {
  const prefix = `${fsName}/`;
  return new Set((f.failPaths ?? []).filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length)));
}


