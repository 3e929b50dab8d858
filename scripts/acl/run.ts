import { Ace, applyModify, formatAces, satisfies, traverseChanges } from "./aclModel";
import type { ApplyEvents } from "./apply";
import { CheckpointStore, UnitState, batchDone, recordFailure, recordWrite, unitDone, unitFailed } from "./checkpoint";
import type { Lake } from "./lake";
import { Limit, desiredAcl, parentsOf, traversePrincipals } from "./plan";
import { errorReason } from "../lib/retry";
import type { ResolvedRule } from "./spec";

/**
 * Running: the writes of a rule, its traverse and its subtrees, each subtree
 * batch by batch, every outcome recorded through the checkpoint's
 * transitions and saved before the next batch.
 */

export interface RunContext {
  lake: Lake;
  store: CheckpointStore;
  limit: Limit;
  batchSize: number;
  dryRun: boolean;
  signal?: AbortSignal;
  events: ApplyEvents;
}

/**
 * --x for the rule's access principals on every parent, each parent read
 * fresh right before its write. Parents are independent of each other, so
 * they are done in parallel. Returns the parents that changed (or, failed,
 * needed to), top first, and how many of them failed.
 */
export async function grantTraverse(ctx: RunContext, rule: ResolvedRule): Promise<{ changed: string[]; failed: number }> {
  const cp = ctx.store.state;
  let failed = 0;
  const changed = await Promise.all(
    parentsOf(rule.directory).map((parent) =>
      ctx.limit(async () => {
        const info = await ctx.lake.readPath(rule.filesystem, parent, true);
        if (!info) return undefined;
        const changes = traverseChanges(info.acl, traversePrincipals(rule));
        if (changes.length === 0) return undefined;
        const label = parent === "" ? rule.filesystem : `${rule.filesystem}/${parent}`;
        if (ctx.dryRun) {
          ctx.events.note?.(`${rule.filesystem}/${parent || "(root)"}: would add ${formatAces(changes)} (traverse)`);
          return label;
        }
        try {
          await ctx.lake.setAcl(rule.filesystem, parent, applyModify(info.acl, changes, true));
          recordWrite(cp);
          ctx.events.progress?.({ paths: 1, failures: 0 });
        } catch (err) {
          if (ctx.signal?.aborted) throw err;
          failed += 1;
          recordFailure(cp, { path: `${rule.filesystem}/${parent}`, reason: errorReason(err) });
          ctx.events.progress?.({ paths: 0, failures: 1 });
        }
        return label;
      }),
    ),
  );
  return { changed: changed.filter((p): p is string => p !== undefined), failed };
}

/** Runs the given unfinished units of a rule within the run's concurrency. */
export async function runUnits(ctx: RunContext, rule: ResolvedRule, open: UnitState[]): Promise<void> {
  // set mode: every path gets the rule root's base entries plus the rule's entries, read once per rule.
  const setAcl = rule.mode === "set" && open.some((u) => u.kind === "tree") ? await rootSetAcl(ctx, rule) : undefined;
  await Promise.all(open.map((u) => ctx.limit(() => (u.kind === "self" ? runSelf(ctx, rule, u) : runTree(ctx, rule, u, setAcl)))));
}

async function rootSetAcl(ctx: RunContext, rule: ResolvedRule): Promise<Ace[]> {
  const root = await ctx.lake.readPath(rule.filesystem, rule.directory, true);
  return desiredAcl(rule, root?.acl ?? [], root?.acl ?? [], true);
}

/** A unit whose request failed after its retries: recorded, saved, and left for --resume. Aborts propagate. */
function failUnit(ctx: RunContext, unit: UnitState, path: string, err: unknown): void {
  if (ctx.signal?.aborted) throw err;
  unitFailed(ctx.store.state, unit, { path, reason: errorReason(err) });
  ctx.events.progress?.({ paths: 0, failures: 1 });
  ctx.store.save();
  ctx.events.unitDone?.();
}

/** The rule root alone: read, and written only when it lacks the entries. */
async function runSelf(ctx: RunContext, rule: ResolvedRule, unit: UnitState): Promise<void> {
  try {
    const info = await ctx.lake.readPath(rule.filesystem, unit.path, true);
    if (info && !satisfies(info.acl, rule.entries, rule.mode, true)) {
      await ctx.lake.setAcl(rule.filesystem, unit.path, desiredAcl(rule, info.acl, info.acl, true));
      recordWrite(ctx.store.state);
      ctx.events.progress?.({ paths: 1, failures: 0 });
    }
    unitDone(unit);
  } catch (err) {
    return failUnit(ctx, unit, `${rule.filesystem}/${unit.path}`, err);
  }
  ctx.store.save();
  ctx.events.unitDone?.();
}

/** A subtree with the recursive API, batch after batch from its recorded token. */
async function runTree(ctx: RunContext, rule: ResolvedRule, unit: UnitState, setAcl: Ace[] | undefined): Promise<void> {
  const request = setAcl ? { mode: "set" as const, acl: setAcl } : { mode: "modify" as const, acl: rule.entries };
  do {
    let batch;
    try {
      batch = await ctx.lake.recursiveBatch(rule.filesystem, unit.path, { ...request, token: unit.token, batchSize: ctx.batchSize });
    } catch (err) {
      // The whole request failed (not a per-path failure): the token stays for --resume.
      return failUnit(ctx, unit, `${rule.filesystem}/${unit.path}`, err);
    }
    batchDone(ctx.store.state, unit, batch);
    ctx.store.save();
    ctx.events.progress?.({ paths: batch.directories + batch.files, failures: batch.failureCount });
  } while (unit.token);
  ctx.events.unitDone?.();
}
