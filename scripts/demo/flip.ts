import * as path from "path";
import type { FolderConfig } from "../../components/config/migration";
import { planStack } from "../plan/stack";
import { gen1Files, gen1Text, gen2Text } from "./lakes";
import { flippedStack } from "./stack";
import { type ActionStep, type CheckStep, type CommandStep, type DemoContext, type DemoStep, type Written, clock, exitIs, iso, plan, triggers } from "./steps";
import { read } from "./workloads";

/**
 * bidirectional-sync's writer flip, Gen1 → Gen2, steps 4–6 of
 * docs/patterns.md ("Writer flip"): once the gate passed and validate said
 * zero, set `writer: gen2` and `writerSince`, plan, stop the triggers,
 * `pulumi up`, start them, let Gen2 write; then the lakes must show the
 * Gen2 writes on Gen1, Gen1's folders still syncing, and nothing Data
 * Factory wrote into Gen2 before writerSince copied back.
 */

const flipped = (ctx: DemoContext): FolderConfig[] => (ctx.flip ?? []).map((i) => ctx.folders[i]);
const join = (...parts: string[]): string => parts.filter((p) => p !== "").join("/");
const gen1Root = (f: FolderConfig): string => `/${f.source.split("/").filter(Boolean).join("/")}`;

/**
 * How far ahead of the factory clock writerSince is set. Data Factory's
 * copies into Gen2 carry the time they were written, and the Gen2 → Gen1
 * window copies back whatever is modified at or after writerSince: it must
 * come after every such copy into the folder, the covering window's run and
 * reconcile's catch-up run alike (both at the clock's current time here).
 */
const SINCE_AHEAD_MS = 5 * 60_000;

const setWriter: ActionStep = {
  kind: "action",
  title: "Flip: set writer: gen2 and writerSince in the stack file",
  describe: "writerSince 5 minutes ahead on the factory clock: after the Gen1 writer stopped and after every Data Factory copy into the folder (the covering window's run, reconcile's catch-up)",
  async run(ctx) {
    const since = ctx.session.rehearsal.factory!.now().getTime() + SINCE_AHEAD_MS;
    const file = flippedStack(ctx.stackArgs[1], ctx.flip ?? [], iso(since));
    const gen1Times = new Map<string, number>();
    for (const f of flipped(ctx)) for (const [p, t] of await gen1Files(ctx, gen1Root(f))) gen1Times.set(p, t);
    ctx.flipped = { since, outputsFile: path.join(ctx.scratch, "outputs-flipped.json"), gen1Times, gen2Writes: [], gen1Writes: [] };
    ctx.stackArgs = ["--config-file", file];
    return [...flipped(ctx).map((f) => `${f.source}: writer: gen2, writerSince: "${iso(since)}"`), `stack file ${file}`, `${gen1Times.size} Gen1 files of the flipped folders noted with their modification times`].join("\n");
  },
};

/** The flipped stack's plan: Gen2 → Gen1 gets its trigger, starting at writerSince (the first Gen2 folder of the stack). */
const planFlipped: CommandStep = {
  ...plan,
  title: "Plan the flipped stack: the Gen2 → Gen1 trigger starts at writerSince",
  args: (ctx) => [...ctx.stackArgs, "--outputs-file", ctx.flipped!.outputsFile, "--dfs-endpoint", ctx.session.endpoints.dfs],
  check: (r, ctx) => {
    const off = exitIs(0)(r);
    if (off) return off;
    const starts = new RegExp(`triggerName=sync-gen2-to-gen1-window[^\\n]*\\n[^\\n]* from ${iso(ctx.flipped!.since).replace(/\./g, "\\.")} `).test(r.stdout);
    return starts ? undefined : `the plan shows no sync-gen2-to-gen1-window starting at ${iso(ctx.flipped!.since)}`;
  },
};

const pulumiUp: ActionStep = {
  kind: "action",
  title: "pulumi up: deploy the flipped stack",
  describe: "the flipped stack's plan replaces the factory's pipelines and triggers in the Data Factory emulator (an unchanged trigger keeps its windows); the commands read its outputs from now on",
  async run(ctx) {
    const next = await planStack({ configFile: ctx.stackArgs[1] });
    ctx.session.rehearsal.deploy(next);
    ctx.outputsFile = ctx.flipped!.outputsFile;
    return `deployed: pipelines ${(next.outputs.pipelines as string[]).join(", ")}; triggers ${(next.outputs.triggers as string[]).join(", ")}`;
  },
};

/** Written on one side after the flip: the flipped folders on Gen2, the first folder still written on Gen1 there. */
const writeBothSides: ActionStep = {
  kind: "action",
  title: "Gen2 workloads write the flipped folders; Gen1 workloads still write the others",
  describe: "write a file into each flipped folder on Gen2 and one into a Gen1-written folder on Gen1 (the emulators' in-process trees, stamped with the factory clock: writerSince)",
  async run(ctx) {
    const { dfs, gen1 } = ctx.session.rehearsal;
    const state = ctx.flipped!;
    for (const f of flipped(ctx)) {
      const w: Written = { gen1: `${gen1Root(f)}/written-on-gen2.csv`, gen2: { filesystem: f.filesystem, path: join(f.target, "written-on-gen2.csv") }, content: `written on Gen2 into ${f.source}\n` };
      dfs.tree.writeFile(w.gen2.filesystem, w.gen2.path, w.content);
      state.gen2Writes.push(w);
    }
    const stillGen1 = ctx.folders.find((_, i) => !(ctx.flip ?? []).includes(i));
    if (stillGen1) {
      const owner = gen1.tree.get(gen1Root(stillGen1))?.owner ?? "";
      const w: Written = { gen1: `${gen1Root(stillGen1)}/written-on-gen1.csv`, gen2: { filesystem: stillGen1.filesystem, path: join(stillGen1.target, "written-on-gen1.csv") }, content: `written on Gen1 into ${stillGen1.source}\n` };
      gen1.tree.createFile(w.gen1, Buffer.from(w.content), { overwrite: false, permission: "640", owner });
      state.gen1Writes.push(w);
    }
    return [...state.gen2Writes.map((w) => `Gen2 ${w.gen2.filesystem}/${w.gen2.path}`), ...state.gen1Writes.map((w) => `Gen1 ${w.gen1}`)].join("\n");
  },
};

/** Until every started trigger has run one more window: the Gen2 → Gen1 trigger's first, starting at writerSince. */
function nextOfEvery(ctx: DemoContext): number {
  const factory = ctx.session.rehearsal.factory!;
  const now = factory.now().getTime();
  const due = [...factory.triggers.values()].map((t) => t.nextEvent(now)).filter((t): t is number => t !== undefined);
  if (due.length === 0) throw new Error("no started trigger has a window due: did `factory triggers start` run?");
  return Math.max(...due);
}

const flipHeld: CheckStep = {
  kind: "check",
  title: "After the flip: Gen2's writes reached Gen1, Gen1's still reach Gen2, nothing came back",
  describe: "read the written files from the other lake, and every Gen1 file of the flipped folders: its modification time must be the one it had at the flip (no copy back from Gen2)",
  async run(ctx) {
    const state = ctx.flipped!;
    const off: string[] = [];
    const lines: string[] = [];
    for (const w of state.gen2Writes) {
      const got = read(await gen1Text(ctx, w.gen1), w.content);
      lines.push(`Gen2 → Gen1 ${w.gen1}: ${got}`);
      if (got !== "same bytes") off.push(`${w.gen1} on Gen1: ${got}`);
    }
    for (const w of state.gen1Writes) {
      const got = read(await gen2Text(ctx, w.gen2.filesystem, w.gen2.path), w.content);
      lines.push(`Gen1 → Gen2 ${w.gen2.filesystem}/${w.gen2.path}: ${got}`);
      if (got !== "same bytes") off.push(`${w.gen2.filesystem}/${w.gen2.path} on Gen2: ${got}`);
    }
    const now = new Map<string, number>();
    for (const f of flipped(ctx)) for (const [p, t] of await gen1Files(ctx, gen1Root(f))) now.set(p, t);
    const rewritten = [...state.gen1Times].filter(([p, t]) => now.get(p) !== t).map(([p]) => p);
    lines.push(`${state.gen1Times.size - rewritten.length} of ${state.gen1Times.size} Gen1 files of the flipped folders untouched since the flip`);
    if (rewritten.length > 0) off.push(`copied back or gone on Gen1: ${rewritten.slice(0, 5).join(", ")}${rewritten.length > 5 ? ` and ${rewritten.length - 5} more` : ""}`);
    if (state.gen2Writes.length === 0) off.push("no folder was flipped");
    return { text: lines.join("\n"), ...(off.length > 0 ? { problem: off.join("; ") } : {}) };
  },
};

export const writerFlip: DemoStep[] = [
  setWriter,
  planFlipped,
  triggers("stop", "Stop the triggers before `pulumi up`"),
  pulumiUp,
  triggers("start", "Start the triggers again (the new Gen2 → Gen1 one too)"),
  clock("Wait for writerSince: the Gen2 writer starts then, not before", (ctx) => ctx.flipped!.since, false),
  writeBothSides,
  clock("Windows of both directions: move the clock until each trigger ran one more window", nextOfEvery),
  flipHeld,
];
