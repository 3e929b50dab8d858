import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import type { DataFactoryManagementClientOptionalParams, PipelineRun } from "@azure/arm-datafactory";
import { Command, Option } from "commander";
import { EXIT_FAILED, EXIT_OK, UsageError, runCli } from "./lib/cli";
import { readStackOutputs } from "./lib/stackOutputs";
import { emulatorClock, parseDuration } from "./factory/clock";
import { factoryClient, factoryTarget, isLoopbackHost } from "./factory/target";
import { type TriggerAction, setTriggerStates } from "./factory/triggers";

/**
 * `npm run factory -- <command>`: operate the deployed migration factory.
 *   triggers start|stop   start (or stop) every trigger of the stack
 *   run <pipeline>        start a pipeline run, wait for it to end, print its status
 *   status <runId>        print a pipeline run's status
 *   clock [--advance d]   (Data Factory emulator only) print or advance its clock
 * The factory is found through the stack outputs (--stack, or --outputs for a
 * saved `pulumi stack output --json`).
 */

export interface FactoryCliDeps {
  credential: () => TokenCredential;
  clientOptions?: DataFactoryManagementClientOptionalParams;
  out: (line: string) => void;
  /** How often `run` polls the run's status; default 10 000 ms. */
  pollIntervalMs?: number;
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
/** Pipeline run states after which the run changes no more. */
const FINAL_RUN_STATES = new Set(["Succeeded", "Failed", "Cancelled"]);

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
    if (g.endpoint !== undefined) checkEndpoint(g.endpoint);
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
    .description("start a run of one of the stack's pipelines, wait until it ends and print its status (exit 1 when it failed)")
    .argument("<pipeline>", "pipeline name, e.g. full-copy")
    .option("-p, --param <name=value...>", "pipeline parameter (JSON values are parsed: arrays, numbers)")
    .option("--no-wait", "print the run id and return at once")
    .option("--timeout <hours>", "stop waiting after this long (the run goes on); 1 to 168", "168")
    .action(async (pipeline: string, opts: { param?: string[]; wait: boolean; timeout: string }, cmd: Command) => {
      const timeoutHours = Number(opts.timeout);
      if (!Number.isFinite(timeoutHours) || timeoutHours < 1 || timeoutHours > 168) throw new UsageError(`--timeout ${opts.timeout}: give hours from 1 to 168`);
      const parameters = parseParams(opts.param ?? []);
      const { target, client } = await connect(cmd);
      if (!target.pipelines.includes(pipeline)) {
        throw new UsageError(`run ${pipeline}: not a pipeline of this stack; pipelines: ${target.pipelines.join(", ")}`);
      }
      const run = await client.pipelines.createRun(target.resourceGroupName, target.factoryName, pipeline, { parameters });
      deps.out(`started ${pipeline} in ${target.factoryName}: run id ${run.runId}`);
      if (!opts.wait) {
        deps.out(`follow it with: npm run factory -- status ${run.runId}`);
        return;
      }
      const deadline = Date.now() + timeoutHours * 3_600_000;
      const interval = deps.pollIntervalMs ?? 10_000;
      for (;;) {
        const now = await client.pipelineRuns.get(target.resourceGroupName, target.factoryName, run.runId);
        if (now.status !== undefined && FINAL_RUN_STATES.has(now.status)) {
          printRun(run.runId, now, deps.out);
          if (FAILED_RUN_STATES.has(now.status)) code = EXIT_FAILED;
          return;
        }
        if (Date.now() + interval > deadline) {
          deps.out(`run ${run.runId} is still ${now.status ?? "running"} after ${timeoutHours} h; follow it with: npm run factory -- status ${run.runId}`);
          code = EXIT_FAILED;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, interval));
      }
    });

  program
    .command("status")
    .description("print the status of a pipeline run (exit 1 when it failed or was cancelled)")
    .argument("<runId>", "run id printed by `run`")
    .action(async (runId: string, _opts: unknown, cmd: Command) => {
      const { target, client } = await connect(cmd);
      const run = await client.pipelineRuns.get(target.resourceGroupName, target.factoryName, runId);
      printRun(runId, run, deps.out);
      if (run.status !== undefined && FAILED_RUN_STATES.has(run.status)) code = EXIT_FAILED;
    });

  program
    .command("clock")
    .description("Data Factory emulator only: print its clock, or advance it and run the tumbling windows that fall due")
    .option("--advance <duration>", "move the clock forward by 30s, 15m, 2h, 1d ...")
    .option("--to <time>", "move the clock to this ISO 8601 time")
    .action(async (opts: { advance?: string; to?: string }, cmd: Command) => {
      if (opts.advance !== undefined && opts.to !== undefined) throw new UsageError("clock: give --advance or --to, not both");
      if (opts.to !== undefined && Number.isNaN(Date.parse(opts.to))) throw new UsageError(`--to ${opts.to}: not an ISO 8601 time`);
      const body = opts.advance !== undefined ? { advanceBySeconds: parseDuration(opts.advance) } : opts.to !== undefined ? { advanceTo: opts.to } : undefined;
      const g = cmd.optsWithGlobals<GlobalOpts>();
      if (g.endpoint === undefined) throw new UsageError("clock: needs --endpoint (the Data Factory emulator's)");
      const { client } = await connect(cmd);
      const reply = await emulatorClock(client, g.endpoint, body);
      if (!body) {
        deps.out(`emulator clock: ${reply.now}`);
        return;
      }
      deps.out(`emulator clock: ${reply.from} -> ${reply.to}`);
      for (const w of reply.windows ?? []) deps.out(`  ${w.trigger} [${w.windowStart}, ${w.windowEnd}): ${w.status}${w.attempts > 1 ? ` (attempt ${w.attempts})` : ""}`);
      deps.out(`${reply.windows?.length ?? 0} window runs`);
      if ((reply.windows ?? []).some((w) => w.status === "Failed")) code = EXIT_FAILED;
    });

  await program.parseAsync(argv);
  return code;
}

function printRun(runId: string, run: PipelineRun, out: (line: string) => void): void {
  const fields: [string, unknown][] = [
    ["pipeline", run.pipelineName],
    ["status", run.status],
    ["started", run.runStart?.toISOString()],
    ["ended", run.runEnd?.toISOString()],
    ["duration", run.durationInMs === undefined ? undefined : `${Math.round(run.durationInMs / 1000)}s`],
    ["message", run.message || undefined],
  ];
  out(`run ${runId}`);
  for (const [k, v] of fields) if (v !== undefined) out(`  ${k}: ${String(v)}`);
}

/**
 * ARM tokens travel over TLS only, except to a loopback host: a local
 * emulator (npm run emulators) never leaves the machine.
 */
function checkEndpoint(endpoint: string): void {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    // reported below
  }
  if (url?.protocol === "https:") return;
  if (url?.protocol === "http:" && isLoopbackHost(url.hostname)) return;
  throw new UsageError(`--endpoint ${endpoint}: must be an https:// URL (ARM tokens are only sent over TLS); http:// is accepted for 127.0.0.1, localhost and [::1] only`);
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
