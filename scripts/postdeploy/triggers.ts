import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { UsageError } from "../lib/cli";
import { signInProblem } from "../lib/credentials";
import { ARM_TOKEN_ENV, emulatorCredential } from "../lib/emulatorAuth";
import { setTriggerStates } from "../factory/triggers";
import { factoryClient, factoryTarget } from "../factory/target";
import type { ReadyStep, Step, StepResult } from "./steps";

const PUBLIC_ARM = "https://management.azure.com";

/**
 * Step 2: start the Data Factory triggers. ARM creates them stopped and
 * azure-native has no property to start them; already-started triggers are
 * left alone, so re-running is harmless. The check validates the factory id
 * and signs in once (a token for the ARM scope), so missing credentials are
 * one line before anything was written, not the credential chain per trigger.
 */
export const startTriggers: Step = {
  name: "triggers",
  async check(ctx): Promise<ReadyStep> {
    const done = (message: string): ReadyStep => ({ run: async () => ({ ok: true, message, counts: { started: 0, running: 0, failed: 0 } }) });
    const outputs = await ctx.outputs();
    if (!outputs) return done("no stack outputs (pass --stack or --outputs); skipped");
    if (outputs.triggers.length === 0) return done("the stack's pattern has no triggers; skipped");
    const target = factoryTarget(outputs);
    if (ctx.flags.dryRun) return done(`would start ${outputs.triggers.join(", ")} (unless already started)`);
    // The emulator token (npm run emulators) is honoured for loopback endpoints only; emulatorCredential refuses it elsewhere.
    const credential = ctx.io.arm?.credential ?? emulatorCredential(ctx.io.env, ARM_TOKEN_ENV, ctx.flags.armEndpoint) ?? new DefaultAzureCredential();
    await signIn(credential, ctx.flags.armEndpoint ?? PUBLIC_ARM);
    const client = factoryClient(target, credential, { endpoint: ctx.flags.armEndpoint, clientOptions: ctx.io.arm?.clientOptions });
    return {
      async run(): Promise<StepResult> {
        const outcomes = await setTriggerStates(client, target, "start", (line) => ctx.io.err(`${line}\n`));
        const failed = outcomes.filter((o) => o.after === "failed");
        const started = outcomes.filter((o) => o.after === "Started" && o.before !== "Started").length;
        const running = outcomes.filter((o) => o.before === "Started").length;
        return {
          ok: failed.length === 0,
          message: `${started} started, ${running} already running${failed.map((f) => `\n    ${f.name}: ${f.error ?? "failed"}`).join("")}`,
          counts: { started, running, failed: failed.length },
        };
      },
    };
  },
};

/** A token for the ARM scope ("<endpoint>/.default", the scope the ARM SDKs request). */
async function signIn(credential: TokenCredential, endpoint: string): Promise<void> {
  try {
    await credential.getToken(`${endpoint.replace(/\/+$/, "")}/.default`);
  } catch (err) {
    const problem = signInProblem(err, "the trigger step (Azure Resource Manager)");
    if (problem) throw new UsageError(`${problem}; or pass --skip triggers`);
    throw err;
  }
}
