import * as path from "path";
import { Option } from "commander";
import { PROJECT, parseStackConfig } from "../components/config/load";
import { type Io, defineCommand, runMain } from "./lib/command";
import { EXIT_FAILED, EXIT_OK } from "./lib/cli";
import { readStackConfig } from "./lib/stackFile";
import { checkPlan, renderReport } from "./plan/policy";
import { renderTree } from "./plan/render";
import { triggerNotes } from "./plan/triggers";
import { runUnderMocks } from "./plan/runtime";

/**
 * `npm run plan -- --stack dev [--json] [--policy]`: the offline plan. Runs index.ts
 * under the Pulumi mocks runtime with a stack file's config and prints every
 * resource the stack would create. Exit 2 for bad config, nothing on stdout;
 * with --policy, exit 1 when a mandatory baseline policy fails.
 */
const projectDir = path.resolve(__dirname, "..");

interface Flags {
  stack?: string;
  configFile?: string;
  json?: boolean;
  policy?: boolean;
}

export const main = defineCommand<Flags>(
  (program) =>
    program
      .name("plan")
      .description("Offline plan: the resources a stack would create, without Azure or the Pulumi CLI")
      .addOption(new Option("-s, --stack <name>", "stack whose Pulumi.<name>.yaml to use").conflicts("configFile"))
      .option("-c, --config-file <path>", "any stack config file")
      .option("--json", "print one JSON document instead of the tree")
      .option("--policy", "check the security baseline (policy/) against the plan; exit 1 on a mandatory violation"),
  run,
);

async function run(opts: Flags, io: Io): Promise<number> {
  const stackValues = readStackConfig({ stack: opts.stack, configFile: opts.configFile, projectDir });
  // Validated here as well as in index.ts so a bad file exits 2 before the runtime starts.
  parseStackConfig(stackValues.values, stackValues.secretKeys);

  const plan = await runUnderMocks({
    project: PROJECT,
    stack: stackValues.stack,
    values: stackValues.values,
    secretKeys: stackValues.secretKeys,
    program: () => require(path.join(projectDir, "index.ts")),
  });
  const report = opts.policy ? checkPlan(plan) : undefined;
  if (opts.json) {
    io.out(`${JSON.stringify({ ...plan, triggers: triggerNotes(plan), ...(report ? { policy: report } : {}) }, null, 2)}\n`);
  } else {
    io.out(`${renderTree(plan)}\n${report ? `\n${renderReport(report)}\n` : ""}`);
  }
  return report?.failed ? EXIT_FAILED : EXIT_OK;
}

if (require.main === module) runMain(main);
