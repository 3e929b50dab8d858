/** Request counters a test or benchmark reads back (`server.stats`). */
export interface DfsStats {
  /** Every HTTP request received, including rejected ones. */
  requests: number;
  /** Requests that change state (PUT, PATCH, DELETE, POST), counted whether or not they succeed. */
  writes: number;
  /** Requests refused with 503 ServerBusy by the capacity model (capacityPathsPerSecond). */
  throttled: number;
  /** Completed recursive ACL batches. */
  recursiveBatches: number;
  /** Request count per operation, e.g. "PATCH setAccessControlRecursive", "GET listPaths". */
  byOperation: Record<string, number>;
  /** "<fs>/<path>" → times a recursive ACL batch processed it (only with trackProcessed). */
  processed: Map<string, number>;
}

export function newStats(): DfsStats {
  return { requests: 0, writes: 0, throttled: 0, recursiveBatches: 0, byOperation: {}, processed: new Map() };
}

/** Clears in place: callers hold the object. */
export function resetStats(stats: DfsStats): void {
  stats.requests = 0;
  stats.writes = 0;
  stats.throttled = 0;
  stats.recursiveBatches = 0;
  stats.byOperation = {};
  stats.processed.clear();
}

/** Counts one arriving request; returns its operation name and its ordinal within that operation. */
export function countRequest(stats: DfsStats, method: string, query: URLSearchParams, segments: string[]): { op: string; n: number; nOfOp: number } {
  stats.requests += 1;
  if (method !== "GET" && method !== "HEAD") stats.writes += 1;
  const op = operationName(method, query, segments);
  stats.byOperation[op] = (stats.byOperation[op] ?? 0) + 1;
  return { op, n: stats.requests, nOfOp: stats.byOperation[op] };
}

/** The key of stats.byOperation, e.g. "GET listPaths", "PATCH setAccessControlRecursive", "PUT create file". */
export function operationName(method: string, query: URLSearchParams, segments: string[]): string {
  const action = query.get("action");
  if (action) return `${method} ${action}`;
  if (query.get("comp") === "list") return `${method} listContainers`;
  if (query.get("resource") === "filesystem" && method === "GET") return "GET listPaths";
  if (query.get("restype") === "container" || query.get("resource") === "filesystem") return `${method} filesystem`;
  if (query.get("resource")) return `${method} create ${query.get("resource")}`;
  return `${method} ${segments.length > 1 ? "path" : "account"}`;
}
