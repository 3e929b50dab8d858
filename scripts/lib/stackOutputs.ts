import { execFile } from "child_process";
import { readFileSync } from "fs";
import { promisify } from "util";
import { UsageError } from "./cli";

/** Stack outputs the post-deploy tools read (see components/stack.ts). */
export type StackOutputs = Record<string, unknown>;

/**
 * Reads a deployed stack's outputs: from a file saved with
 * `pulumi stack output --json` when given, otherwise by asking the Pulumi CLI.
 */
export async function readStackOutputs(opts: { stack?: string; outputsFile?: string; cwd?: string }): Promise<StackOutputs> {
  if (opts.outputsFile) {
    try {
      return JSON.parse(readFileSync(opts.outputsFile, "utf8")) as StackOutputs;
    } catch (err) {
      throw new UsageError(`--outputs ${opts.outputsFile}: cannot read stack outputs JSON: ${(err as Error).message}`);
    }
  }
  if (!opts.stack) throw new UsageError("pass --stack <name> (uses the Pulumi CLI) or --outputs <file> (from `pulumi stack output --json`)");
  try {
    const { stdout } = await promisify(execFile)("pulumi", ["stack", "output", "--json", "--stack", opts.stack], {
      cwd: opts.cwd,
      maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(stdout) as StackOutputs;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") {
      throw new UsageError(
        `--stack ${opts.stack}: the pulumi CLI is not on PATH; install it or pass --outputs <file> saved by \`pulumi stack output --json\``,
      );
    }
    throw new UsageError(`--stack ${opts.stack}: \`pulumi stack output\` failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** A string output the stack must have, with a message naming it when it is missing. */
export function requireOutput(outputs: StackOutputs, key: string): string {
  const v = outputs[key];
  if (typeof v !== "string" || v.length === 0) {
    throw new UsageError(`stack output "${key}" is missing; was the stack deployed with this version? (outputs: ${Object.keys(outputs).join(", ") || "none"})`);
  }
  return v;
}
