import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import type { Gen1Seed } from "../../emulators/gen1/server";
import type { Io } from "../lib/command";
import { STATE_DIR_ENV } from "../lib/stateDir";
import { startSession } from "../emulators/session";
import type { Plan } from "../plan/runtime";
import type { DemoStack } from "./stack";
import type { CommandStep, DemoContext, DemoStep } from "./steps";

export interface DemoOptions extends Omit<DemoStack, "tempDir"> {
  plan: Plan;
  lake: Gen1Seed[];
  steps: DemoStep[];
  /** Stops between steps when aborted (SIGINT, SIGTERM, SIGHUP); the emulators are closed either way. */
  signal?: AbortSignal;
  /** One line per finished step, as it happens (the narrated output); absent: quiet. */
  narrate?: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

export interface StepRecord {
  title: string;
  /** As a user types it; for an action, what it did in words. */
  command: string;
  exitCode: number;
  seconds: number;
  /** Whether the step behaved as documented. */
  expected: boolean;
  problem?: string;
  /** Figures of the result (reconcile: fixes per kind, `catchUp` the files the catch-up pipeline copied). */
  counts?: Record<string, number>;
}

export interface DemoResult {
  ok: boolean;
  steps: StepRecord[];
  /** Each `validate --json` report, in order. */
  validations: unknown[];
  seconds: number;
}

/**
 * The emulators' own stop, should this process hang: the demo closes them
 * when its last step ends. Minutes under load for the built-in lake (the
 * full copy of about 1 900 paths, or bidirectional-sync's seed), so well above that.
 */
const LIFETIME_MS = 30 * 60_000;

const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/** Lines after the first `max`, folded into a count so the narration stays readable. */
function excerpt(text: string, max: number): string {
  const lines = text.replace(/\s+$/, "").split("\n");
  const shown = lines.slice(0, max).map((l) => `    ${l}`);
  if (lines.length > max) shown.push(`    … ${lines.length - max} more lines`);
  return shown.join("\n");
}

/** The stack's first trigger; the emulator's clock starts at its startTime (emulators/rehearsal.ts). */
function firstWindow(ctx: DemoContext): DemoContext["window"] {
  const factory = ctx.session.rehearsal.factory;
  const trigger = ctx.session.outputs?.triggers[0];
  return trigger && factory ? { trigger, start: factory.now().getTime() } : undefined;
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const session = await startSession({ gen1: opts.lake, plan: opts.plan, lifetimeMs: LIFETIME_MS });
  // The steps' files (validate report, reconcile journal) live outside the work tree and go with the demo.
  const scratch = mkdtempSync(path.join(tmpdir(), "adls-demo-run-"));
  const { stackArgs, gen1Account, folders, ingest, flip, lake } = opts;
  const ctx: DemoContext = { session, stackArgs, outputsFile: session.outputsFile!, gen1Account, folders, ingest, flip, lake, scratch };
  ctx.window = firstWindow(ctx);
  // State of the emulated lake (ACL checkpoints, listing counts) is of no use after the demo: it goes with the scratch directory.
  const env = { ...opts.env, ...session.env, [STATE_DIR_ENV]: path.join(scratch, "state") };
  const steps: StepRecord[] = [];
  const validations: unknown[] = [];
  const say = opts.narrate ?? (() => undefined);
  try {
    say(`Emulators on 127.0.0.1: Gen1 ${session.endpoints.gen1}, Gen2 ${session.endpoints.dfs}, Data Factory ${session.endpoints.arm}\n${Object.entries(session.env).map(([k, v]) => `  export ${k}=${quote(v)}`).join("\n")}\n`);
    for (const [i, step] of opts.steps.entries()) {
      if (opts.signal?.aborted) break;
      say(`\n${i + 1}. ${step.title}`);
      const t0 = Date.now();
      const record = step.kind === "command" ? await runCommand(step, ctx, env, opts.signal, say, validations) : await runInProcess(step, ctx, say);
      record.seconds = Math.round((Date.now() - t0) / 100) / 10;
      say(`  → exit ${record.exitCode} in ${record.seconds} s: ${record.expected ? "as documented" : `NOT as documented: ${record.problem}`}`);
      steps.push(record);
    }
  } finally {
    await session.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  const ok = steps.length === opts.steps.length && steps.every((s) => s.expected);
  return { ok, steps, validations, seconds: Math.round((Date.now() - started) / 100) / 10 };
}

/** An action or a check: done here, printed as a comment; one that fails, or a check that finds the lakes wrong, is a step not as documented. */
async function runInProcess(step: Exclude<DemoStep, CommandStep>, ctx: DemoContext, say: (text: string) => void): Promise<StepRecord> {
  say(`  # ${step.describe}`);
  let outcome: { text: string; problem?: string };
  try {
    outcome = step.kind === "action" ? { text: await step.run(ctx) } : await step.run(ctx);
  } catch (err) {
    outcome = { text: "", problem: (err as Error).message };
  }
  const { text, problem } = outcome;
  if (text !== "") say(excerpt(text, 20));
  return { title: step.title, command: `# ${step.describe}`, exitCode: problem ? 1 : 0, seconds: 0, expected: problem === undefined, ...(problem ? { problem } : {}) };
}

async function runCommand(step: CommandStep, ctx: DemoContext, env: NodeJS.ProcessEnv, signal: AbortSignal | undefined, say: (text: string) => void, validations: unknown[]): Promise<StepRecord> {
  const args = step.args(ctx);
  const command = `npm run ${step.script} -- ${args.map(quote).join(" ")}`;
  say(`  $ ${command}`);
  let stdout = "";
  let stderr = "";
  const io: Io = { out: (s) => void (stdout += s), err: (s) => void (stderr += s), env, tty: false, signal };
  const code = await (await step.main())(args, io);
  const problem = step.check({ code, stdout }, ctx);
  if (step.validation) {
    try {
      validations.push(JSON.parse(stdout));
    } catch {
      validations.push({ unparsable: stdout.slice(0, 2000) });
    }
  }
  const shown = step.validation ? summary(stdout) : `${stdout}${stderr}`;
  if (shown.trim() !== "") say(excerpt(shown, step.validation ? 40 : 14));
  if (problem && stderr.trim() !== "" && step.validation) say(excerpt(stderr, 10));
  const counts = step.counts?.({ code, stdout });
  return { title: step.title, command, exitCode: code, seconds: 0, expected: problem === undefined, ...(problem ? { problem } : {}), ...(counts ? { counts } : {}) };
}

/** A validate JSON report in a few lines: totals, then each folder's differences with examples. */
function summary(json: string): string {
  let r: { ok: boolean; matched: number; counts: Record<string, number>; folders: { folder?: { source: string; filesystem: string; target: string; direction?: { from: string } }; counts: Record<string, number>; differences?: { kind: string; path: string }[] }[] };
  try {
    r = JSON.parse(json) as typeof r;
  } catch {
    return json;
  }
  const kinds = (c: Record<string, number>) => Object.entries(c).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(", ") || "none";
  const lines = [`${r.ok ? "no differences" : "differences"}: ${kinds(r.counts)}; ${r.matched} paths match`];
  for (const f of r.folders) {
    const gen2 = f.folder ? `${f.folder.filesystem}/${f.folder.target}` : "";
    // A writer: gen2 folder is compared Gen2 → Gen1, as validate's own heading says.
    const name = !f.folder ? "" : f.folder.direction ? `${gen2} → ${f.folder.source} (Gen2 → Gen1)` : `${f.folder.source} → ${gen2}`;
    lines.push(`${name}: ${kinds(f.counts)}`);
    for (const d of (f.differences ?? []).slice(0, 6)) lines.push(`  ${d.kind.padEnd(7)} ${d.path}`);
  }
  return lines.join("\n");
}
