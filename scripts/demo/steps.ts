import type { FolderConfig, IngestConfig } from "../../components/config/migration";
import type { Gen1Seed } from "../../emulators/gen1/server";
import type { Main } from "../lib/command";
import type { EmulatorSession } from "../emulators/session";
import type { Landed, LakeChanges } from "./lake";

/**
 * The demo's road map as a list of steps, so a step is added by adding an
 * element (roadmap.ts puts them together per pattern). A command step runs
 * a command's main in this process with the emulators' environment,
 * exactly with the arguments printed; an action step does what a user or
 * workload would do outside this project (write to a lake, edit the stack
 * file, `pulumi up`); a check step reads the lakes back over HTTP and says
 * whether they hold what docs/patterns.md promises.
 */

export interface DemoContext {
  session: EmulatorSession;
  /** `--stack <s>` or `--config-file <f>`; a writer flip points it at the flipped stack file. */
  stackArgs: string[];
  /** The stack outputs file the commands read; a flip replaces it with the flipped stack's. */
  outputsFile: string;
  /** Gen1 account name of the stack (source.accountName). */
  gen1Account: string;
  /** The stack's migration.folders. */
  folders: FolderConfig[];
  /** dual-pipeline: the landing zone. */
  ingest?: IngestConfig;
  /** bidirectional-sync: indices of the folders the demo flips to writer gen2. */
  flip?: number[];
  lake: Gen1Seed[];
  /** Temp dir for the steps' files (validate report, reconcile journal), removed when the demo ends. */
  scratch: string;
  /** The stack's first tumbling window trigger and where its first window starts; absent for patterns without one. */
  window?: { trigger: string; start: number };
  /** Set by the Gen1 changes step. */
  changes?: LakeChanges;
  /** dual-pipeline: what producers landed. */
  landed?: Landed[];
  /** When the writers stopped (the `--covering` moment of the windows gate). */
  stoppedAt?: number;
  /** Set by the writer flip. */
  flipped?: FlipState;
}

/** A file a writer put in one lake after the flip, and where the factory must copy it in the other. */
export interface Written {
  gen1: string;
  gen2: { filesystem: string; path: string };
  content: string;
}

export interface FlipState {
  /** writerSince of the flipped folders (epoch ms). */
  since: number;
  /** The flipped stack's outputs file, written by its plan and read once it is deployed. */
  outputsFile: string;
  /** Gen1 modification times of the flipped folders' files at the flip: no copy back may rewrite them. */
  gen1Times: Map<string, number>;
  /** Written on Gen2 in the flipped folders after writerSince (must reach Gen1). */
  gen2Writes: Written[];
  /** Written on Gen1 in a folder still written there (must still reach Gen2). */
  gen1Writes: Written[];
}

export interface CommandResult {
  code: number;
  stdout: string;
}

export interface CommandStep {
  kind: "command";
  title: string;
  /** The npm script, e.g. "validate". */
  script: string;
  args: (ctx: DemoContext) => string[];
  main: () => Promise<Main>;
  /** undefined when the step behaved as documented, else what did not. */
  check: (result: CommandResult, ctx: DemoContext) => string | undefined;
  /** The stdout is a `validate --json` report, collected in `validations`. */
  validation?: boolean;
  /** Figures of the result worth keeping in the `--json` record (reconcile's fixes per kind). */
  counts?: (result: CommandResult) => Record<string, number>;
}

export interface ActionStep {
  kind: "action";
  title: string;
  /** What the step does, in words (printed instead of a command line). */
  describe: string;
  run: (ctx: DemoContext) => Promise<string>;
}

export interface CheckStep {
  kind: "check";
  title: string;
  describe: string;
  /** What was read back, and the problem when it is not what the pattern promises. */
  run: (ctx: DemoContext) => Promise<{ text: string; problem?: string }>;
}

export type DemoStep = CommandStep | ActionStep | CheckStep;

export const exitIs = (want: number) => (r: CommandResult): string | undefined => (r.code === want ? undefined : `exit ${r.code}, expected ${want}`);

export const outputs = (ctx: DemoContext): string[] => ["--outputs", ctx.outputsFile];
export const arm = (ctx: DemoContext): string => ctx.session.endpoints.arm!;
export const iso = (ms: number): string => new Date(ms).toISOString();

export const assess: CommandStep = {
  kind: "command",
  title: "Assess the Gen1 lake",
  script: "assess",
  args: (ctx) => ["--source", `adl://${ctx.gen1Account}.azuredatalakestore.net/`, "--account-url", ctx.session.endpoints.gen1, "--acls", "--top", "3", "--examples", "3"],
  main: async () => (await import("../assess")).main,
  check: exitIs(0),
};

export const plan: CommandStep = {
  kind: "command",
  title: "Plan the stack offline and save its outputs (what `pulumi up` would export)",
  script: "plan",
  args: (ctx) => [...ctx.stackArgs, "--outputs-file", ctx.outputsFile, "--dfs-endpoint", ctx.session.endpoints.dfs],
  main: async () => (await import("../plan")).main,
  check: exitIs(0),
};

export const postDeploy: CommandStep = {
  kind: "command",
  title: "Post-deploy: folders, triggers, ACLs",
  script: "post-deploy",
  args: (ctx) => [...ctx.stackArgs, ...outputs(ctx), "--arm-endpoint", arm(ctx)],
  main: async () => (await import("../post-deploy")).main,
  check: exitIs(0),
};

export const fullCopy: CommandStep = {
  kind: "command",
  title: "Full copy: run the full-copy pipeline in Data Factory and wait",
  script: "factory",
  args: (ctx) => ["run", "full-copy", ...outputs(ctx), "--endpoint", arm(ctx)],
  main: async () => (await import("../factory")).main,
  check: exitIs(0),
};

export const triggers = (action: "start" | "stop", title: string): CommandStep => ({
  kind: "command",
  title,
  script: "factory",
  args: (ctx) => ["triggers", action, ...outputs(ctx), "--endpoint", arm(ctx)],
  main: async () => (await import("../factory")).main,
  check: exitIs(0),
});

/** When the first window falls due (its end plus the trigger's delay), as the emulated trigger computes it; the trigger must be started. */
export function firstDue(ctx: DemoContext): number {
  const factory = ctx.session.rehearsal.factory!;
  const due = factory.trigger(ctx.window!.trigger)?.nextEvent(factory.now().getTime());
  if (due === undefined) throw new Error(`trigger ${ctx.window!.trigger} has no window due: was it started by post-deploy?`);
  return due;
}

/** Moves the factory clock to `to(ctx)`; unless `windowsDue` is false, at least one window must run on the way. */
export const clock = (title: string, to: (ctx: DemoContext) => number, windowsDue = true): CommandStep => ({
  kind: "command",
  title,
  script: "factory",
  args: (ctx) => ["clock", "--to", iso(to(ctx)), ...outputs(ctx), "--endpoint", arm(ctx)],
  main: async () => (await import("../factory")).main,
  check: (r) => {
    if (r.code !== 0) return `exit ${r.code}, expected 0`;
    const ran = Number(/^(\d+) window runs$/m.exec(r.stdout)?.[1] ?? 0);
    return ran > 0 || !windowsDue ? undefined : "no window ran";
  },
});

export const firstWindow = clock("Window: move the Data Factory clock past the first window's due time", firstDue);

/**
 * The gate of docs/patterns.md before a cut-over or a writer flip:
 * `factory windows <trigger> --covering <the moment the writers stopped>`
 * exits 0 only once a Succeeded window holds that moment. `want` 1: asked
 * before the window ran, it must refuse.
 */
export const windowsGate = (want: 0 | 1): CommandStep => ({
  kind: "command",
  title: want === 0 ? "Gate: a Succeeded window covers the moment the writers stopped" : "Gate asked too early: no window covers the moment the writers stopped yet",
  script: "factory",
  args: (ctx) => ["windows", ctx.window!.trigger, "--since", iso(ctx.window!.start), "--covering", iso(ctx.stoppedAt!), ...outputs(ctx), "--endpoint", arm(ctx)],
  main: async () => (await import("../factory")).main,
  check: (r) => {
    const off = exitIs(want)(r);
    if (off) return off;
    const said = want === 0 ? / is copied: window /.test(r.stdout) : / is not copied yet: /.test(r.stdout);
    return said ? undefined : `exit ${r.code} without saying whether the moment is copied`;
  },
});
