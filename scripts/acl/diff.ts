import pLimit from "p-limit";
import { Ace, formatAces, satisfies } from "./aclModel";
import type { UnitState } from "./checkpoint";
import type { Lake, PathInfo } from "./lake";
import { desiredAcl } from "./plan";
import type { ResolvedRule } from "./spec";

/**
 * What a dry run (`acl diff`) reports per rule, exact: every path of the
 * subtrees an apply would write is listed and read, so "would change" and
 * "already right" are counts of paths, not guesses from a subtree's top,
 * and a `set` rule shows the entries it would drop.
 */

/** One path an apply would write, and what it would do there. */
export interface PathChange {
  /** <filesystem>/<path> */
  path: string;
  /** e.g. "add group:<id>:r-x", "set …; drops user:<id>:rwx", "--x (traverse)". */
  change: string;
}

/** A named entry present now that a `set` would drop, and on how many paths. */
export interface RemovedEntry {
  /** As the service writes it: [default:]user|group:<id>:rwx */
  entry: string;
  scope: Ace["scope"];
  type: Ace["type"];
  id: string;
  paths: number;
}

export interface RuleDiff {
  /** Paths whose ACL was read and classified: would change + already right. */
  checked: number;
  /** Paths an apply would change: parents lacking --x and paths lacking the rule's entries. */
  wouldChange: number;
  /** Paths read and found right (in subtrees that would be applied, and in those left out as right). */
  alreadyRight: number;
  /** Subtrees taken as right from their top alone (the journal's last finished run recorded them); paths below not read. */
  trusted: number;
  /** `set` only: entries present now that the set would drop. */
  removes: RemovedEntry[];
  /** Per path, only when asked for (--verbose, --json): for large trees it is long. */
  paths?: PathChange[];
}

const key = (a: Ace) => `${a.scope}:${a.type}:${a.id}`;
const named = (a: Ace) => (a.type === "user" || a.type === "group") && a.id !== "";

/** Reads spent per subtree while diffing; parallel within it. */
const DIFF_READS = 8;

export interface DiffInput {
  lake: Lake;
  rule: ResolvedRule;
  /** The subtrees an apply would write. */
  units: UnitState[];
  /** Parents that would get --x ("<filesystem>/<path>" labels). */
  traversed: string[];
  /** The ACL a set rule sends to every path (the rule root's base entries plus the rule's). */
  setAcl?: Ace[];
  /** Paths read and found right while planning. */
  rightWhilePlanning: number;
  trusted: number;
  listPaths: boolean;
  limit: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** Reads every path of the units and classifies it; the caller adds the traverse parents that are right and `checked`. */
export async function diffRule(input: DiffInput): Promise<Omit<RuleDiff, "checked">> {
  const { lake, rule } = input;
  const removes = new Map<string, RemovedEntry>();
  const paths: PathChange[] | undefined = input.listPaths ? input.traversed.map((p) => ({ path: p, change: "--x (traverse)" })) : undefined;
  let wouldChange = input.traversed.length;
  let alreadyRight = input.rightWhilePlanning;
  const classify = (path: string, info: PathInfo) => {
    if (satisfies(info.acl, rule.entries, rule.mode, info.isDir)) return void (alreadyRight += 1);
    wouldChange += 1;
    const dropped = rule.mode === "set" ? droppedBySet(info.acl, rule.entries, info.isDir) : [];
    for (const d of dropped) {
      const k = formatAces([d]);
      const r = removes.get(k) ?? { entry: k, scope: d.scope, type: d.type, id: d.id, paths: 0 };
      r.paths += 1;
      removes.set(k, r);
    }
    if (!paths) return;
    const wanted = rule.mode === "set" ? (input.setAcl ?? desiredAcl(rule, info.acl, info.acl, info.isDir)).filter(named) : missing(info.acl, rule.entries, info.isDir);
    const change = `${rule.mode === "set" ? "set" : "add"} ${formatAces(wanted.filter((a) => info.isDir || a.scope === "access")) || "(mask recalculated)"}`;
    paths.push({ path: `${rule.filesystem}/${path}`, change: dropped.length > 0 ? `${change}; drops ${formatAces(dropped)}` : change });
  };
  await Promise.all(input.units.map((u) => input.limit(() => diffUnit(lake, rule, u, classify))));
  paths?.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { wouldChange, alreadyRight, trusted: input.trusted, removes: [...removes.values()].sort((a, b) => b.paths - a.paths), paths };
}

async function diffUnit(lake: Lake, rule: ResolvedRule, unit: UnitState, classify: (path: string, info: PathInfo) => void): Promise<void> {
  const top = await lake.readPath(rule.filesystem, unit.path, unit.kind === "self" ? true : undefined);
  if (!top) return;
  classify(unit.path, top);
  if (unit.kind === "self" || !top.isDir) return;
  const reads = pLimit(DIFF_READS);
  let token: string | undefined;
  do {
    const page = await lake.listBelow(rule.filesystem, unit.path, token);
    await Promise.all(
      page.items.map((item) =>
        reads(async () => {
          const info = await lake.readPath(rule.filesystem, item.path, item.isDir);
          // Gone since the listing: nothing to change.
          if (info) classify(item.path, info);
        }),
      ),
    );
    token = page.token;
  } while (token);
}

/** Entries of the rule an apply would add or change on this path (modify). */
function missing(current: Ace[], entries: Ace[], isDir: boolean): Ace[] {
  const have = new Map(current.map((a) => [key(a), a.perms] as const));
  return entries.filter((e) => (isDir || e.scope === "access") && have.get(key(e)) !== e.perms);
}

/** Named entries present now that a set with the rule's entries would not keep (same principal and scope). */
function droppedBySet(current: Ace[], entries: Ace[], isDir: boolean): Ace[] {
  const kept = new Set(entries.filter((e) => isDir || e.scope === "access").map(key));
  return current.filter((a) => named(a) && !kept.has(key(a)));
}
