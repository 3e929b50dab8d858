import { execFile } from "child_process";
import { readFileSync } from "fs";
import { promisify } from "util";
import type { Unwrap } from "@pulumi/pulumi";
import { z } from "zod";
import { ENVIRONMENTS, PATTERNS } from "../../components/config/schema";
import type { migrationStack } from "../../components/stack";
import { UsageError } from "./cli";

/** The outputs of a deployed stack, exactly as `migrationStack` (components/stack.ts) returns them, resolved. */
export type StackOutputs = Unwrap<ReturnType<typeof migrationStack>>;

const name = z.string().min(1);

/**
 * The contract the post-deploy tools read `pulumi stack output --json` with.
 * Extra outputs are ignored (a newer stack may add some); each one listed
 * here must be present with its type.
 */
export const stackOutputsSchema = z.object({
  environment: z.enum(ENVIRONMENTS),
  pattern: z.enum(PATTERNS),
  resourceGroupName: name,
  accountName: name,
  accountId: name,
  dfsEndpoint: z.url(),
  filesystems: z.array(name),
  principals: z.record(name, name),
  factoryName: name,
  factoryId: name,
  pipelines: z.array(name),
  triggers: z.array(name),
});

// Compile-time proof that schema and stack agree both ways: renaming, adding
// or retyping an output in components/stack.ts fails `tsc` here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const contractMatches: Same<z.output<typeof stackOutputsSchema>, StackOutputs> = true;
void contractMatches;

/** Parses raw outputs into the contract; `from` names where they came from in the error. */
export function parseStackOutputs(raw: unknown, from: string): StackOutputs {
  const result = stackOutputsSchema.safeParse(raw);
  if (result.success) return result.data;
  const present = raw !== null && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.map(String).join(".");
    if (issue.path.length === 1 && !(key in present)) return `output "${key}" is missing`;
    return key === "" ? issue.message : `output "${key}": ${issue.message}`;
  });
  throw new UsageError(`${from}: stack outputs do not match this version of the tools (was the stack deployed with it?)`, problems);
}

/**
 * Reads a deployed stack's outputs: from a file saved with
 * `pulumi stack output --json` when given, otherwise by asking the Pulumi CLI.
 */
export async function readStackOutputs(opts: { stack?: string; outputsFile?: string; cwd?: string }): Promise<StackOutputs> {
  if (opts.outputsFile) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(opts.outputsFile, "utf8"));
    } catch (err) {
      throw new UsageError(`--outputs ${opts.outputsFile}: cannot read stack outputs JSON: ${(err as Error).message}`);
    }
    return parseStackOutputs(raw, `--outputs ${opts.outputsFile}`);
  }
  if (!opts.stack) throw new UsageError("pass --stack <name> (uses the Pulumi CLI) or --outputs <file> (from `pulumi stack output --json`)");
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)("pulumi", ["stack", "output", "--json", "--stack", opts.stack], {
      cwd: opts.cwd,
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") {
      throw new UsageError(
        `--stack ${opts.stack}: the pulumi CLI is not on PATH; install it or pass --outputs <file> saved by \`pulumi stack output --json\``,
      );
    }
    throw new UsageError(`--stack ${opts.stack}: \`pulumi stack output\` failed: ${(e.stderr ?? e.message).trim()}`);
  }
  return parseStackOutputs(JSON.parse(stdout), `--stack ${opts.stack}`);
}
