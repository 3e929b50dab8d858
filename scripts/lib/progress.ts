import { MultiBar, Presets, SingleBar } from "cli-progress";

/** A running count for one phase ("listing source", "comparing"). */
export interface Counter {
  increment(): void;
}

export interface Progress {
  counter(label: string, total?: number): Counter;
  stop(): void;
}

/**
 * The one progress module of the tools: live counts with rate and ETA on
 * stderr, a cli-progress bar on a terminal, plain lines otherwise (CI logs
 * stay short). Two shapes: `startProgress` counts items of open-ended phases
 * (listing, comparing); `startJob` tracks a job of units (subtrees) with
 * extra counts (paths, failures, retries), its rate taken from the first count.
 */

/**
 * Live counters with rate and elapsed time: cli-progress bars on a TTY,
 * otherwise one plain line per counter every `every` items (CI logs stay short).
 */
export function startProgress(stream: NodeJS.WriteStream = process.stderr, every = 100_000): Progress {
  if (stream.isTTY) {
    const bars = new MultiBar(
      { stream, hideCursor: true, clearOnComplete: false, format: "{label} | {value}{ofTotal} paths | {rate}/s | {duration_formatted}", fps: 5 },
      Presets.shades_classic,
    );
    const stops: (() => void)[] = [];
    return {
      counter(label, total) {
        const started = Date.now();
        const bar = bars.create(total ?? 0, 0, { label, ofTotal: total ? ` / ${total}` : "", rate: 0 });
        let n = 0;
        stops.push(() => bar.update(n, { rate: rateOf(n, started) }));
        return {
          increment() {
            n++;
            if ((n & 1023) === 0) bar.update(n, { rate: rateOf(n, started) });
          },
        };
      },
      stop() {
        for (const s of stops) s();
        bars.stop();
      },
    };
  }
  const finals: (() => void)[] = [];
  return {
    counter(label, total) {
      const started = Date.now();
      let n = 0;
      const line = () => stream.write(`${label}: ${n}${total ? ` / ${total}` : ""} paths (${rateOf(n, started)}/s, ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      finals.push(line);
      return {
        increment() {
          if (++n % every === 0) line();
        },
      };
    },
    stop() {
      for (const f of finals) f();
    },
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
