import { Ace, applyModify, formatAces, satisfies, traverseChanges } from "./aclModel";
import type { ApplyEvents } from "./apply";
import type { UnitState } from "./checkpoint";
import type { Journal } from "./journal";
import type { Lake } from "./lake";
import { Limit, desiredAcl, parentsOf, traversePrincipals } from "./plan";
import { errorReason } from "../lib/retry";
import type { ResolvedRule } from "./spec";

/**
 * Running: the writes of a rule, its traverse and its subtrees, each subtree
 * batch by batch, every outcome appended to the journal before the next
 * batch is sent.
 */

export interface RunContext {
  lake: Lake;
  journal: Journal;
  limit: Limit;
  batchSize: number;
  dryRun: boolean;
  signal?: AbortSignal;
  events: ApplyEvents;
  /** Dry runs: keep the per-path list. */
  listPaths?: boolean;
}

/**
 * --x for the rule's access principals on every parent, each parent read
 * fresh right before its write. Parents are independent of each other, so
 * they are done in parallel. Returns the parents that changed (or, failed,
 * needed to), top first, and how many of them failed.
 */
export async function grantTraverse(ctx: RunContext, rule: ResolvedRule): Promise<{ changed: string[]; failed: number }> {
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
          ctx.journal.record({ t: "parent", r: rule.index, path: parent });
          ctx.events.progress?.({ paths: 1, failures: 0 });
        } catch (err) {
          if (ctx.signal?.aborted) throw err;
          failed += 1;
          ctx.journal.record({ t: "parentFailed", r: rule.index, path: `${rule.filesystem}/${parent}`, reason: errorReason(err) });
          ctx.events.progress?.({ paths: 0, failures: 1 });
        }
        return label;
      }),
    ),
  );
  return { changed: changed.filter((p): p is string => p !== undefined), failed };
}

/** Runs every unfinished unit of the rule's plan within the run's concurrency. */
export async function runUnits(ctx: RunContext, rule: ResolvedRule, units: UnitState[]): Promise<void> {
  const open = units.map((unit, index) => ({ unit, index })).filter((u) => u.unit.state !== "done");
  // set mode: every path gets the rule root's base entries plus the rule's entries, read once per rule.
  const setAcl = rule.mode === "set" && open.some((u) => u.unit.kind === "tree") ? await rootSetAcl(ctx, rule) : undefined;
  await Promise.all(open.map(({ unit, index }) => ctx.limit(() => (unit.kind === "self" ? runSelf(ctx, rule, unit, index) : runTree(ctx, rule, unit, index, setAcl)))));
}

export async function rootSetAcl(ctx: RunContext, rule: ResolvedRule): Promise<Ace[]> {
  const root = await ctx.lake.readPath(rule.filesystem, rule.directory, true);
  return desiredAcl(rule, root?.acl ?? [], root?.acl ?? [], true);
}

/** A unit whose request failed after its retries: recorded and left for --resume. Aborts propagate. */
function failUnit(ctx: RunContext, rule: ResolvedRule, unit: UnitState, index: number, err: unknown): void {
  if (ctx.signal?.aborted) throw err;
  ctx.journal.record({ t: "unitFailed", r: rule.index, u: index, path: `${rule.filesystem}/${unit.path}`, reason: errorReason(err) });
  ctx.events.progress?.({ paths: 0, failures: 1 });
  ctx.events.unitDone?.();
}

/** A directory alone: read, and written only when it lacks the entries. */
async function runSelf(ctx: RunContext, rule: ResolvedRule, unit: UnitState, index: number): Promise<void> {
  let written = 0;
  try {
    const info = await ctx.lake.readPath(rule.filesystem, unit.path, true);
    if (info && !satisfies(info.acl, rule.entries, rule.mode, true)) {
      await ctx.lake.setAcl(rule.filesystem, unit.path, desiredAcl(rule, info.acl, info.acl, true));
      written = 1;
    }
  } catch (err) {
    return failUnit(ctx, rule, unit, index, err);
  }
  ctx.journal.record({ t: "self", r: rule.index, u: index, d: written });
  ctx.events.progress?.({ paths: written, failures: 0 });
  ctx.events.unitDone?.();
}

/** A subtree with the recursive API, batch after batch from its recorded token. */
async function runTree(ctx: RunContext, rule: ResolvedRule, unit: UnitState, index: number, setAcl: Ace[] | undefined): Promise<void> {
  const request = setAcl ? { mode: "set" as const, acl: setAcl } : { mode: "modify" as const, acl: rule.entries };
  do {
    let b;
    try {
      b = await ctx.lake.recursiveBatch(rule.filesystem, unit.path, { ...request, token: unit.token, batchSize: ctx.batchSize });
    } catch (err) {
      // The whole request failed (not a per-path failure): the token stays for --resume.
      return failUnit(ctx, rule, unit, index, err);
    }
    // Counts are the service's own figures (directoriesSuccessful, filesSuccessful, failureCount).
    ctx.journal.record({ t: "batch", r: rule.index, u: index, token: b.token, d: b.directories, f: b.files, fc: b.failureCount, failed: b.failures });
    ctx.events.progress?.({ paths: b.directories + b.files, failures: b.failureCount });
  } while (unit.token);
  ctx.events.unitDone?.();
}
