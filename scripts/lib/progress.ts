import { MultiBar, Presets } from "cli-progress";

/** A running count for one phase ("listing source", "comparing"). */
export interface Counter {
  increment(): void;
}

export interface Progress {
  counter(label: string, total?: number): Counter;
  stop(): void;
}

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
