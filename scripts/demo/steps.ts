import { readFileSync } from "fs";
import * as path from "path";
import type { Gen1Seed } from "../../emulators/gen1/server";
import type { Main } from "../lib/command";
import type { EmulatorSession } from "../emulators/session";
import { type LakeChanges, changesFor } from "./lake";

/**
 * The demo's road map as a list of steps, so a step is added by adding an
 * element. The road map ends validate → reconcile → validate, the last
 * with zero differences.
 * A command step runs a command's main in this process with the emulators'
 * environment, exactly with the arguments printed; an action step does what
 * a user or workload would do outside this project (write to Gen1).
 */

export interface DemoContext {
  session: EmulatorSession;
  /** `--stack <s>` or `--config-file <f>`. */
  stackArgs: string[];
  /** Gen1 account name of the stack (source.accountName). */
  gen1Account: string;
  /** The migrated Gen1 folders (migration.folders[].source). */
  folders: string[];
  lake: Gen1Seed[];
  /** Temp dir for the steps' files (validate report, reconcile journal), removed when the demo ends. */
  scratch: string;
  /** The stack's first tumbling window trigger and where its first window starts; absent for patterns without one. */
  window?: { trigger: string; start: number };
  /** Set by the Gen1 changes step. */
  changes?: LakeChanges;
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
}

export interface ActionStep {
  kind: "action";
  title: string;
  /** What the step does, in words (printed instead of a command line). */
  describe: string;
  run: (ctx: DemoContext) => Promise<string>;
}

export type DemoStep = CommandStep | ActionStep;

const exitIs = (want: number) => (r: CommandResult): string | undefined => (r.code === want ? undefined : `exit ${r.code}, expected ${want}`);

const outputs = (ctx: DemoContext): string[] => ["--outputs", ctx.session.outputsFile!];
const arm = (ctx: DemoContext): string => ctx.session.endpoints.arm!;

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
  args: (ctx) => [...ctx.stackArgs, "--outputs-file", ctx.session.outputsFile!, "--dfs-endpoint", ctx.session.endpoints.dfs],
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

/** Paths of the migrated folders that hold no file below them: a recursive copy does not create them (ADF docs, emulators/factory/copy.ts). */
export function emptyFolders(ctx: DemoContext): number {
  const roots = ctx.folders.map((f) => `/${f.split("/").filter(Boolean).join("/")}`);
  const under = (p: string) => roots.some((r) => p.startsWith(`${r}/`));
  const withFiles = new Set<string>();
  const files = [...ctx.lake.filter((s) => s.type !== "directory").map((s) => s.path), ...(ctx.changes?.added.map((s) => s.path) ?? [])];
  for (const f of files) {
    const parts = f.split("/").filter(Boolean);
    for (let i = 1; i < parts.length; i++) withFiles.add(`/${parts.slice(0, i).join("/")}`);
  }
  const dirs = new Set<string>();
  for (const s of ctx.lake) {
    const parts = s.path.split("/").filter(Boolean);
    // Implicit parents count as directories too.
    for (let i = 1; i <= (s.type === "directory" ? parts.length : parts.length - 1); i++) dirs.add(`/${parts.slice(0, i).join("/")}`);
  }
  return [...dirs].filter((d) => under(d) && !withFiles.has(d)).length;
}

interface ReportCounts {
  counts: Record<"missing" | "extra" | "type" | "size" | "stale" | "acl", number>;
  problems: string[];
}

/** Validate before reconcile: exit 1 with exactly the differences ADF is documented to leave: empty folders missing, files deleted on Gen1 still on Gen2. */
function documentedDifferences(r: CommandResult, ctx: DemoContext): string | undefined {
  let report: ReportCounts;
  try {
    report = JSON.parse(r.stdout) as ReportCounts;
  } catch {
    return `exit ${r.code}, and its output is not a JSON report`;
  }
  const want = { missing: emptyFolders(ctx), extra: ctx.changes?.deleted.length ?? 0, type: 0, size: 0, stale: 0, acl: 0 };
  const off = (Object.keys(want) as (keyof typeof want)[]).filter((k) => report.counts[k] !== want[k]).map((k) => `${k} ${report.counts[k]} (expected ${want[k]})`);
  if (report.problems.length > 0) off.push(`problems: ${report.problems.join("; ")}`);
  const expectedCode = Object.values(want).some((n) => n > 0) ? 1 : 0;
  if (r.code !== expectedCode) off.unshift(`exit ${r.code}, expected ${expectedCode}`);
  return off.length === 0 ? undefined : off.join(", ");
}

const BEFORE_RECONCILE = "before-reconcile";

/**
 * validate with ACLs: post-deploy's own entries (the stack's acls rules,
 * resolved through the outputs' principals) are not differences in
 * source-subset mode, so only what Gen1 holds and Gen2 lacks counts.
 */
const validateArgs = (ctx: DemoContext): string[] => [...ctx.stackArgs, ...outputs(ctx), "--source-account-url", ctx.session.endpoints.gen1, "--acls", "--acl-mode", "source-subset", "--json"];

/** A validation on the way: examples only. */
export const validate = (title: string): CommandStep => ({
  kind: "command",
  title,
  script: "validate",
  args: (ctx) => [...validateArgs(ctx), "--max-listed", "5"],
  main: async () => (await import("../validate")).main,
  check: documentedDifferences,
  validation: true,
});

/** The validation reconcile acts on: the report saved for `reconcile --report`, every difference in its full list (--out). */
export const validateBeforeReconcile = (title: string): CommandStep => ({
  kind: "command",
  title,
  script: "validate",
  args: (ctx) => [...validateArgs(ctx), "--out", path.join(ctx.scratch, BEFORE_RECONCILE)],
  main: async () => (await import("../validate")).main,
  check: documentedDifferences,
  validation: true,
});

const KINDS = { mkdir: "directories created", copy: "files copied by catch-up", acl: "ACLs set", delete: "extra paths deleted" } as const;

/** reconcile: exit 0, and per kind it printed everything planned as done, as many fixes as the report had differences. */
function fixedEverything(r: CommandResult, ctx: DemoContext): string | undefined {
  if (r.code !== 0) return `exit ${r.code}, expected 0`;
  const report = JSON.parse(readFileSync(path.join(ctx.scratch, `${BEFORE_RECONCILE}.json`), "utf8")) as ReportCounts;
  const off: string[] = [];
  let done = 0;
  for (const label of Object.values(KINDS)) {
    const m = new RegExp(`^  ${label}: (\\d+) of (\\d+)$`, "m").exec(r.stdout);
    if (!m) off.push(`no "${label}" line`);
    else if (m[1] !== m[2]) off.push(`${label}: ${m[1]} of ${m[2]}`);
    else done += Number(m[1]);
  }
  const differences = Object.values(report.counts).reduce((a, b) => a + b, 0);
  if (off.length === 0 && done !== differences) off.push(`${done} fixes for ${differences} differences`);
  return off.length === 0 ? undefined : off.join(", ");
}

export const reconcile: CommandStep = {
  kind: "command",
  title: "Reconcile: fix what the validation found (directories, catch-up copies, ACLs, deletes)",
  script: "reconcile",
  args: (ctx) => [
    ...ctx.stackArgs,
    ...outputs(ctx),
    "--report", path.join(ctx.scratch, `${BEFORE_RECONCILE}.json`),
    "--delete",
    "--endpoint", arm(ctx),
    "--source-account-url", ctx.session.endpoints.gen1,
    "--journal", path.join(ctx.scratch, "reconcile.jsonl"),
  ],
  main: async () => (await import("../reconcile")).main,
  check: fixedEverything,
};

/** The last validation: exit 0, zero differences, no problem. */
function zeroDifferences(r: CommandResult): string | undefined {
  let report: ReportCounts & { ok: boolean };
  try {
    report = JSON.parse(r.stdout) as typeof report;
  } catch {
    return `exit ${r.code}, and its output is not a JSON report`;
  }
  const off = Object.entries(report.counts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
  if (report.problems.length > 0) off.push(`problems: ${report.problems.join("; ")}`);
  if (!report.ok) off.unshift("ok is false");
  if (r.code !== 0) off.unshift(`exit ${r.code}, expected 0`);
  return off.length === 0 ? undefined : off.join(", ");
}

export const validateAfterReconcile: CommandStep = {
  kind: "command",
  title: "Validate after reconcile: zero differences",
  script: "validate",
  args: (ctx) => [...validateArgs(ctx), "--max-listed", "5"],
  main: async () => (await import("../validate")).main,
  check: zeroDifferences,
  validation: true,
};

export const changeGen1: ActionStep = {
  kind: "action",
  title: "Workloads keep writing to Gen1",
  describe: "rewrite, add and delete files on Gen1 inside the first window (the Gen1 emulator's in-process tree API)",
  async run(ctx) {
    const changes = changesFor(ctx.lake, ctx.window!.start);
    const tree = ctx.session.rehearsal.gen1.tree;
    for (const s of [...changes.changed, ...changes.added]) tree.put(s);
    for (const p of changes.deleted) tree.delete(p);
    ctx.changes = changes;
    return [
      ...changes.changed.map((s) => `rewritten ${s.path} (${s.size} bytes, ${new Date(s.modified!).toISOString()})`),
      ...changes.added.map((s) => `added     ${s.path} (${new Date(s.modified!).toISOString()})`),
      ...changes.deleted.map((p) => `deleted   ${p}`),
    ].join("\n");
  },
};

/** When the first window falls due (its end plus the trigger's delay), as the emulated trigger computes it; the trigger must be started. */
function firstDue(ctx: DemoContext): number {
  const factory = ctx.session.rehearsal.factory!;
  const due = factory.trigger(ctx.window!.trigger)?.nextEvent(factory.now().getTime());
  if (due === undefined) throw new Error(`trigger ${ctx.window!.trigger} has no window due: was it started by post-deploy?`);
  return due;
}

export const window: CommandStep = {
  kind: "command",
  title: "Incremental window: move the Data Factory clock past the first window's due time",
  script: "factory",
  args: (ctx) => ["clock", "--to", new Date(firstDue(ctx)).toISOString(), ...outputs(ctx), "--endpoint", arm(ctx)],
  main: async () => (await import("../factory")).main,
  check: (r) => {
    if (r.code !== 0) return `exit ${r.code}, expected 0`;
    const ran = Number(/^(\d+) window runs$/m.exec(r.stdout)?.[1] ?? 0);
    return ran > 0 ? undefined : "no window ran";
  },
};

/**
 * The road map for a pattern: with a tumbling window, changes travel
 * through it; without, the full copy is the migration. Either way it ends
 * validate → reconcile → validate until zero.
 */
export function demoSteps(hasWindow: boolean): DemoStep[] {
  const head = [assess, plan, postDeploy, fullCopy];
  const converge = (title: string) => [validateBeforeReconcile(title), reconcile, validateAfterReconcile];
  return hasWindow
    ? [...head, validate("Validate after the full copy"), changeGen1, window, ...converge("Validate after the window")]
    : [...head, ...converge("Validate after the full copy")];
}
