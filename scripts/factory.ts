import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import type { DataFactoryManagementClient, DataFactoryManagementClientOptionalParams, PipelineRun } from "@azure/arm-datafactory";
import { Option } from "commander";
import { RestError } from "@azure/core-rest-pipeline";
import { CommandFailed, EXIT_FAILED, EXIT_OK, Interrupted, UsageError } from "./lib/cli";
import { type Io, defineCommand, runMain } from "./lib/command";
import { sleep } from "./lib/retry";
import { readStackOutputs } from "./lib/stackOutputs";
import { emulatorClock, parseDuration } from "./factory/clock";
import { ARM_TOKEN_ENV, emulatorCredential, runPollIntervalMs } from "./lib/emulatorAuth";
import { type FactoryTarget, factoryClient, factoryTarget, isLoopbackHost } from "./factory/target";
import { type TriggerAction, setTriggerStates } from "./factory/triggers";
import { flipGate, formatWindow, windowRuns } from "./factory/windows";

/**
 * `npm run factory -- <command>`: operate the deployed migration factory.
 *   triggers start|stop   start (or stop) every trigger of the stack
 *   run <pipeline>        start a pipeline run, wait for it to end, print its status
 *   status <runId>        print a pipeline run's status
 *   windows <trigger>     list a tumbling window trigger's window runs (gate a flip with --covering)
 *   clock [--advance d]   (Data Factory emulator only) print or advance its clock
 * The factory is found through the stack outputs (--stack, or --outputs for a
 * saved `pulumi stack output --json`).
 */

/** The factory command's Io: the process's, plus ARM test hooks. */
export interface FactoryIo extends Io {
  /** Test hook: ARM credential (default: DefaultAzureCredential) and client options. */
  arm?: { credential?: TokenCredential; clientOptions?: DataFactoryManagementClientOptionalParams };
  /** Test hook: how often `run` polls the run's status; default 10 000 ms. */
  pollIntervalMs?: number;
}

interface Flags {
  stack?: string;
  outputs?: string;
  endpoint?: string;
  param?: string[];
  wait?: boolean;
  timeout?: string;
  advance?: string;
  to?: string;
  since?: string;
  covering?: string;
}

/** Pipeline run states that mean the run ended badly (exit 1). */
const FAILED_RUN_STATES = new Set(["Failed", "Cancelled", "Canceling"]);
/** Pipeline run states after which the run changes no more. */
const FINAL_RUN_STATES = new Set(["Succeeded", "Failed", "Cancelled"]);

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
      .description("start a run of one of the stack's pipelines, wait until it ends and print its status (exit 1 when it failed)")
      .argument("<pipeline>", "pipeline name, e.g. full-copy")
      .option("-p, --param <name=value...>", "pipeline parameter (JSON values are parsed: arrays, numbers)")
      .option("--no-wait", "print the run id and return at once")
      .option("--timeout <hours>", "stop waiting after this long (the run goes on); 1 to 168", "168");
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
    program
      .command("clock")
      .description("Data Factory emulator only: print its clock, or advance it and run the tumbling windows that fall due")
      .option("--advance <duration>", "move the clock forward by 30s, 15m, 2h, 1d ...")
      .option("--to <time>", "move the clock to this ISO 8601 time");
    return program;
  },
  (flags, io, cmd) => {
    const out = (line: string) => io.out(`${line}\n`);
    const [arg] = cmd.args;
    if (cmd.name() === "triggers") return triggers(arg, flags, io, out);
    if (cmd.name() === "run") return run(arg, flags, io, out);
    if (cmd.name() === "windows") return windows(arg, flags, io, out);
    if (cmd.name() === "clock") return clock(flags, io, out);
    return status(arg, flags, io, out);
  },
);

async function connect(flags: Flags, io: FactoryIo) {
  if (flags.endpoint !== undefined) checkEndpoint(flags.endpoint);
  const target = factoryTarget(await readStackOutputs({ stack: flags.stack, outputsFile: flags.outputs }));
  const credential = io.arm?.credential ?? emulatorCredential(io.env, ARM_TOKEN_ENV, flags.endpoint) ?? new DefaultAzureCredential();
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
  const timeoutHours = Number(flags.timeout ?? "168");
  if (!Number.isFinite(timeoutHours) || timeoutHours < 1 || timeoutHours > 168) throw new UsageError(`--timeout ${flags.timeout}: give hours from 1 to 168`);
  const parameters = parseParams(flags.param ?? []);
  const { target, client } = await connect(flags, io);
  if (!target.pipelines.includes(pipeline)) {
    throw new UsageError(`run ${pipeline}: not a pipeline of this stack; pipelines: ${target.pipelines.join(", ")}`);
  }
  const started = await client.pipelines.createRun(target.resourceGroupName, target.factoryName, pipeline, { parameters }).catch((err: unknown) => {
    // The service refusing the run (a parameter the pipeline lacks, a pipeline being deleted) is an answer, not a crash.
    if (err instanceof RestError) throw new CommandFailed(`run ${pipeline}: Data Factory refused the run: ${err.message}`);
    throw err;
  });
  out(`started ${pipeline} in ${target.factoryName}: run id ${started.runId}`);
  if (flags.wait === false) {
    out(`follow it with: npm run factory -- status ${started.runId}`);
    return EXIT_OK;
  }
  const deadline = Date.now() + timeoutHours * 3_600_000;
  const interval = io.pollIntervalMs ?? runPollIntervalMs(flags.endpoint, 10_000);
  try {
    return await waitForRun(started.runId, { client, target, deadline, interval, timeoutHours, signal: io.signal }, out);
  } catch (err) {
    // Only the waiting stops: the run is Data Factory's, and goes on.
    if (io.signal?.aborted) throw new Interrupted(`factory: stopped waiting; run ${started.runId} goes on in Data Factory: follow it with npm run factory -- status ${started.runId}`);
    throw err;
  }
}

interface RunWait {
  client: DataFactoryManagementClient;
  target: FactoryTarget;
  deadline: number;
  interval: number;
  timeoutHours: number;
  signal?: AbortSignal;
}

/** Polls the run until it ends (its exit code), the deadline passes (exit 1), or `signal` aborts (throws). */
async function waitForRun(runId: string, w: RunWait, out: (line: string) => void): Promise<number> {
  const { client, target, deadline, interval, timeoutHours } = w;
  for (;;) {
    const now = await client.pipelineRuns.get(target.resourceGroupName, target.factoryName, runId, { abortSignal: w.signal });
    if (now.status !== undefined && FINAL_RUN_STATES.has(now.status)) {
      printRun(runId, now, out);
      return FAILED_RUN_STATES.has(now.status) ? EXIT_FAILED : EXIT_OK;
    }
    if (Date.now() + interval > deadline) {
      out(`run ${runId} is still ${now.status ?? "running"} after ${timeoutHours} h; follow it with: npm run factory -- status ${runId}`);
      return EXIT_FAILED;
    }
    await sleep(interval, w.signal);
  }
}

async function status(runId: string, flags: Flags, io: FactoryIo, out: (line: string) => void): Promise<number> {
  const { target, client } = await connect(flags, io);
  const pipelineRun = await client.pipelineRuns.get(target.resourceGroupName, target.factoryName, runId);
  printRun(runId, pipelineRun, out);
  return pipelineRun.status !== undefined && FAILED_RUN_STATES.has(pipelineRun.status) ? EXIT_FAILED : EXIT_OK;
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

async function clock(flags: Flags, io: FactoryIo, out: (line: string) => void): Promise<number> {
  if (flags.advance !== undefined && flags.to !== undefined) throw new UsageError("clock: give --advance or --to, not both");
  if (flags.to !== undefined && Number.isNaN(Date.parse(flags.to))) throw new UsageError(`--to ${flags.to}: not an ISO 8601 time`);
  if (flags.endpoint === undefined) throw new UsageError("clock: needs --endpoint (the Data Factory emulator's)");
  const body = flags.advance !== undefined ? { advanceBySeconds: parseDuration(flags.advance) } : flags.to !== undefined ? { advanceTo: flags.to } : undefined;
  const { client } = await connect(flags, io);
  const reply = await emulatorClock(client, flags.endpoint, body);
  if (!body) {
    out(`emulator clock: ${reply.now}`);
    return EXIT_OK;
  }
  out(`emulator clock: ${reply.from} -> ${reply.to}`);
  for (const w of reply.windows ?? []) out(`  ${w.trigger} [${w.windowStart}, ${w.windowEnd}): ${w.status}${w.attempts > 1 ? ` (attempt ${w.attempts})` : ""}`);
  out(`${reply.windows?.length ?? 0} window runs`);
  return (reply.windows ?? []).some((w) => w.status === "Failed") ? EXIT_FAILED : EXIT_OK;
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
  for (const g of gate.gaps) out(`no window run found for [${g.start.toISOString()}, ${g.end.toISOString()}): nothing shows it was copied`);
  if (gate.ok && gate.covering) {
    out(`${covering.toISOString()} is copied: window ${formatWindow(gate.covering)}`);
    return EXIT_OK;
  }
  out(`${covering.toISOString()} is not copied yet: ${!gate.covering ? "no Succeeded window holds it" : gate.gaps.length > 0 ? "windows before it have no run record" : "an earlier window has not succeeded"}; wait and run this again`);
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

if (require.main === module) runMain(main, { interruptible: true });
