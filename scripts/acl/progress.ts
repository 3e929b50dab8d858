import { SingleBar } from "cli-progress";
import type { ApplyEvents } from "./apply";
import type { ResolvedRule } from "./spec";

/**
 * Progress of an apply run: a bar on a terminal (subtrees done/total with
 * paths, paths/s and failures), plain lines every few seconds otherwise (CI
 * logs). Always on stderr so stdout stays clean for --json.
 */
export interface Progress extends ApplyEvents {
  stop(): void;
}

export function createProgress(opts: { tty: boolean; write: (line: string) => void; intervalMs?: number }): Progress {
  const started = Date.now();
  let paths = 0;
  let failures = 0;
  let units = 0;
  let unitsDone = 0;
  let retries = 0;
  const rate = () => Math.round(paths / Math.max(0.001, (Date.now() - started) / 1000));

  if (opts.tty) {
    const bar = new SingleBar({
      format: "ACL {bar} {value}/{total} subtrees | {paths} paths | {rate} paths/s | {failures} failures | {retries} retries | ETA {eta_formatted}",
      hideCursor: true,
      etaBuffer: 20,
    });
    let running = false;
    const payload = () => ({ paths, rate: rate(), failures, retries });
    return {
      ruleStart(rule: ResolvedRule, n: number) {
        units += n;
        if (!running) {
          bar.start(Math.max(units, 1), unitsDone, payload());
          running = true;
        } else bar.setTotal(Math.max(units, 1));
        if (n === 0) opts.write(`${rule.path}: nothing to change`);
      },
      progress(d) {
        paths += d.paths;
        failures += d.failures;
        if (running) bar.update(unitsDone, payload());
      },
      unitDone() {
        unitsDone += 1;
        if (running) bar.update(unitsDone, payload());
      },
      retry() {
        retries += 1;
      },
      note(line) {
        opts.write(line);
      },
      warn(line) {
        opts.write(`warning: ${line}`);
      },
      stop() {
        if (running) bar.stop();
      },
    };
  }

  const timer = setInterval(() => {
    opts.write(`progress: ${paths} paths, ${rate()} paths/s, ${failures} failures, ${unitsDone}/${units} subtrees, ${retries} retries`);
  }, opts.intervalMs ?? 5000);
  timer.unref();
  return {
    ruleStart(rule, n) {
      units += n;
      opts.write(`${rule.path}: ${n === 0 ? "nothing to change" : `${n} subtree${n === 1 ? "" : "s"} to apply (${rule.mode})`}`);
    },
    progress(d) {
      paths += d.paths;
      failures += d.failures;
    },
    unitDone() {
      unitsDone += 1;
    },
    retry(reason, delayMs) {
      retries += 1;
      opts.write(`retrying after ${reason} in ${Math.round(delayMs)} ms`);
    },
    note(line) {
      opts.write(line);
    },
    warn(line) {
      opts.write(`warning: ${line}`);
    },
    stop() {
      clearInterval(timer);
    },
  };
}
