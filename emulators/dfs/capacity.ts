/**
 * The account's rate limit as a token bucket over paths touched: refilled at
 * `rate` tokens per second up to one second's worth. A request is admitted
 * while the bucket holds at least one token and is charged for what it touched once it
 * ran (so a 2000-path batch can take the bucket into debt, and the next
 * requests wait for it to refill): over time the admitted work matches the rate.
 */
export class CapacityBucket {
  private tokens = 0;
  private rate = 0;
  private last = 0;

  /** Whether a request may run now; always true without a rate. */
  admit(rate: number | undefined, now = performance.now()): boolean {
    if (!rate || rate <= 0) return true;
    if (rate !== this.rate) {
      // A new (or first) limit starts with a full bucket.
      this.rate = rate;
      this.tokens = rate;
      this.last = now;
    }
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    // At least one path's worth, so that a few milliseconds of refill after a
    // request that emptied the bucket do not admit the next one.
    return this.tokens >= 1;
  }

  /** Charges the paths a request touched. */
  charge(paths: number): void {
    if (this.rate > 0) this.tokens -= paths;
  }
}

/** The operations the capacity model counts (stats.byOperation names): the ones that touch paths. */
export const CAPACITY_OPERATIONS: ReadonlySet<string> = new Set([
  "PATCH setAccessControlRecursive",
  "PATCH setAccessControl",
  "GET listPaths",
  "PUT create file",
  "PUT create directory",
]);
