/**
 * Concurrency that finds what the service sustains, as TCP does (AIMD):
 * start modest, raise the limit while requests succeed (by one per success
 * until the first sign of overload, then by about one per `limit`
 * successes), cut it to 0.7 of itself when the service throttles (503
 * ServerBusy, 429, timeouts), never above `max`. 0.7 is CUBIC's
 * multiplicative decrease (RFC 8312 §4.5, β_cubic = 0.7): halving (Reno)
 * left a capacity-limited account at ~65 % of its rate after one cut in
 * bench:acl, because climbing back costs one step per `limit` successes. A burst of throttled answers to requests that
 * were in flight together counts as one signal: after a cut, further signals
 * are ignored for `cooldownMs`.
 *
 * Why adapt: Azure Storage answers 503 Server Busy / 500 Operation Timeout at
 * a partition's limit and asks clients to back off
 * (learn.microsoft.com/azure/storage/common/scalability-targets-resource-provider);
 * AzCopy's and Hadoop ABFS's client-side throttling both adapt the same way.
 */

export interface AdaptiveLimitOptions {
  /** Upper bound, 1-256. */
  max: number;
  /** Where to start, 1-max; default min(max, 4). */
  initial?: number;
  /** false: stay at `initial` (a fixed --concurrency). Default true. */
  adaptive?: boolean;
  /** Signals ignored after a cut, in ms; 0-60 000, default 1000. */
  cooldownMs?: number;
}

export const DEFAULT_INITIAL_CONCURRENCY = 4;
/** Multiplicative decrease on throttling (see above). */
const DECREASE = 0.7;

export class AdaptiveLimit {
  private current: number;
  private credit = 0;
  private running = 0;
  private slowStart = true;
  private lastCut = -Infinity;
  private readonly queue: (() => void)[] = [];
  /** Highest limit reached. */
  peak: number;
  /** Cuts made (throttling signals acted on). */
  cuts = 0;

  constructor(private readonly opts: AdaptiveLimitOptions) {
    this.current = Math.max(1, Math.min(opts.max, opts.initial ?? DEFAULT_INITIAL_CONCURRENCY));
    this.peak = this.current;
  }

  /** The limit now. */
  get limit(): number {
    return this.current;
  }

  /** Runs `fn` once fewer than `limit` tasks run. */
  run = async <T>(fn: () => Promise<T>): Promise<T> => {
    // `running` counts started tasks and those woken to start (their slot is taken for them in wake).
    if (this.running < this.current) this.running += 1;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await fn();
    } finally {
      this.running -= 1;
      this.wake();
    }
  };

  /** A request succeeded: additive increase. */
  succeeded(): void {
    if (this.opts.adaptive === false || this.current >= this.opts.max) return;
    this.credit += this.slowStart ? 1 : 1 / this.current;
    if (this.credit < 1) return;
    this.credit = 0;
    this.current += 1;
    this.peak = Math.max(this.peak, this.current);
    this.wake();
  }

  /** The service throttled or timed out: multiplicative decrease, once per cooldown. */
  throttled(): void {
    if (this.opts.adaptive === false) return;
    const now = Date.now();
    if (now - this.lastCut < (this.opts.cooldownMs ?? 1000)) return;
    this.lastCut = now;
    this.slowStart = false;
    this.credit = 0;
    this.current = Math.max(1, Math.floor(this.current * DECREASE));
    this.cuts += 1;
  }

  private wake(): void {
    while (this.queue.length > 0 && this.running < this.current) {
      this.running += 1;
      this.queue.shift()!();
    }
  }
}
