import { type LakeChanges, changesFor, housekeeping, landedBatches } from "./lake";
import { gen1Text, gen2Text } from "./lakes";
import { type ActionStep, type CheckStep, type DemoContext, iso } from "./steps";

/**
 * What the workloads do to the lakes while the factory runs, written
 * through the emulators' in-process trees (as a workload outside this
 * project would), and the check that the landed data arrived.
 */

const roots = (ctx: DemoContext): string[] => ctx.folders.map((f) => f.source);

/** The writers stop this long after the first window starts: after every change the demo makes in it. */
const STOP_AFTER_MS = 25 * 60_000;

function applyGen1(ctx: DemoContext, changes: LakeChanges): string[] {
  const tree = ctx.session.rehearsal.gen1.tree;
  for (const s of [...changes.changed, ...changes.added]) tree.put(s);
  for (const p of changes.deleted) tree.delete(p);
  if (changes.renamed && !tree.rename(changes.renamed.from, changes.renamed.to)) throw new Error(`Gen1 rename ${changes.renamed.from} → ${changes.renamed.to} refused`);
  ctx.changes = changes;
  return [
    ...changes.changed.map((s) => `rewritten ${s.path} (${s.size} bytes, ${iso(s.modified!)})`),
    ...changes.added.map((s) => `added     ${s.path} (${iso(s.modified!)})`),
    ...changes.deleted.map((p) => `deleted   ${p}`),
    ...(changes.renamed ? [`renamed   ${changes.renamed.from} → ${changes.renamed.to} (keeps its modification time)`] : []),
  ];
}

export const changeGen1: ActionStep = {
  kind: "action",
  title: "Workloads keep writing to Gen1, then stop",
  describe: "rewrite, add, delete and rename files on Gen1 inside the first window (the Gen1 emulator's in-process tree API); the writers stop 25 minutes into it",
  async run(ctx) {
    const lines = applyGen1(ctx, changesFor(ctx.lake, roots(ctx), ctx.window!.start));
    ctx.stoppedAt = ctx.window!.start + STOP_AFTER_MS;
    return [...lines, `writers stopped at ${iso(ctx.stoppedAt)}`].join("\n");
  },
};

export const landBatches: ActionStep = {
  kind: "action",
  title: "Producers land new data in the landing zone; a Gen1 consumer tidies up",
  describe: "write batches under the landing path on Gen2 (the DFS emulator's in-process tree, stamped with the factory clock), and delete and rename files on Gen1",
  async run(ctx) {
    const landed = landedBatches(ctx.folders, ctx.ingest!);
    for (const l of landed) ctx.session.rehearsal.dfs.tree.writeFile(l.landing.filesystem, l.landing.path, l.content);
    ctx.landed = landed;
    ctx.stoppedAt = ctx.session.rehearsal.factory!.now().getTime();
    const lines = applyGen1(ctx, { changed: [], added: [], ...housekeeping(ctx.lake, roots(ctx)) });
    return [...landed.map((l) => `landed    ${l.landing.filesystem}/${l.landing.path}`), ...lines, `last batch landed at ${iso(ctx.stoppedAt)}`].join("\n");
  },
};

/** How a read compares with what was written, in a word. */
export const read = (got: string | number, want: string): string => (got === want ? "same bytes" : typeof got === "number" ? `HTTP ${got}` : "other bytes");

export const landedInBothLakes: CheckStep = {
  kind: "check",
  title: "The window copied every landed batch into Gen1 and Gen2",
  describe: "read each landed file back from Gen1 (WebHDFS OPEN) and Gen2 (DFS read) and compare its bytes",
  async run(ctx) {
    const off: string[] = [];
    const lines: string[] = [];
    for (const l of ctx.landed ?? []) {
      const [gen1, gen2] = [await gen1Text(ctx, l.gen1), await gen2Text(ctx, l.gen2.filesystem, l.gen2.path)];
      const ok = gen1 === l.content && gen2 === l.content;
      lines.push(`${ok ? "in both" : "NOT in both"}  ${l.gen1}  ${l.gen2.filesystem}/${l.gen2.path}`);
      if (!ok) off.push(`${l.landing.path}: Gen1 ${read(gen1, l.content)}, Gen2 ${read(gen2, l.content)}`);
    }
    if ((ctx.landed ?? []).length === 0) off.push("nothing was landed");
    return { text: lines.join("\n"), ...(off.length > 0 ? { problem: off.join("; ") } : {}) };
  },
};
