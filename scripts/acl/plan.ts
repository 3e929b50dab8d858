import { UsageError } from "../lib/cli";
import { Ace, applyModify, applySet, formatAces, limitProblems, satisfies, traverseChanges } from "./aclModel";
import type { UnitState } from "./checkpoint";
import { FANOUT_MAX_FILES, Lake } from "./lake";
import type { ResolvedRule } from "./spec";

/**
 * Planning: what a rule changes and which subtrees it is cut into. Reads
 * only; the runner does the writes.
 */

/** Runs a task within the run's concurrency. */
export type Limit = <T>(fn: () => Promise<T>) => Promise<T>;

/** Read-only validation of every rule before any write: one line per problem. */
export async function validateRules(lake: Lake, rules: ResolvedRule[], limit: Limit): Promise<string[]> {
  const problems: string[] = [];
  await Promise.all(
    rules.map((rule) =>
      limit(async () => {
        const where = `rules[${rule.index}] (${rule.path})`;
        const root = await lake.readPath(rule.filesystem, rule.directory);
        if (!root) return void problems.push(`${where}: the path does not exist`);
        if (!root.isDir && rule.entries.some((e) => e.scope === "default")) {
          problems.push(`${where}: is a file; default entries apply to directories only`);
        }
        for (const p of limitProblems(desiredAcl(rule, root.acl, root.acl, root.isDir))) problems.push(`${where}: ${p}`);
        if (!rule.traverse) return;
        for (const parent of parentsOf(rule.directory)) {
          const info = await lake.readPath(rule.filesystem, parent, true);
          if (!info) continue;
          const after = applyModify(info.acl, traverseChanges(info.acl, traversePrincipals(rule)), true);
          for (const p of limitProblems(after)) problems.push(`${where}: parent ${rule.filesystem}/${parent}: ${p}`);
        }
      }),
    ),
  );
  return problems.sort();
}

export interface RulePlan {
  units: UnitState[];
  /** Subtrees left alone because their top path already had the wanted entries. */
  unchanged: number;
}

const pending = (path: string, kind: UnitState["kind"]): UnitState => ({ path, kind, state: "pending" });

/**
 * The subtrees of a rule: the rule root's child directories (and each direct
 * file, up to FANOUT_MAX_FILES) plus the root itself; beyond that many
 * files, the root as one unit. Unless `full`, subtrees whose top path already
 * carries the entries are left out.
 */
export async function planRule(lake: Lake, rule: ResolvedRule, opts: { full: boolean; slots: number; limit: Limit }): Promise<RulePlan> {
  // The listing is started with the root read: one round trip less on the
  // critical path. (Listing a file fails; that answer is then unused.)
  const [root, listing] = await Promise.all([
    lake.readPath(rule.filesystem, rule.directory),
    lake.listChildren(rule.filesystem, rule.directory).catch(() => undefined),
  ]);
  if (!root) throw new UsageError(`rules[${rule.index}] (${rule.path}): the path disappeared during the run`);
  // full: plan as if the root lacked the entries, so that every subtree is applied.
  const rootOk = !opts.full && satisfies(root.acl, rule.entries, rule.mode, root.isDir);
  const whole = (): RulePlan => (rootOk ? { units: [], unchanged: 1 } : { units: [pending(rule.directory, "tree")], unchanged: 0 });
  if (!root.isDir) return whole();

  const { children, files } = listing ?? (await lake.listChildren(rule.filesystem, rule.directory));
  if (children.length === 0) return whole();
  if (files > FANOUT_MAX_FILES) return { units: [pending(rule.directory, "tree")], unchanged: 0 };
  const dirs = new Set(children.filter((c) => c.isDir).map((c) => c.path));
  if (!rootOk) {
    // The root lacks the entries (a first run, or full): every subtree gets applied
    // without checking each one first (applying is idempotent; the checks would only delay it).
    const units = [pending(rule.directory, "self"), ...children.map((c) => pending(c.path, "tree"))];
    return { units: await fillLastWave(lake, rule, units, dirs, opts), unchanged: 0 };
  }
  const checks = await Promise.all(
    children.map((c) =>
      opts.limit(async () => {
        const info = await lake.readPath(rule.filesystem, c.path, c.isDir);
        return { path: c.path, ok: info ? satisfies(info.acl, rule.entries, rule.mode, info.isDir) : true };
      }),
    ),
  );
  const units = checks.filter((c) => !c.ok).map((c) => pending(c.path, "tree"));
  return { units: await fillLastWave(lake, rule, units, dirs, opts), unchanged: 1 + checks.length - units.length };
}

/**
 * Subtrees run `slots` at a time, each batch after batch, so when the count
 * leaves a short last wave (50 subtrees on 16 slots: 16+16+16+2) most slots
 * idle while it runs. The directories of that last wave are split one level
 * down (the directory itself, then each child as its own subtree) and queued
 * last, so their pieces spread over the idle slots.
 */
async function fillLastWave(lake: Lake, rule: ResolvedRule, units: UnitState[], dirs: Set<string>, opts: { slots: number; limit: Limit }): Promise<UnitState[]> {
  const trees = units.filter((u) => u.kind === "tree");
  const lastWave = trees.length % opts.slots;
  if (trees.length === 0 || lastWave === 0 || lastWave > opts.slots / 2) return units;
  const toSplit = new Set(trees.slice(-lastWave).filter((u) => dirs.has(u.path)).map((u) => u.path));
  const kept = units.filter((u) => !toSplit.has(u.path));
  const split = await Promise.all(
    [...toSplit].map((path) =>
      opts.limit(async (): Promise<UnitState[]> => {
        const { children, files } = await lake.listChildren(rule.filesystem, path);
        if (files > FANOUT_MAX_FILES || children.length === 0) return [pending(path, "tree")];
        return [pending(path, "self"), ...children.map((c) => pending(c.path, "tree"))];
      }),
    ),
  );
  return [...kept, ...split.flat()];
}

/**
 * A set rule sends one ACL, the rule root's base entries plus the rule's
 * entries, to every path below, so files lose their own owner/group/other
 * permissions: the warning to print when there are files below, if any.
 */
export async function setModeWarning(lake: Lake, rule: ResolvedRule): Promise<string | undefined> {
  const root = await lake.readPath(rule.filesystem, rule.directory);
  if (!root?.isDir || !(await lake.hasFilesBelow(rule.filesystem, rule.directory))) return undefined;
  const base = formatAces(root.acl.filter((a) => a.scope === "access" && a.id === "" && a.type !== "mask"));
  return `${rule.path} (mode set): every path below it, files included, gets the owner/group/other permissions of ${rule.path} (${base}) plus the rule's entries; a file readable only by its owner becomes readable like this directory. Use mode: modify to keep each path's own permissions.`;
}

/** Principals of a rule's access entries: they need --x on every parent. */
export function traversePrincipals(rule: ResolvedRule): Ace[] {
  const seen = new Set<string>();
  return rule.entries.filter((e) => e.scope === "access" && !seen.has(`${e.type}:${e.id}`) && seen.add(`${e.type}:${e.id}`));
}

/** The ACL the rule gives a path whose current ACL is `current`; `base` supplies base entries in set mode. */
export function desiredAcl(rule: ResolvedRule, current: Ace[], base: Ace[], isDir: boolean): Ace[] {
  return rule.mode === "set" ? applySet(base, rule.entries, isDir) : applyModify(current, rule.entries, isDir);
}

/** "a/b/c" → ["", "a", "a/b"]: the filesystem root and every directory above the rule root. */
export function parentsOf(directory: string): string[] {
  if (directory === "") return [];
  const segs = directory.split("/");
  return segs.map((_, i) => segs.slice(0, i).join("/"));
}
