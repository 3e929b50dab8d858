import pLimit from "p-limit";
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
  /** Subtrees left alone because they already had the wanted entries. */
  unchanged: number;
  /** Subtrees found right by reading every path below them, or trusted from the previous finished journal. */
  verified: string[];
  /** Paths read below top paths to confirm them. */
  checked: number;
  /** Subtrees trusted by their top path alone, because the previous finished run of this journal recorded them. */
  trusted: number;
  /** Paths read and found right: the tops and every path below of the subtrees left out (the root too when right). */
  rightPaths: number;
}

export interface PlanOptions {
  /** Apply every subtree without looking (after copies that bring their own ACLs). */
  full: boolean;
  slots: number;
  limit: Limit;
  /** Subtrees the previous finished run of this journal recorded as right. */
  trusted: Set<string>;
}

const pending = (path: string, kind: UnitState["kind"]): UnitState => ({ path, kind, state: "pending", directories: 0, files: 0, failures: 0 });

/** Reads spent confirming one subtree; parallel within it. */
const VERIFY_READS = 8;

/**
 * The subtrees of a rule: the rule root's child directories (and each direct
 * file, up to FANOUT_MAX_FILES) plus the root itself; beyond that many
 * files, the root as one unit. A subtree is left out only when it is known
 * right: its top path has the entries and either the previous finished run
 * of this journal recorded it, or every path below it was read and has them.
 * A top path alone proves nothing: an interrupted run sets the top of a
 * subtree first and the paths below it later.
 */
export async function planRule(lake: Lake, rule: ResolvedRule, opts: PlanOptions): Promise<RulePlan> {
  // The listing is started with the root read: one round trip less on the
  // critical path. (Listing a file fails; that answer is then unused.)
  const [root, listing] = await Promise.all([
    lake.readPath(rule.filesystem, rule.directory),
    lake.listChildren(rule.filesystem, rule.directory).catch(() => undefined),
  ]);
  if (!root) throw new UsageError(`rules[${rule.index}] (${rule.path}): the path disappeared during the run`);
  // full: plan as if the root lacked the entries, so that every subtree is applied.
  const rootOk = !opts.full && satisfies(root.acl, rule.entries, rule.mode, root.isDir);
  const plan = (units: UnitState[], found: Found[] = []): RulePlan => ({
    units,
    unchanged: found.filter((f) => f.ok).length,
    verified: found.filter((f) => f.ok).map((f) => f.path),
    checked: found.reduce((n, f) => n + f.read, 0),
    trusted: found.filter((f) => f.trusted).length,
    rightPaths: found.filter((f) => f.ok).reduce((n, f) => n + f.read + 1, 0),
  });
  const whole = async (): Promise<RulePlan> => {
    if (!rootOk) return plan([pending(rule.directory, "tree")]);
    const found = await confirm(lake, rule, { path: rule.directory, isDir: root.isDir }, opts);
    return plan(found.ok ? [] : [pending(rule.directory, "tree")], [found]);
  };
  if (!root.isDir) return whole();
  const { children, files } = listing ?? (await lake.listChildren(rule.filesystem, rule.directory));
  if (children.length === 0 || files > FANOUT_MAX_FILES) return whole();
  const dirs = new Set(children.filter((c) => c.isDir).map((c) => c.path));
  if (!rootOk) {
    // The root lacks the entries (a first run, or full): every subtree gets applied
    // without checking each one first (applying is idempotent; the checks would only delay it).
    const units = [pending(rule.directory, "self"), ...children.map((c) => pending(c.path, "tree"))];
    return plan(await fillLastWave(lake, rule, units, dirs, opts));
  }
  const found = await Promise.all(children.map((c) => opts.limit(() => confirm(lake, rule, c, opts))));
  const units = found.filter((c) => !c.ok).map((c) => pending(c.path, "tree"));
  const result = plan(await fillLastWave(lake, rule, units, dirs, opts), found);
  // The root itself is right too (rootOk).
  return { ...result, unchanged: result.unchanged + 1, rightPaths: result.rightPaths + 1 };
}

interface Found {
  path: string;
  ok: boolean;
  /** Paths read below the top. */
  read: number;
  trusted: boolean;
}

/** Whether a subtree already has the rule's entries everywhere: its top read, then (unless trusted) every path below until one lacks them. */
async function confirm(lake: Lake, rule: ResolvedRule, top: { path: string; isDir: boolean }, opts: PlanOptions): Promise<Found> {
  const info = await lake.readPath(rule.filesystem, top.path, top.isDir);
  if (!info) return { path: top.path, ok: true, read: 0, trusted: false };
  if (!satisfies(info.acl, rule.entries, rule.mode, info.isDir)) return { path: top.path, ok: false, read: 0, trusted: false };
  if (!info.isDir) return { path: top.path, ok: true, read: 0, trusted: false };
  if (opts.trusted.has(top.path)) return { path: top.path, ok: true, read: 0, trusted: true };
  const reads = pLimit(VERIFY_READS);
  let read = 0;
  let token: string | undefined;
  do {
    const page = await lake.listBelow(rule.filesystem, top.path, token);
    const oks = await Promise.all(
      page.items.map((item) =>
        reads(async () => {
          const below = await lake.readPath(rule.filesystem, item.path, item.isDir);
          read += 1;
          // Gone since the listing: nothing to fix.
          return !below || satisfies(below.acl, rule.entries, rule.mode, below.isDir);
        }),
      ),
    );
    if (oks.includes(false)) return { path: top.path, ok: false, read, trusted: false };
    token = page.token;
  } while (token);
  return { path: top.path, ok: true, read, trusted: false };
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
