import { Option } from "commander";
import { type Io, defineCommand, runMain } from "./lib/command";
import { EXIT_FAILED, EXIT_OK, UsageError } from "./lib/cli";
import { checkPlan, renderReport } from "./plan/policy";
import { renderTree } from "./plan/render";
import { triggerNotes } from "./plan/triggers";
import { planOutputs, planStack, writeOutputsFile } from "./plan/stack";

/**
 * `npm run plan -- --stack dev [--json] [--policy]`: the offline plan. Runs index.ts
 * under the Pulumi mocks runtime with a stack file's config and prints every
 * resource the stack would create. Exit 2 for bad config, nothing on stdout;
 * with --policy, exit 1 when a mandatory baseline policy fails.
 */
interface Flags {
  stack?: string;
  configFile?: string;
  json?: boolean;
  policy?: boolean;
  outputsFile?: string;
  dfsEndpoint?: string;
}

export const main = defineCommand<Flags>(
  (program) =>
    program
      .name("plan")
      .description("Offline plan: the resources a stack would create, without Azure or the Pulumi CLI")
      .addOption(new Option("-s, --stack <name>", "stack whose Pulumi.<name>.yaml to use").conflicts("configFile"))
      .option("-c, --config-file <path>", "any stack config file")
      .option("--json", "print one JSON document instead of the tree")
      .option("--policy", "check the security baseline (policy/) against the plan; exit 1 on a mandatory violation")
      .option("--outputs-file <path>", "also write the stack outputs (`pulumi stack output --json` shape) that post-deploy, acl, factory and validate read with --outputs")
      .option("--dfs-endpoint <url>", "with --outputs-file: the dfsEndpoint to write instead of the plan's (e.g. the DFS emulator's)"),
  run,
);

async function run(opts: Flags, io: Io): Promise<number> {
  if (opts.dfsEndpoint !== undefined && opts.outputsFile === undefined) throw new UsageError("--dfs-endpoint: only with --outputs-file (it fills the file's dfsEndpoint)");
  if (opts.dfsEndpoint !== undefined) checkUrl("--dfs-endpoint", opts.dfsEndpoint);
  const plan = await planStack({ stack: opts.stack, configFile: opts.configFile });
  if (opts.outputsFile !== undefined) {
    writeOutputsFile(opts.outputsFile, planOutputs(plan, { dfsEndpoint: opts.dfsEndpoint }));
    io.err(`wrote the stack outputs to ${opts.outputsFile}\n`);
  }
  const report = opts.policy ? checkPlan(plan) : undefined;
  if (opts.json) {
    io.out(`${JSON.stringify({ ...plan, triggers: triggerNotes(plan), ...(report ? { policy: report } : {}) }, null, 2)}\n`);
  } else {
    io.out(`${renderTree(plan)}\n${report ? `\n${renderReport(report)}\n` : ""}`);
  }
  return report?.failed ? EXIT_FAILED : EXIT_OK;
}

function checkUrl(flag: string, value: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (url?.protocol !== "https:" && url?.protocol !== "http:") throw new UsageError(`${flag} ${value}: not an http(s) URL such as http://127.0.0.1:10000/devstoreaccount1`);
}

if (require.main === module) runMain(main);
