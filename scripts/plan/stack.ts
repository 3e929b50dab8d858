import { writeFileSync } from "fs";
import * as path from "path";
import { PROJECT, loadStackConfig, parseStackConfig } from "../../components/config/load";
import { migrationStack } from "../../components/stack";
import { readStackConfig } from "../lib/stackFile";
import { type StackOutputs, parseStackOutputs } from "../lib/stackOutputs";
import { type Plan, runUnderMocks } from "./runtime";

const projectDir = path.resolve(__dirname, "../..");

/**
 * The offline plan of a stack file (`--stack` or `--config-file`). The
 * program is index.ts's (migrationStack on the loaded config), called
 * directly rather than required, so one process can plan several times (the
 * demo plans, then starts the emulators from the same plan). A bad config is
 * a ConfigError (exit 2) before the runtime starts.
 */
export async function planStack(opts: { stack?: string; configFile?: string }): Promise<Plan> {
  const stackValues = readStackConfig({ stack: opts.stack, configFile: opts.configFile, projectDir });
  parseStackConfig(stackValues.values, stackValues.secretKeys);
  return runUnderMocks({
    project: PROJECT,
    stack: stackValues.stack,
    values: stackValues.values,
    secretKeys: stackValues.secretKeys,
    program: () => migrationStack(loadStackConfig(), { project: PROJECT, stack: stackValues.stack }),
  });
}

/** Endpoints an outputs file points at instead of the plan's fakes (the emulators'). */
export interface OutputEndpoints {
  /** Replaces `dfsEndpoint` (https://<account>.dfs.core.windows.net/ in the plan). */
  dfsEndpoint?: string;
}

/**
 * The plan's outputs in the `pulumi stack output --json` shape, checked
 * against the contract the tools read (so a file written here is one they
 * accept), with the given endpoints filled in.
 */
export function planOutputs(plan: Plan, endpoints: OutputEndpoints = {}): StackOutputs {
  const raw = { ...plan.outputs, ...(endpoints.dfsEndpoint ? { dfsEndpoint: endpoints.dfsEndpoint } : {}) };
  return parseStackOutputs(raw, `the offline plan of ${plan.stack}`);
}

export function writeOutputsFile(file: string, outputs: StackOutputs): void {
  writeFileSync(file, `${JSON.stringify(outputs, null, 2)}\n`);
}
