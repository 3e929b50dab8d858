import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import type { DataFactoryManagementClientOptionalParams } from "@azure/arm-datafactory";
import { Option } from "commander";
import { EXIT_FAILED, EXIT_OK, UsageError } from "./lib/cli";
import { type Io, defineCommand, runMain } from "./lib/command";
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

/** The factory command's Io: the process's, plus ARM test hooks. */
export interface FactoryIo extends Io {
  /** Test hook: ARM credential (default: DefaultAzureCredential) and client options. */
  arm?: { credential?: TokenCredential; clientOptions?: DataFactoryManagementClientOptionalParams };
}

interface Flags {
  stack?: string;
  outputs?: string;
  endpoint?: string;
  param?: string[];
  since?: string;
  covering?: string;
}

/** Pipeline run states that mean the run ended badly (exit 1). */
const FAILED_RUN_STATES = new Set(["Failed", "Cancelled", "Canceling"]);

export const main = defineCommand<Flags, FactoryIo>(
  (program) => {
    program
      .name("factory")
      .description("Operate the migration Data Factory of a deployed stack")
      .addOption(new Option("-s, --stack <name>", "read the factory from this stack's outputs (needs the pulumi CLI)").conflicts("outputs"))
      .option("-o, --outputs <file>", "read the factory from a file saved with `pulumi stack output --json`")
      .option("--endpoint <url>", "Azure Resource Manager endpoint (default https://management.azure.com)");
    program
      .command("triggers")
      .description("start or stop every trigger the stack deployed (ARM creates them stopped)")
      .argument("<action>", "start or stop");
    program
      .command("run")
      .description("start a run of one of the stack's pipelines and print its run id")
      .argument("<pipeline>", "pipeline name, e.g. full-copy")
      .option("-p, --param <name=value...>", "pipeline parameter (JSON values are parsed: arrays, numbers)");
    program
      .command("status")
      .description("print the status of a pipeline run (exit 1 when it failed or was cancelled)")
      .argument("<runId>", "run id printed by `run`");
    program
      .command("windows")
      .description("list a tumbling window trigger's window runs with state and time range; --covering: exit 1 unless that moment is copied")
      .argument("<trigger>", "trigger name, e.g. sync-gen1-to-gen2-window")
      .option("--since <instant>", "window runs updated at or after this UTC instant (default: 7 days ago)")
      .option("--covering <instant>", "exit 0 only if a Succeeded window holds this instant and no earlier listed window is unsucceeded");
    return program;
  },
  (flags, io, cmd) => {
    const out = (line: string) => io.out(`${line}\n`);
    const [arg] = cmd.args;
    if (cmd.name() === "triggers") return triggers(arg, flags, io, out);
    if (cmd.name() === "run") return run(arg, flags, io, out);
    if (cmd.name() === "windows") return windows(arg, flags, io, out);
    return status(arg, flags, io, out);
  },
);

async function connect(flags: Flags, io: FactoryIo) {
  if (flags.endpoint !== undefined && !/^https:\/\/[^\s/]+/.test(flags.endpoint)) {
    throw new UsageError(`--endpoint ${flags.endpoint}: must be an https:// URL (ARM tokens are only sent over TLS)`);
  }
  const target = factoryTarget(await readStackOutputs({ stack: flags.stack, outputsFile: flags.outputs }));
  const credential = io.arm?.credential ?? new DefaultAzureCredential();
  return { target, client: factoryClient(target, credential, { endpoint: flags.endpoint, clientOptions: io.arm?.clientOptions }) };
}

async function triggers(action: string, flags: Flags, io: FactoryIo, out: (line: string) => void): Promise<number> {
  if (action !== "start" && action !== "stop") throw new UsageError(`triggers ${action}: unknown action; use start or stop`);
  const { target, client } = await connect(flags, io);
  if (target.triggers.length === 0) {
    out(`factory ${target.factoryName} has no triggers (pattern without a schedule): nothing to ${action}`);
    return EXIT_OK;
  }
  const outcomes = await setTriggerStates(client, target, action as TriggerAction, out);
  const failed = outcomes.filter((o) => o.after === "failed").length;
  out(`${outcomes.length - failed} of ${outcomes.length} triggers ${action === "start" ? "started" : "stopped"} in ${target.factoryName}`);
  return failed > 0 ? EXIT_FAILED : EXIT_OK;
}

async function run(pipeline: string, flags: Flags, io: FactoryIo, out: (line: string) => void): Promise<number> {
  const parameters = parseParams(flags.param ?? []);
  const { target, client } = await connect(flags, io);
  if (!target.pipelines.includes(pipeline)) {
    throw new UsageError(`run ${pipeline}: not a pipeline of this stack; pipelines: ${target.pipelines.join(", ")}`);
  }
  const started = await client.pipelines.createRun(target.resourceGroupName, target.factoryName, pipeline, { parameters });
  out(`started ${pipeline} in ${target.factoryName}: run id ${started.runId}`);
  out(`follow it with: npm run factory -- status ${started.runId}`);
  return EXIT_OK;
}

async function status(runId: string, flags: Flags, io: FactoryIo, out: (line: string) => void): Promise<number> {
  const { target, client } = await connect(flags, io);
  const pipelineRun = await client.pipelineRuns.get(target.resourceGroupName, target.factoryName, runId);
  const fields: [string, unknown][] = [
    ["pipeline", pipelineRun.pipelineName],
    ["status", pipelineRun.status],
    ["started", pipelineRun.runStart?.toISOString()],
    ["ended", pipelineRun.runEnd?.toISOString()],
    ["duration", pipelineRun.durationInMs === undefined ? undefined : `${Math.round(pipelineRun.durationInMs / 1000)}s`],
    ["message", pipelineRun.message || undefined],
  ];
  out(`run ${runId}`);
  for (const [k, v] of fields) if (v !== undefined) out(`  ${k}: ${String(v)}`);
  return pipelineRun.status !== undefined && FAILED_RUN_STATES.has(pipelineRun.status) ? EXIT_FAILED : EXIT_OK;
}

async function windows(trigger: string, flags: Flags, io: FactoryIo, out: (line: string) => void): Promise<number> {
  const covering = flags.covering === undefined ? undefined : instantFlag("--covering", flags.covering);
  const since = flags.since === undefined ? new Date(Date.now() - 7 * 86_400_000) : instantFlag("--since", flags.since);
  const { target, client } = await connect(flags, io);
  if (!target.triggers.includes(trigger)) throw new UsageError(`windows ${trigger}: not a trigger of this stack; triggers: ${target.triggers.join(", ") || "none"}`);
  const runs = await windowRuns(client, target, trigger, { since });
  for (const w of runs) out(formatWindow(w));
  out(`${runs.length} window run(s) of ${trigger} updated since ${since.toISOString()}`);
  if (covering === undefined) return EXIT_OK;
  const gate = flipGate(runs, covering);
  for (const w of gate.unfinished) out(`not copied yet: ${formatWindow(w)}`);
  if (gate.ok && gate.covering) {
    out(`${covering.toISOString()} is copied: window ${formatWindow(gate.covering)}`);
    return EXIT_OK;
  }
  out(`${covering.toISOString()} is not copied yet: ${gate.covering ? "an earlier window has not succeeded" : "no Succeeded window holds it"}; wait and run this again`);
  return EXIT_FAILED;
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

if (require.main === module) runMain(main);
