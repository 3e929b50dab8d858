import { spawn } from "child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

/** One measured process: wall time from spawn to close, and the peak RSS its preloaded probe recorded. */
export interface Measured {
  seconds: number;
  peakMb: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

export const ROOT = path.join(__dirname, "..");
const PROBE = path.join(__dirname, "rssProbe.cjs");

/**
 * The node arguments of `npm run <name>` in the tree at `projectDir`
 * (heap caps included), so a bench measures the real command: "node <args>"
 * as written, "tsx <file>" as node --import tsx <file> (what tsx runs,
 * without its wrapper process).
 */
export function npmScriptArgs(name: string, projectDir = ROOT): string[] {
  const script = (JSON.parse(readFileSync(path.join(projectDir, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts[name];
  const [bin, ...args] = script.split(/\s+/);
  if (bin === "node") return args;
  if (bin === "tsx") return ["--import", "tsx", ...args];
  throw new Error(`${projectDir}/package.json scripts.${name} must start with "node" or "tsx" for a bench to measure it: ${script}`);
}

/** The node arguments `npm run validate` uses in the tree at `projectDir`. */
export const validateCommand = (projectDir = ROOT): string[] => npmScriptArgs("validate", projectDir);

/** Runs node with bench/rssProbe.cjs preloaded, in `cwd` (the tree whose command it is), killed after 10 minutes. */
export function runMeasured(nodeArgs: string[], args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): Promise<Measured> {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-rss-"));
  const rssFile = path.join(dir, "rss");
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--require", PROBE, ...nodeArgs, ...args], {
      cwd,
      env: { ...process.env, ...env, BENCH_RSS_FILE: rssFile },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill(), 10 * 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const peakMb = existsSync(rssFile) ? Number(readFileSync(rssFile, "utf8")) / 1024 : NaN;
      rmSync(dir, { recursive: true, force: true });
      resolve({ seconds, peakMb, code, stdout, stderr });
    });
  });
}

export const describeRun = (m: Measured): string => `${m.seconds.toFixed(1)} s, peak RSS ${m.peakMb.toFixed(0)} MB, exit ${m.code}`;

/** A bench's entry: its exit code, or 1 with the stack of what it threw. */
export function runBench(main: () => Promise<number>): void {
  main().then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
