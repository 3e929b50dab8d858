import { spawn, spawnSync } from "child_process";
import * as path from "path";

export const PROJECT_DIR = path.resolve(__dirname, "../..");
const TSX = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of the scripts/ CLIs in a child process, as a user would through npm run. */
export function runScript(script: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): CliResult {
  const res = spawnSync(TSX, [path.join(PROJECT_DIR, "scripts", script), ...args], {
    cwd: opts.cwd ?? PROJECT_DIR,
    env: { ...process.env, ...opts.env },
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 60_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/**
 * Runs scripts/<name>.ts like runScript, but without blocking this process,
 * so test servers living in it keep answering while the CLI runs; killed
 * (SIGTERM, exit 143) after `timeoutMs`.
 */
export function runScriptAsync(name: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = PROJECT_DIR, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [path.join(PROJECT_DIR, "scripts", `${name}.ts`), ...args], { cwd, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill(), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
