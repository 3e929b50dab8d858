import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { z } from "zod";
import type { Gen1Seed } from "../../emulators/gen1/server";
import { type Gen2Seed, type Rehearsal, type RehearsalFaults, startRehearsal } from "../../emulators/rehearsal";
import { UsageError } from "../lib/cli";
import { ARM_TOKEN_ENV, GEN1_TOKEN_ENV } from "../lib/emulatorAuth";
import type { StackOutputs } from "../lib/stackOutputs";
import type { Plan } from "../plan/runtime";
import { planOutputs, writeOutputsFile } from "../plan/stack";

/**
 * A running set of emulators plus what a user needs to point every command
 * at them: the environment to export, the flags to pass, and a stack
 * outputs file whose dfsEndpoint is the DFS emulator.
 */
export interface EmulatorSession {
  rehearsal: Rehearsal;
  /** Variables every command reads: shared key for Gen2, bearer tokens for Gen1 and ARM. */
  env: Record<string, string>;
  /** The stack outputs file (with a plan). */
  outputsFile?: string;
  outputs?: StackOutputs;
  endpoints: { gen1: string; dfs: string; arm?: string };
  close(): Promise<void>;
}

export interface SessionOptions {
  gen1?: Gen1Seed[];
  gen2?: Gen2Seed[];
  plan?: Plan;
  faults?: RehearsalFaults;
  lifetimeMs?: number;
  clock?: Date;
}

/** The token the ARM emulator accepts (it checks none; the factory CLI needs one to send). */
const ARM_TOKEN = "emulator-arm-token";

export async function startSession(opts: SessionOptions): Promise<EmulatorSession> {
  const rehearsal = await startRehearsal({ gen1: opts.gen1, gen2: opts.gen2, plan: opts.plan, faults: opts.faults, lifetimeMs: opts.lifetimeMs, clock: opts.clock });
  const { gen1, dfs, arm } = rehearsal;
  // Outside the work tree; removed when the session stops (its endpoints are gone then).
  const dir = mkdtempSync(path.join(tmpdir(), "adls-emulators-"));
  let outputsFile: string | undefined;
  let outputs: StackOutputs | undefined;
  if (opts.plan) {
    outputs = planOutputs(opts.plan, { dfsEndpoint: dfs.url });
    outputsFile = path.join(dir, `outputs-${opts.plan.stack}.json`);
    writeOutputsFile(outputsFile, outputs);
  }
  return {
    rehearsal,
    env: {
      AZURE_STORAGE_ACCOUNT: dfs.accountName,
      AZURE_STORAGE_KEY: dfs.accountKey,
      [GEN1_TOKEN_ENV]: gen1.token,
      ...(arm ? { [ARM_TOKEN_ENV]: ARM_TOKEN } : {}),
    },
    outputsFile,
    outputs,
    endpoints: { gen1: gen1.url, dfs: dfs.url, ...(arm ? { arm: arm.endpoint } : {}) },
    async close() {
      await rehearsal.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const statusCode = z.union([z.literal(408), z.literal(429), z.literal(500), z.literal(502), z.literal(503), z.literal(504)]);

/** `--faults` JSON: what the DFS and Gen1 emulators inject (docs/emulators.md). */
export const faultsSchema = z.strictObject({
  gen2: z
    .strictObject({
      latencyMs: z.number().int().min(0).max(60_000).optional(),
      pageLatencyMs: z.number().int().min(0).max(60_000).optional(),
      failEvery: z.strictObject({ n: z.number().int().min(1), status: statusCode.optional(), retryAfterSeconds: z.number().int().min(0).max(3600).optional() }).optional(),
      resetEvery: z.number().int().min(1).optional(),
      capacityPathsPerSecond: z.number().int().min(1).optional(),
    })
    .optional(),
  gen1: z
    .array(z.strictObject({ op: z.string().min(1), path: z.string().startsWith("/").optional(), status: z.number().int().min(400).max(599), times: z.number().int().min(1) }))
    .optional(),
});

export function parseFaults(flag: string, text: string): RehearsalFaults {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag}: not JSON (${(err as Error).message}); e.g. '{"gen2":{"failEvery":{"n":10,"status":503},"latencyMs":20,"resetEvery":50},"gen1":[{"op":"LISTSTATUS","status":503,"times":3}]}'`);
  }
  const parsed = faultsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(`${flag}: invalid faults`, parsed.error.issues.map((i) => `${flag} ${i.path.map(String).join(".") || "(top)"}: ${i.message}`));
  }
  return parsed.data;
}
