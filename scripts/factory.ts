import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import type { DataFactoryManagementClientOptionalParams } from "@azure/arm-datafactory";
import { Command, Option } from "commander";
import { EXIT_FAILED, EXIT_OK, UsageError, runCli } from "./lib/cli";
import { readStackOutputs } from "./lib/stackOutputs";
import { factoryClient, factoryTarget } from "./factory/target";
import { type TriggerAction, setTriggerStates } from "./factory/triggers";
import { flipGate, formatWindow, windowRuns } from "./factory/windows";

/**
 * `npm run factory -- <command>`: operate the deployed migration factory.
 *   triggers start|stop   start (or stop) every trigger of the stack
 *   run <pipeline>        start a pipeline run, print its run id
 *   status <runId>        print a pipeline run's status
 *   windows <trigger>     list a tumbling window trigger's window runs (gate a flip with --covering)
 * The factory is found through the stack outputs (--stack, or --outputs for a
 * saved `pulumi stack output --json`).
 */

export interface FactoryCliDeps {
  credential: () => TokenCredential;
  clientOptions?: DataFactoryManagementClientOptionalParams;
  out: (line: string) => void;
}

const defaultDeps: FactoryCliDeps = {
  credential: () => new DefaultAzureCredential(),
  out: (line) => process.stdout.write(`${line}\n`),
};

interface GlobalOpts {
  stack?: string;
  outputs?: string;
  endpoint?: string;
}

/** Pipeline run states that mean the run ended badly (exit 1). */
const FAILED_RUN_STATES = new Set(["Failed", "Cancelled", "Canceling"]);

export async function main(argv: string[], deps: FactoryCliDeps = defaultDeps): Promise<number> {
  let code = EXIT_OK;
  const program = new Command()
    .name("factory")
    .description("Operate the migration Data Factory of a deployed stack")
    .addOption(new Option("-s, --stack <name>", "read the factory from this stack's outputs (needs the pulumi CLI)").conflicts("outputs"))
    .option("-o, --outputs <file>", "read the factory from a file saved with `pulumi stack output --json`")
    .option("--endpoint <url>", "Azure Resource Manager endpoint (default https://management.azure.com)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => deps.out(s.trimEnd()), writeErr: (s) => process.stderr.write(s) });

  const connect = async (cmd: Command) => {
    const g = cmd.optsWithGlobals<GlobalOpts>();
    if (g.endpoint !== undefined && !/^https:\/\/[^\s/]+/.test(g.endpoint)) {
      throw new UsageError(`--endpoint ${g.endpoint}: must be an https:// URL (ARM tokens are only sent over TLS)`);
    }
    const target = factoryTarget(await readStackOutputs({ stack: g.stack, outputsFile: g.outputs }));
    return { target, client: factoryClient(target, deps.credential(), { endpoint: g.endpoint, clientOptions: deps.clientOptions }) };
  };

  program
    .command("triggers")
    .description("start or stop every trigger the stack deployed (ARM creates them stopped)")
    .argument("<action>", "start or stop")
    .action(async (action: string, _opts: unknown, cmd: Command) => {
      if (action !== "start" && action !== "stop") throw new UsageError(`triggers ${action}: unknown action; use start or stop`);
      const { target, client } = await connect(cmd);
      if (target.triggers.length === 0) {
        deps.out(`factory ${target.factoryName} has no triggers (pattern without a schedule): nothing to ${action}`);
        return;
      }
      const outcomes = await setTriggerStates(client, target, action as TriggerAction, deps.out);
      const failed = outcomes.filter((o) => o.after === "failed").length;
      deps.out(`${outcomes.length - failed} of ${outcomes.length} triggers ${action === "start" ? "started" : "stopped"} in ${target.factoryName}`);
      if (failed > 0) code = EXIT_FAILED;
    });

  program
    .command("run")
    .description("start a run of one of the stack's pipelines and print its run id")
    .argument("<pipeline>", "pipeline name, e.g. full-copy")
    .option("-p, --param <name=value...>", "pipeline parameter (JSON values are parsed: arrays, numbers)")
    .action(async (pipeline: string, opts: { param?: string[] }, cmd: Command) => {
      const parameters = parseParams(opts.param ?? []);
      const { target, client } = await connect(cmd);
      if (!target.pipelines.includes(pipeline)) {
        throw new UsageError(`run ${pipeline}: not a pipeline of this stack; pipelines: ${target.pipelines.join(", ")}`);
      }
      const run = await client.pipelines.createRun(target.resourceGroupName, target.factoryName, pipeline, { parameters });
      deps.out(`started ${pipeline} in ${target.factoryName}: run id ${run.runId}`);
      deps.out(`follow it with: npm run factory -- status ${run.runId}`);
    });

  program
    .command("status")
    .description("print the status of a pipeline run (exit 1 when it failed or was cancelled)")
    .argument("<runId>", "run id printed by `run`")
    .action(async (runId: string, _opts: unknown, cmd: Command) => {
      const { target, client } = await connect(cmd);
      const run = await client.pipelineRuns.get(target.resourceGroupName, target.factoryName, runId);
      const fields: [string, unknown][] = [
        ["pipeline", run.pipelineName],
        ["status", run.status],
        ["started", run.runStart?.toISOString()],
        ["ended", run.runEnd?.toISOString()],
        ["duration", run.durationInMs === undefined ? undefined : `${Math.round(run.durationInMs / 1000)}s`],
        ["message", run.message || undefined],
      ];
      deps.out(`run ${runId}`);
      for (const [k, v] of fields) if (v !== undefined) deps.out(`  ${k}: ${String(v)}`);
      if (run.status !== undefined && FAILED_RUN_STATES.has(run.status)) code = EXIT_FAILED;
    });

  program
    .command("windows")
    .description("list a tumbling window trigger's window runs with state and time range; --covering: exit 1 unless that moment is copied")
    .argument("<trigger>", "trigger name, e.g. sync-gen1-to-gen2-window")
    .option("--since <instant>", "window runs updated at or after this UTC instant (default: 7 days ago)")
    .option("--covering <instant>", "exit 0 only if a Succeeded window holds this instant and no earlier listed window is unsucceeded")
    .action(async (trigger: string, opts: { since?: string; covering?: string }, cmd: Command) => {
      const covering = opts.covering === undefined ? undefined : instantFlag("--covering", opts.covering);
      const since = opts.since === undefined ? new Date(Date.now() - 7 * 86_400_000) : instantFlag("--since", opts.since);
      const { target, client } = await connect(cmd);
      if (!target.triggers.includes(trigger)) throw new UsageError(`windows ${trigger}: not a trigger of this stack; triggers: ${target.triggers.join(", ") || "none"}`);
      const windows = await windowRuns(client, target, trigger, { since });
      for (const w of windows) deps.out(formatWindow(w));
      deps.out(`${windows.length} window run(s) of ${trigger} updated since ${since.toISOString()}`);
      if (covering === undefined) return;
      const gate = flipGate(windows, covering);
      for (const w of gate.unfinished) deps.out(`not copied yet: ${formatWindow(w)}`);
      if (gate.ok && gate.covering) {
        deps.out(`${covering.toISOString()} is copied: window ${formatWindow(gate.covering)}`);
        return;
      }
      deps.out(`${covering.toISOString()} is not copied yet: ${gate.covering ? "an earlier window has not succeeded" : "no Succeeded window holds it"}; wait and run this again`);
      code = EXIT_FAILED;
    });

  await program.parseAsync(argv);
  return code;
}

function instantFlag(flag: string, value: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new UsageError(`${flag} ${value}: expected a UTC instant such as 2026-12-01T10:00:00Z`);
  }
  return new Date(value);
}

function parseParams(pairs: string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--param ${pair}: expected name=value`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // Not JSON: keep the text, the common case for dates and paths.
    }
    params[pair.slice(0, eq)] = value;
  }
  return params;
}

if (require.main === module) runCli(() => main(process.argv));
