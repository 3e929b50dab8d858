import { MultiBar, Presets, SingleBar } from "cli-progress";

/**
 * The one progress module of the tools: live counts with rate and ETA, a
 * cli-progress bar on a terminal, plain lines through the command's writer
 * otherwise (CI logs stay short; tests and the demo capture them). Two
 * shapes: `startProgress` counts items of phases (listing, comparing), with
 * an ETA once the total they are expected to reach is known; `startJob`
 * tracks a job of units (subtrees) with extra counts (paths, failures,
 * retries), its rate taken from the first count.
 *
 * On a terminal the bars are drawn on the process's stderr: cli-progress
 * needs a stream it can move the cursor on, and only `runMain` (whose
 * io.err is that stderr) sets `tty`.
 */

/** Where progress goes: the command's io.err and io.tty. */
export interface ProgressOutput {
  tty: boolean;
  /** One line, without its newline. */
  write(line: string): void;
}

/** The total a count is expected to reach, an estimate, and where the figure comes from ("the run of 2025-05-01 10:04 UTC"). */
export interface Expected {
  total: number;
  from: string;
}

/** A running count for one phase ("listing source", "comparing"). */
export interface Counter {
  increment(): void;
  /** The total became known: the count shows as n / total, with an ETA while below it. */
  expect(e: Expected): void;
  /** Its final line (on a terminal the bar gives way to it); once. */
  done(): void;
}

export interface Progress {
  counter(label: string, expected?: Expected): Counter;
  /** done() for every counter still running. */
  stop(): void;
}

export interface ProgressOptions {
  /** Plain lines: one every `every` items (default 100 000)... */
  every?: number;
  /** ...and one every `intervalMs` (default 10 s) when the count moved since the last line. */
  intervalMs?: number;
}

/** What a count line shows: "1200 / 5000", the rate, elapsed seconds, ", ETA 13 s" (none without a total, at or past it, or at the end). */
function figures(n: number, startedMs: number, expected: Expected | undefined, final: boolean, now = Date.now()) {
  const elapsed = Math.max((now - startedMs) / 1000, 0.001);
  const rate = n / elapsed;
  const eta = !final && expected && n > 0 && n < expected.total ? `, ETA ${duration((expected.total - n) / rate)}` : "";
  return { count: expected ? `${n} / ${expected.total}` : `${n}`, rate: Math.round(rate), elapsed, eta };
}

/** "listing source: 1200 / 5000 paths (300/s, 4.0 s, ETA 13 s)". */
function countLine(label: string, n: number, startedMs: number, expected: Expected | undefined, opts: { final?: boolean; now?: number } = {}): string {
  const f = figures(n, startedMs, expected, opts.final ?? false, opts.now);
  return `${label}: ${f.count} paths (${f.rate}/s, ${f.elapsed.toFixed(1)} s${f.eta})`;
}

function expectLine(label: string, e: Expected): string {
  return `${label}: ≈ ${e.total} paths expected (total from ${e.from})`;
}

/** Seconds as a person reads them: "42 s", "17 min", "3.2 h". */
function duration(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** Live counters with rate, elapsed time and (with a total) ETA: cli-progress bars on a terminal, plain lines otherwise. */
export function startProgress(out: ProgressOutput, opts: ProgressOptions = {}): Progress {
  const running = new Set<Counter>();
  const make = out.tty ? terminalCounters() : lineCounters(out, opts);
  return {
    counter(label, expected) {
      const c = make.counter(label, expected, () => running.delete(c));
      running.add(c);
      return c;
    },
    stop() {
      for (const c of [...running]) c.done();
      make.stop();
    },
  };
}

type CounterFactory = { counter(label: string, expected: Expected | undefined, finished: () => void): Counter; stop(): void };

function lineCounters(out: ProgressOutput, opts: ProgressOptions): CounterFactory {
  const every = opts.every ?? 100_000;
  const intervalMs = opts.intervalMs ?? 10_000;
  return {
    counter(label, initial, finished) {
      const started = Date.now();
      let expected = initial;
      let n = 0;
      let shown = 0;
      const line = () => {
        shown = n;
        out.write(countLine(label, n, started, expected));
      };
      // A slow listing (a few paths a second) still shows its rate and ETA; an idle one repeats nothing.
      const timer = setInterval(() => {
        if (n !== shown) line();
      }, intervalMs);
      timer.unref();
      if (expected) out.write(expectLine(label, expected));
      return {
        increment() {
          if (++n % every === 0) line();
        },
        expect(e) {
          expected = e;
          out.write(expectLine(label, e));
        },
        done: once(() => {
          clearInterval(timer);
          finished();
          out.write(countLine(label, n, started, expected, { final: true }));
        }),
      };
    },
    stop: () => undefined,
  };
}

function terminalCounters(): CounterFactory {
  // {left}, not {eta}: cli-progress fills its own eta field, from a total this bar does not have.
  const bars = new MultiBar(
    { stream: process.stderr, hideCursor: true, clearOnComplete: false, format: "{label} | {count} paths | {rate}/s{left} | {duration_formatted}", fps: 5 },
    Presets.shades_classic,
  );
  return {
    counter(label, initial, finished) {
      const started = Date.now();
      let expected = initial;
      let n = 0;
      const payload = () => {
        const f = figures(n, started, expected, false);
        return { label, count: f.count, rate: f.rate, left: f.eta };
      };
      if (expected) bars.log(`${expectLine(label, expected)}\n`);
      const bar = bars.create(0, 0, payload());
      // The count is handed to the bar on a clock, not per item: a listing counts millions.
      const timer = setInterval(() => bar.update(n, payload()), 200);
      timer.unref();
      return {
        increment() {
          n++;
        },
        expect(e) {
          expected = e;
          bars.log(`${expectLine(label, e)}\n`);
        },
        done: once(() => {
          clearInterval(timer);
          finished();
          // The final count stays above the bars still running; the bar itself goes.
          bars.log(`${countLine(label, n, started, expected, { final: true })}\n`);
          bars.remove(bar);
        }),
      };
    },
    stop: () => bars.stop(),
  };
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

function rateOf(n: number, started: number): number {
  return Math.round(n / Math.max((Date.now() - started) / 1000, 0.001));
}

export interface JobOptions<K extends string> {
  /** A bar on a terminal when true; plain lines every intervalMs otherwise. */
  tty: boolean;
  write(line: string): void;
  /** Bar prefix, e.g. "ACL". */
  label: string;
  /** What a unit is, plural: "subtrees". */
  units: string;
  /** Counts shown beside the units; the first one gives the rate. */
  counts: readonly K[];
  /** Plain-line interval in ms, 100-3 600 000; default 5000. */
  intervalMs?: number;
}

export interface Job<K extends string> {
  /** More units to do. */
  grow(units: number): void;
  unitDone(): void;
  add(count: K, n: number): void;
  /** A line of its own (notes, warnings), above the bar. */
  line(text: string): void;
  stop(): void;
}

export function startJob<K extends string>(opts: JobOptions<K>): Job<K> {
  const started = Date.now();
  const counts = Object.fromEntries(opts.counts.map((k) => [k, 0])) as Record<K, number>;
  let total = 0;
  let done = 0;
  const rate = () => rateOf(counts[opts.counts[0]], started);
  const eta = () => (done === 0 || total <= done ? "" : `, ETA ${Math.round(((Date.now() - started) / 1000 / done) * (total - done))} s`);

  if (opts.tty) {
    const fields = opts.counts.map((k) => `{${k}} ${k}`).join(" | ");
    const bar = new SingleBar({ format: `${opts.label} {bar} {value}/{total} ${opts.units} | ${fields} | {rate} ${opts.counts[0]}/s | ETA {eta_formatted}`, hideCursor: true, etaBuffer: 20 });
    let running = false;
    const refresh = () => running && bar.update(done, { ...counts, rate: rate() });
    return {
      grow(n) {
        total += n;
        if (!running) bar.start(Math.max(total, 1), done, { ...counts, rate: rate() });
        else bar.setTotal(Math.max(total, 1));
        running = true;
      },
      unitDone() {
        done += 1;
        refresh();
      },
      add(k, n) {
        counts[k] += n;
        refresh();
      },
      line: (text) => opts.write(text),
      stop() {
        if (running) bar.stop();
      },
    };
  }
  const timer = setInterval(() => {
    const parts = opts.counts.map((k, i) => (i === 0 ? `${counts[k]} ${k}, ${rate()} ${k}/s` : `${counts[k]} ${k}`));
    opts.write(`progress: ${parts.join(", ")}, ${done}/${total} ${opts.units}${eta()}`);
  }, opts.intervalMs ?? 5000);
  timer.unref();
  return {
    grow: (n) => void (total += n),
    unitDone: () => void (done += 1),
    add: (k, n) => void (counts[k] += n),
    line: (text) => opts.write(text),
    stop: () => clearInterval(timer),
  };
}
