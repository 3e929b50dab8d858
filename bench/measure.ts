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

/** The node arguments `npm run validate` uses in the tree at `projectDir` (heap caps included), so the bench measures the real command. */
export function validateCommand(projectDir = ROOT): string[] {
  const script = (JSON.parse(readFileSync(path.join(projectDir, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.validate;
  const [bin, ...args] = script.split(/\s+/);
  if (bin !== "node") throw new Error(`${projectDir}/package.json scripts.validate must start with "node" for the bench to measure it: ${script}`);
  return args;
}

/** Runs node with bench/rssProbe.cjs preloaded, in `cwd` (the tree whose command it is), killed after 10 minutes. */
export function runMeasured(nodeArgs: string[], args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<Measured> {
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
