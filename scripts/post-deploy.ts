import * as path from "path";
import { Option } from "commander";
import type { DataLakeServiceClient } from "@azure/storage-file-datalake";
import { parseStackConfig } from "../components/config/load";
import { EXIT_FAILED, EXIT_OK, Interrupted, UsageError } from "./lib/cli";
import { defineCommand, runMain } from "./lib/command";
import { readStackConfig } from "./lib/stackFile";
import { errorReason } from "./lib/retry";
import { DEFAULT_RETRY } from "./acl/apply";
import { CHECKPOINT_DEFAULT_HELP } from "./acl/checkpointFile";
import { dataLakeClient, lazyOutputs, resolveAccountUrl } from "./acl/client";
import { applyStackAcls } from "./postdeploy/acls";
import { createFolders } from "./postdeploy/folders";
import { PostDeployFlags, PostDeployIo, ReadyStep, STEP_NAMES, Step, StepContext, StepName, StepResult } from "./postdeploy/steps";
import { startTriggers } from "./postdeploy/triggers";

/**
 * `npm run post-deploy -- --stack <s>`: the data-plane steps `pulumi up`
 * cannot do, in order. Every selected step is checked (reads only) before
 * the first one writes, so exit 2 means nothing was changed; each step is
 * idempotent, so the command can be re-run after a failure or after every deployment.
 */

export type { PostDeployIo } from "./postdeploy/steps";

const projectDir = path.resolve(__dirname, "..");

/** The post-deploy steps in order. */
export const STEPS: Step[] = [createFolders, startTriggers, applyStackAcls];

const parseSteps = (flag: string) => (value: string): StepName[] => {
  const names = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const unknown = names.filter((n) => !(STEP_NAMES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(`${flag} ${value}: ${unknown.length > 0 ? `unknown step ${unknown.map((u) => `"${u}"`).join(", ")}` : "no step named"}; the steps are ${STEP_NAMES.join(", ")} (comma-separated)`);
  }
  return names as StepName[];
};

function selectedSteps(flags: PostDeployFlags): Step[] {
  if (flags.only && flags.skip) throw new UsageError("--only and --skip cannot be combined");
  return STEPS.filter((s) => (flags.only ? flags.only.includes(s.name) : !(flags.skip ?? []).includes(s.name)));
}

interface StepReport extends StepResult {
  name: StepName;
  outcome: "ok" | "failed" | "skipped";
}

export const main = defineCommand<PostDeployFlags, PostDeployIo>(
  (program) =>
    program
      .name("post-deploy")
      .description("Data-plane steps after `pulumi up`: create declared folders, start triggers, apply folder ACLs")
      .option("-s, --stack <name>", "stack: reads Pulumi.<name>.yaml and, for dfsEndpoint/principals, its outputs via the Pulumi CLI")
      .option("-c, --config-file <path>", "stack config file instead of Pulumi.<stack>.yaml")
      .option("--outputs <file>", "stack outputs saved by `pulumi stack output --json`, instead of asking the Pulumi CLI")
      .option("--account-url <url>", "dfs endpoint (default: the stack's dfsEndpoint output)")
      .option("--principals <file>", "JSON object of principal name → object id (default: the stack's principals output)")
      .option("--checkpoint <file>", `ACL resume state (default: ${CHECKPOINT_DEFAULT_HELP})`)
      .option("--resume", "continue an interrupted ACL run")
      .option("--full", "ACL step: apply every subtree, also those whose top path already has the entries (after copies, or when unsure)")
      .option("--dry-run", "report what would change; write nothing")
      .addOption(new Option("--only <steps>", `run only these steps (comma-separated: ${STEP_NAMES.join(", ")})`).argParser(parseSteps("--only")))
      .addOption(new Option("--skip <steps>", `run every step but these (comma-separated: ${STEP_NAMES.join(", ")})`).argParser(parseSteps("--skip")))
      .option("--json", "print one JSON document on stdout: each step, its outcome and counts")
      .option("--arm-endpoint <url>", "Azure Resource Manager endpoint for the trigger step (default: public cloud)"),
  async (flags, io) => {
    if (!flags.stack && !flags.configFile) throw new UsageError("pass --stack <name> (or --config-file <path>)");
    const steps = selectedSteps(flags);
    const stackValues = readStackConfig({ stack: flags.stack, configFile: flags.configFile, projectDir });
    const config = parseStackConfig(stackValues.values, stackValues.secretKeys);
    const outputs = lazyOutputs({ stack: flags.stack, outputs: flags.outputs });
    let service: Promise<{ client: DataLakeServiceClient; accountUrl: string }> | undefined;
    const ctx: StepContext = {
      stack: stackValues.stack,
      config,
      outputs,
      service: () =>
        (service ??= resolveAccountUrl(flags, outputs).then((accountUrl) => ({ client: dataLakeClient(accountUrl, io.env), accountUrl }))),
      flags,
      io,
      retry: io.retry ?? DEFAULT_RETRY,
      newDirectories: [],
    };
    const ready = await checkAll(ctx, steps);
    const reports = await runAll(ready, io, flags.json ?? false);
    const ok = reports.every((r) => r.outcome !== "failed");
    if (flags.json) io.out(`${JSON.stringify({ dryRun: flags.dryRun ?? false, ok, steps: reports }, null, 2)}\n`);
    return ok ? EXIT_OK : EXIT_FAILED;
  },
);

/** Every selected step's check, in order, before any step runs; on bad input the steps checked so far give back what they took. */
async function checkAll(ctx: StepContext, steps: Step[]): Promise<{ step: Step; ready?: ReadyStep }[]> {
  const ready: { step: Step; ready?: ReadyStep }[] = [];
  try {
    for (const step of STEPS) ready.push({ step, ready: steps.includes(step) ? await step.check(ctx) : undefined });
  } catch (err) {
    for (const r of ready) r.ready?.release?.();
    throw err;
  }
  return ready;
}

/**
 * Runs the checked steps. Once the first may have written, nothing ends the
 * command with exit 2 any more: an error of a step is that step's failure
 * (exit 1), and the steps after it still run.
 */
async function runAll(ready: { step: Step; ready?: ReadyStep }[], io: PostDeployIo, json: boolean): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  for (const { step, ready: r } of ready) {
    let report: StepReport;
    if (!r) report = { name: step.name, outcome: "skipped", ok: true, message: "not selected (--only/--skip)", counts: {} };
    else {
      try {
        io.signal?.throwIfAborted();
        const result = await r.run();
        report = { name: step.name, outcome: result.ok ? "ok" : "failed", ...result };
      } catch (err) {
        if (err instanceof Interrupted || io.signal?.aborted) {
          for (const later of ready.slice(ready.findIndex((x) => x.step === step) + 1)) later.ready?.release?.();
          // The acls step says where its checkpoint is; the other steps are idempotent.
          throw err instanceof Interrupted ? err : new Interrupted(`post-deploy: interrupted during the ${step.name} step; every step is idempotent: run it again`);
        }
        report = { name: step.name, outcome: "failed", ok: false, message: errorReason(err), counts: {} };
      }
    }
    reports.push(report);
    const label = report.outcome === "ok" ? "ok  " : report.outcome === "failed" ? "FAIL" : "skip";
    // With --json stdout holds the one document; the lines go to stderr.
    (json ? io.err : io.out)(`${label} ${step.name}: ${report.message}\n`);
  }
  return reports;
}

if (require.main === module) runMain(main, { interruptible: true });
