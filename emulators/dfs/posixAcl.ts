/**
 * POSIX ACL semantics of the test DFS server, written independently of the
 * applier in scripts/acl/ so that the tests compare two implementations.
 *
 * ACL objects are immutable and shared between paths: a recursive batch maps
 * each distinct input ACL to its result once, so a 400 000-path
 * tree that mostly carries the same ACL holds only a handful of ACL objects.
 */

/** rwx as bits: r=4, w=2, x=1. */
export type Perm = number;

export interface AclScope {
  user: Perm;
  group: Perm;
  other: Perm;
  /** Present once the scope has named entries (or it was set explicitly). */
  mask?: Perm;
  /** "user:<id>" / "group:<id>" → permissions, kept sorted by key when formatted. */
  named: ReadonlyMap<string, Perm>;
}

export interface PathAcl {
  access: AclScope;
  /** Directories only. */
  default?: AclScope;
}

export interface AclEntry {
  scope: "access" | "default";
  type: "user" | "group" | "mask" | "other";
  id: string;
  /** undefined in a remove list. */
  perm?: Perm;
}

export const MAX_ENTRIES = 32;

export class AclSyntaxError extends Error {}

export function parsePerm(s: string): Perm {
  if (!/^[r-][w-][x-]$/.test(s)) throw new AclSyntaxError(`invalid permissions "${s}"`);
  return (s[0] === "r" ? 4 : 0) | (s[1] === "w" ? 2 : 0) | (s[2] === "x" ? 1 : 0);
}

export function formatPerm(p: Perm): string {
  return `${p & 4 ? "r" : "-"}${p & 2 ? "w" : "-"}${p & 1 ? "x" : "-"}`;
}

/** Parses `[default:]user|group|mask|other:[id][:rwx]`, comma separated; `withPerms` false for remove lists. */
export function parseAclList(text: string, withPerms: boolean): AclEntry[] {
  const entries: AclEntry[] = [];
  for (const raw of text.split(",")) {
    const part = raw.trim();
    if (part === "") continue;
    const fields = part.split(":");
    let scope: AclEntry["scope"] = "access";
    if (fields[0] === "default") {
      scope = "default";
      fields.shift();
    }
    const [type, id = "", perm] = fields;
    if (type !== "user" && type !== "group" && type !== "mask" && type !== "other") {
      throw new AclSyntaxError(`invalid entry type in "${part}"`);
    }
    if ((type === "mask" || type === "other") && id !== "") throw new AclSyntaxError(`"${part}": ${type} takes no id`);
    if (withPerms) {
      if (fields.length !== 3 || perm === undefined) throw new AclSyntaxError(`"${part}" is not type:id:permissions`);
      entries.push({ scope, type, id, perm: parsePerm(perm) });
    } else {
      if (fields.length > 2) throw new AclSyntaxError(`"${part}": remove entries carry no permissions`);
      entries.push({ scope, type, id });
    }
  }
  return entries;
}

export function countEntries(s: AclScope): number {
  return 3 + (s.mask === undefined ? 0 : 1) + s.named.size;
}

function groupClass(s: { group: Perm; named: ReadonlyMap<string, Perm> }): Perm {
  let m = s.group;
  for (const p of s.named.values()) m |= p;
  return m;
}

function withMask(s: Omit<AclScope, "mask">, explicitMask: Perm | undefined, hadMask: Perm | undefined): AclScope {
  if (explicitMask !== undefined) return { ...s, mask: explicitMask };
  // setfacl recalculates the mask whenever it is not given; with no named
  // entries and no previous mask the ACL stays minimal.
  if (s.named.size === 0 && hadMask === undefined) return { ...s };
  return { ...s, mask: groupClass(s) };
}

function sortedNamed(m: Map<string, Perm>): ReadonlyMap<string, Perm> {
  return new Map([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Applies a list to one scope; `base` supplies user::/group::/other:: a new default scope lacks. */
function applyToScope(
  current: AclScope | undefined,
  entries: AclEntry[],
  mode: "set" | "modify" | "remove",
  base: AclScope,
): AclScope | undefined {
  if (mode === "remove") {
    if (!current) return undefined;
    const named = new Map(current.named);
    let changed = false;
    for (const e of entries) {
      if (e.type === "user" || e.type === "group") changed = named.delete(`${e.type}:${e.id}`) || changed;
    }
    if (!changed) return current;
    return withMask({ user: current.user, group: current.group, other: current.other, named: sortedNamed(named) }, undefined, current.mask);
  }
  if (mode === "set" && entries.length === 0) return undefined;
  const start = mode === "set" ? undefined : current;
  let user = start?.user;
  let group = start?.group;
  let other = start?.other;
  let explicitMask: Perm | undefined;
  const named = new Map(start?.named ?? []);
  for (const e of entries) {
    const p = e.perm ?? 0;
    if (e.type === "mask") explicitMask = p;
    else if (e.type === "other") other = p;
    else if (e.id === "") {
      if (e.type === "user") user = p;
      else group = p;
    } else named.set(`${e.type}:${e.id}`, p);
  }
  // A scope being created without base entries copies them (setfacl behaviour).
  user ??= base.user;
  group ??= base.group;
  other ??= base.other;
  return withMask({ user, group, other, named: sortedNamed(named) }, explicitMask, start?.mask);
}

export interface AclChangeResult {
  acl: PathAcl;
  /** Set when the result breaks a service rule; the path keeps its ACL. */
  error?: string;
}

/**
 * The ACL a path ends up with after a set/modify/remove list. Files ignore
 * default entries, as the recursive API does (the server rejects them in a
 * non-recursive call on a file before getting here).
 */
export function applyAcl(current: PathAcl, entries: AclEntry[], mode: "set" | "modify" | "remove", isDir: boolean): AclChangeResult {
  const accessEntries = entries.filter((e) => e.scope === "access");
  const defaultEntries = entries.filter((e) => e.scope === "default");
  if (mode === "set") {
    const types = new Set(accessEntries.filter((e) => e.id === "").map((e) => e.type));
    if (!types.has("user") || !types.has("group") || !types.has("other")) {
      return { acl: current, error: "InvalidAccessControlList: a full ACL must contain user::, group:: and other:: entries" };
    }
  }
  const access =
    mode === "set" || accessEntries.length > 0 ? applyToScope(current.access, accessEntries, mode, current.access)! : current.access;
  let def = current.default;
  if (isDir && (mode === "set" || defaultEntries.length > 0)) def = applyToScope(current.default, defaultEntries, mode, access);
  if (!isDir) def = undefined;
  for (const [name, scope] of [
    ["access", access],
    ["default", def],
  ] as const) {
    if (scope && countEntries(scope) > MAX_ENTRIES) {
      return { acl: current, error: `InvalidAccessControlList: the ${name} ACL would have ${countEntries(scope)} entries; at most ${MAX_ENTRIES} are allowed` };
    }
  }
  return { acl: def ? { access, default: def } : { access } };
}

function formatScope(s: AclScope, prefix: string): string[] {
  const out = [`${prefix}user::${formatPerm(s.user)}`];
  const groups: string[] = [];
  for (const [key, p] of s.named) {
    const line = `${prefix}${key}:${formatPerm(p)}`;
    if (key.startsWith("user:")) out.push(line);
    else groups.push(line);
  }
  out.push(`${prefix}group::${formatPerm(s.group)}`, ...groups);
  if (s.mask !== undefined) out.push(`${prefix}mask::${formatPerm(s.mask)}`);
  out.push(`${prefix}other::${formatPerm(s.other)}`);
  return out;
}

export function formatAcl(acl: PathAcl): string {
  return [...formatScope(acl.access, ""), ...(acl.default ? formatScope(acl.default, "default:") : [])].join(",");
}

/** The sticky bit (01000) in a mode number, as parseMode returns it. */
export const STICKY_BIT = 0o1000;

/**
 * The `x-ms-permissions` string: group bits show the mask when there is one;
 * the sticky bit shows in the last place as "t" (other may execute) or "T"
 * (may not), and "+" marks an extended ACL. The service stores and reports
 * the sticky bit: recorded live test "setPermissions" of azure-sdk-for-js
 * (sdk/storage/storage-file-datalake/recordings/node/
 * datalakepathclient_nodejs_only/recording_setpermissions.json) sets
 * "rw-r-x-wT" and reads back x-ms-permissions "rw-r-x-wT".
 */
export function formatMode(acl: PathAcl, sticky = false): string {
  const a = acl.access;
  const extended = a.named.size > 0 || a.mask !== undefined || acl.default !== undefined;
  const other = formatPerm(a.other);
  const last = sticky ? (a.other & 1 ? "t" : "T") : other[2];
  return `${formatPerm(a.user)}${formatPerm(a.mask ?? a.group)}${other.slice(0, 2)}${last}${extended ? "+" : ""}`;
}

/** Octal ("750", "0750", "1777") or symbolic ("rwxr-x---", "rwxrwxrwt", "rw-r-x-wT") permissions as in x-ms-permissions; the sticky bit is STICKY_BIT. */
export function parseMode(text: string): number {
  if (/^[01]?[0-7]{3}$/.test(text)) return parseInt(text, 8);
  if (/^[r-][w-][x-][r-][w-][x-][r-][w-][xtT-]$/.test(text)) {
    const last = text[8];
    const sticky = last === "t" || last === "T" ? STICKY_BIT : 0;
    const otherX = last === "x" || last === "t" ? "x" : "-";
    return sticky | (parsePerm(text.slice(0, 3)) << 6) | (parsePerm(text.slice(3, 6)) << 3) | parsePerm(text.slice(6, 8) + otherX);
  }
  throw new AclSyntaxError(`invalid permissions "${text}"`);
}

const minimalCache = new Map<number, PathAcl>();

/** ACL objects are immutable, so equal ones are shared (interned) between paths. */
export function minimalAcl(mode: number): PathAcl {
  let acl = minimalCache.get(mode);
  if (!acl) {
    acl = { access: { user: (mode >> 6) & 7, group: (mode >> 3) & 7, other: mode & 7, named: new Map() } };
    minimalCache.set(mode, acl);
  }
  return acl;
}

const inheritedCache = new WeakMap<AclScope, Map<string, PathAcl>>();

/**
 * The ACL a new path gets: its parent's default ACL when there is one (the
 * requested mode only narrows owner, group class and other; umask ignored),
 * otherwise mode & ~umask. Directories also inherit the default ACL itself.
 */
export function inheritedAcl(parent: PathAcl, isDir: boolean, mode: number, umask: number): PathAcl {
  const d = parent.default;
  if (!d) return minimalAcl(mode & ~umask);
  let byKey = inheritedCache.get(d);
  if (!byKey) {
    byKey = new Map();
    inheritedCache.set(d, byKey);
  }
  const key = `${isDir}:${mode}`;
  let acl = byKey.get(key);
  if (!acl) {
    const access: AclScope =
      d.mask !== undefined
        ? { user: d.user & (mode >> 6), group: d.group, other: d.other & mode, mask: d.mask & (mode >> 3), named: d.named }
        : { user: d.user & (mode >> 6), group: d.group & (mode >> 3), other: d.other & mode, named: d.named };
    acl = isDir ? { access, default: d } : { access };
    byKey.set(key, acl);
  }
  return acl;
}

/**
 * The ACL after chmod: owner and other bits replaced, and the group bits go
 * to the mask when there is one (POSIX: chmod on an extended ACL changes the mask).
 */
export function aclWithMode(acl: PathAcl, mode: number): PathAcl {
  const a = acl.access;
  const group = (mode >> 3) & 7;
  // The sticky bit is not an ACL entry: callers keep it on the path.
  const access = a.mask !== undefined ? { ...a, user: (mode >> 6) & 7, mask: group, other: mode & 7 } : { ...a, user: (mode >> 6) & 7, group, other: mode & 7 };
  return acl.default ? { access, default: acl.default } : { access };
}
