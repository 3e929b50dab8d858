import * as path from "path";
import { Command, Option } from "commander";
import { ConfigError, PROJECT, parseStackConfig } from "../components/config/load";
import { StackFileError, readStackConfig } from "./lib/stackFile";
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

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name("plan")
    .description("Offline plan: the resources a stack would create, without Azure or the Pulumi CLI")
    .addOption(new Option("-s, --stack <name>", "stack whose Pulumi.<name>.yaml to use").conflicts("configFile"))
    .option("-c, --config-file <path>", "any stack config file")
    .option("--json", "print one JSON document instead of the tree")
    .option("--policy", "check the security baseline (policy/) against the plan; exit 1 on a mandatory violation")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(argv);
  } catch (err) {
    return (err as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const opts = program.opts<{ stack?: string; configFile?: string; json?: boolean; policy?: boolean }>();

  let stackValues;
  try {
    stackValues = readStackConfig({ stack: opts.stack, configFile: opts.configFile, projectDir });
    // Validated here as well as in index.ts so a bad file exits 2 before the runtime starts.
    parseStackConfig(stackValues.values);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StackFileError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const plan = await runUnderMocks({
    project: PROJECT,
    stack: stackValues.stack,
    values: stackValues.values,
    secretKeys: stackValues.secretKeys,
    program: () => require(path.join(projectDir, "index.ts")),
  });
  const report = opts.policy ? checkPlan(plan) : undefined;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ...plan, triggers: triggerNotes(plan), ...(report ? { policy: report } : {}) }, null, 2)}\n`);
  } else {
    process.stdout.write(`${renderTree(plan)}\n${report ? `\n${renderReport(report)}\n` : ""}`);
  }
  return report?.failed ? 1 : 0;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`plan failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
