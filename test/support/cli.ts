import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one of scripts/<name>.ts as a user would (through tsx), without a TTY. */
export function runScript(name: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): CliRun {
  const r = spawnSync(TSX, [path.join(ROOT, "scripts", `${name}.ts`), ...args], {
    cwd,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
