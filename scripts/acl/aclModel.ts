import type { PathAccessControlItem } from "@azure/storage-file-datalake";
import { MAX_ACL_ENTRIES } from "../../components/config/acls";

/**
 * ACL entries as the applier reasons about them: string permissions, one
 * scope flag. Conversion to and from the SDK's PathAccessControlItem happens
 * only here.
 */
export interface Ace {
  scope: "access" | "default";
  type: "user" | "group" | "mask" | "other";
  /** Object id for named entries; "" for base entries and mask. */
  id: string;
  /** "r-x" */
  perms: string;
}

export function fromSdk(items: PathAccessControlItem[]): Ace[] {
  return items.map((i) => ({
    scope: i.defaultScope ? "default" : "access",
    type: i.accessControlType,
    id: i.entityId ?? "",
    perms: `${i.permissions.read ? "r" : "-"}${i.permissions.write ? "w" : "-"}${i.permissions.execute ? "x" : "-"}`,
  }));
}

export function toSdk(aces: Ace[]): PathAccessControlItem[] {
  return aces.map((a) => ({
    accessControlType: a.type,
    entityId: a.id,
    defaultScope: a.scope === "default",
    permissions: { read: a.perms[0] === "r", write: a.perms[1] === "w", execute: a.perms[2] === "x" },
  }));
}

/** The service's string form: [default:]user|group|mask|other:[id]:rwx */
export function formatAces(aces: Ace[]): string {
  return aces.map((a) => `${a.scope === "default" ? "default:" : ""}${a.type}:${a.id}:${a.perms}`).join(",");
}

const key = (a: Ace) => `${a.scope}:${a.type}:${a.id}`;

function orPerms(a: string, b: string): string {
  return `${a[0] === "r" || b[0] === "r" ? "r" : "-"}${a[1] === "w" || b[1] === "w" ? "w" : "-"}${a[2] === "x" || b[2] === "x" ? "x" : "-"}`;
}

function isNamed(a: Ace): boolean {
  return (a.type === "user" || a.type === "group") && a.id !== "";
}

/**
 * Recomputes each scope's mask as the union of the group class (owning group
 * and named entries), as the service does when an ACL change gives no mask.
 */
function withMasks(aces: Ace[]): Ace[] {
  const out = aces.filter((a) => a.type !== "mask");
  for (const scope of ["access", "default"] as const) {
    const inScope = out.filter((a) => a.scope === scope);
    if (!inScope.some(isNamed)) {
      const old = aces.find((a) => a.scope === scope && a.type === "mask");
      if (old) out.push(old);
      continue;
    }
    const mask = inScope.filter((a) => a.type === "group" || isNamed(a)).reduce((m, a) => orPerms(m, a.perms), "---");
    out.push({ scope, type: "mask", id: "", perms: mask });
  }
  return sortAces(out);
}

/** user::, named users, group::, named groups, mask::, other:: per scope (the service's order). */
export function sortAces(aces: Ace[]): Ace[] {
  const rank = (a: Ace) =>
    (a.scope === "default" ? 10 : 0) + (a.type === "user" ? (a.id === "" ? 0 : 1) : a.type === "group" ? (a.id === "" ? 2 : 3) : a.type === "mask" ? 4 : 5);
  return [...aces].sort((a, b) => rank(a) - rank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The ACL a path has after a `modify` with `changes` (entries replaced or
 * added, mask recalculated). Files take no default entries; a default scope
 * created on a directory copies its base entries from the access scope.
 */
export function applyModify(current: Ace[], changes: Ace[], isDir: boolean): Ace[] {
  const relevant = isDir ? changes : changes.filter((c) => c.scope === "access");
  const byKey = new Map(current.map((a) => [key(a), a] as const));
  for (const c of relevant) byKey.set(key(c), c);
  if (relevant.some((c) => c.scope === "default")) {
    for (const type of ["user", "group", "other"] as const) {
      const k = `default:${type}:`;
      if (!byKey.has(k)) byKey.set(k, { ...byKey.get(`access:${type}:`)!, scope: "default" });
    }
  }
  return withMasks([...byKey.values()]);
}

/**
 * The full ACL a `set` rule gives a path: the base entries of `base` (the
 * rule root's current ACL) plus exactly the rule's named entries.
 */
export function applySet(base: Ace[], entries: Ace[], isDir: boolean): Ace[] {
  const baseAccess = base.filter((a) => a.scope === "access" && !isNamed(a) && a.type !== "mask");
  const out = [...baseAccess, ...entries.filter((e) => e.scope === "access")];
  const defaults = entries.filter((e) => e.scope === "default");
  if (isDir && defaults.length > 0) {
    const baseDefault = base.filter((a) => a.scope === "default" && !isNamed(a) && a.type !== "mask");
    const source = baseDefault.length === 3 ? baseDefault : baseAccess.map((a) => ({ ...a, scope: "default" as const }));
    out.push(...source, ...defaults);
  }
  return withMasks(out);
}

/** Named entries of `aces` restricted to users/groups, keyed for comparison. */
function namedMap(aces: Ace[], scope: Ace["scope"]): Map<string, string> {
  return new Map(aces.filter((a) => a.scope === scope && isNamed(a)).map((a) => [`${a.type}:${a.id}`, a.perms]));
}

function andPerms(a: string, b: string): string {
  return `${a[0] === "r" && b[0] === "r" ? "r" : "-"}${a[1] === "w" && b[1] === "w" ? "w" : "-"}${a[2] === "x" && b[2] === "x" ? "x" : "-"}`;
}

/**
 * Whether a path already carries what the rule wants: for modify, every
 * wanted entry with exactly its permissions; for set, exactly the wanted
 * named entries. The scope's mask must not hide any wanted permission (a
 * named entry grants only what the mask also allows), else applying the rule
 * recalculates it. Files are compared on access entries only.
 */
export function satisfies(current: Ace[], wanted: Ace[], mode: "modify" | "set", isDir: boolean): boolean {
  const scopes: Ace["scope"][] = isDir ? ["access", "default"] : ["access"];
  return scopes.every((scope) => {
    const have = namedMap(current, scope);
    const want = namedMap(wanted, scope);
    const mask = current.find((a) => a.scope === scope && a.type === "mask")?.perms;
    if (mode === "set" && have.size !== want.size) return false;
    return [...want].every(([k, p]) => have.get(k) === p && (mask === undefined || andPerms(p, mask) === p));
  });
}

/** Entries per scope, base entries and mask included. */
export function countEntries(aces: Ace[], scope: Ace["scope"]): number {
  return aces.filter((a) => a.scope === scope).length;
}

/** Problems with an ACL the service would refuse (too many entries). */
export function limitProblems(aces: Ace[]): string[] {
  const problems: string[] = [];
  for (const scope of ["access", "default"] as const) {
    const n = countEntries(aces, scope);
    if (n > MAX_ACL_ENTRIES) problems.push(`the ${scope} ACL would have ${n} entries (base entries and mask included); the limit is ${MAX_ACL_ENTRIES}`);
  }
  return problems;
}

/**
 * Access entries granting --x to each principal of `principals` that lacks
 * it on a parent directory (existing permissions kept, x added).
 */
export function traverseChanges(current: Ace[], principals: Ace[]): Ace[] {
  const have = namedMap(current, "access");
  const changes: Ace[] = [];
  for (const p of principals) {
    const existing = have.get(`${p.type}:${p.id}`) ?? "---";
    if (existing[2] !== "x") changes.push({ scope: "access", type: p.type, id: p.id, perms: `${existing.slice(0, 2)}x` });
  }
  return changes;
}
