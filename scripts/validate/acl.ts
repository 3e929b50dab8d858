/**
 * Canonical owner/group/ACL form so a Gen1 listing (octal permission bits,
 * GETACLSTATUS entries that may omit the base entries) and a Gen2 listing
 * (symbolic bits with "+", getAccessControl with every entry) compare equal
 * when they grant the same access.
 */

/** Source principal id → target principal id (e.g. when Gen1 used another tenant's ids). */
export type PrincipalMap = ReadonlyMap<string, string>;

export const ACL_MODES = ["exact", "source-subset"] as const;
/**
 * exact: owner, group and every entry equal.
 * source-subset: owner and group equal and every source entry present on the
 * target with the same effective permissions; entries only the target has
 * (e.g. added by the stack's `acls` rules after the copy) are not differences.
 */
export type AclMode = (typeof ACL_MODES)[number];

export interface AclComparison {
  mode: AclMode;
  /** Applied to the source side's owner, group and entry ids before comparing. */
  principalMap?: PrincipalMap;
  /**
   * Principal ids whose named entries on the target are not compared (the
   * stack's own `acls` rules, or given with --ignore-principal). In exact
   * mode a scope that lost such an entry has its mask left out too, since
   * the added entry widened it.
   */
  ignorePrincipals?: ReadonlySet<string>;
}

/** What a listing says about one path's access. */
export interface AclSide {
  owner: string;
  group: string;
  permissions: string;
  acl: string | null;
}

interface Canonical {
  owner: string;
  group: string;
  /** "[default:]type:id" → "rwx" */
  entries: Map<string, string>;
}

export function canonicalAcl(owner: string, group: string, permissions: string, acl: string | null, map?: PrincipalMap): string {
  return format(canonicalize({ owner, group, permissions, acl }, map));
}

/** Compares two sides under a mode; the strings are the canonical forms a report shows. */
export function compareAcl(source: AclSide, target: AclSide, c: AclComparison): { same: boolean; source: string; target: string } {
  const s = canonicalize(source, c.principalMap);
  const t = canonicalize(target);
  if (c.ignorePrincipals && c.ignorePrincipals.size > 0) dropIgnored(s, t, c.ignorePrincipals, c.mode === "exact");
  const shown = { source: format(s), target: format(t) };
  if (c.mode === "exact") return { same: shown.source === shown.target, ...shown };
  return { same: s.owner === t.owner && s.group === t.group && isSubset(s.entries, t.entries), ...shown };
}

function canonicalize(side: AclSide, map?: PrincipalMap): Canonical {
  const m = (id: string): string => (id && map?.get(id)) || id;
  const bits = symbolic(side.permissions);
  const entries = new Map<string, string>();
  for (const raw of (side.acl ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const parts = raw.split(":");
    const scope = parts[0] === "default" ? "default:" : "";
    const [type, id = "", perm = ""] = scope ? parts.slice(1) : parts;
    entries.set(`${scope}${type}:${m(id)}`, perm);
  }
  // Base entries a source left implicit are the permission bits; with named
  // entries present the group bits are the mask (POSIX ACL rule).
  if (bits) {
    const named = [...entries.keys()].some((k) => !k.startsWith("default:") && /^(user|group):./.test(k));
    if (!entries.has("user:")) entries.set("user:", bits.slice(0, 3));
    if (!entries.has("other:")) entries.set("other:", bits.slice(6, 9));
    if (named && !entries.has("mask:")) entries.set("mask:", bits.slice(3, 6));
    if (!named && !entries.has("group:")) entries.set("group:", bits.slice(3, 6));
  }
  return { owner: m(side.owner), group: m(side.group), entries };
}

function format(c: Canonical): string {
  const list = [...c.entries].map(([k, v]) => `${k}:${v}`).sort();
  return `owner=${c.owner} group=${c.group} acl=${list.join(",")}`;
}

function dropIgnored(s: Canonical, t: Canonical, ignored: ReadonlySet<string>, dropMask: boolean): void {
  for (const key of [...t.entries.keys()]) {
    const [scope, type, id] = splitKey(key);
    if ((type === "user" || type === "group") && id !== "" && ignored.has(id) && !s.entries.has(key)) {
      t.entries.delete(key);
      if (dropMask) {
        s.entries.delete(`${scope}mask:`);
        t.entries.delete(`${scope}mask:`);
      }
    }
  }
}

/**
 * Every source entry is on the target with the same permissions. The mask is
 * compared by its effect: each source group-class entry (owning group, named
 * users and groups) must keep the same effective permissions (entry ∧ mask),
 * because entries only the target has widen the target's mask.
 */
function isSubset(s: Map<string, string>, t: Map<string, string>): boolean {
  for (const [key, perm] of s) {
    const [scope, type, id] = splitKey(key);
    if (type === "mask") continue;
    if (t.get(key) !== perm) return false;
    const groupClass = type === "group" || (type === "user" && id !== "");
    if (groupClass && effective(perm, s.get(`${scope}mask:`)) !== effective(perm, t.get(`${scope}mask:`))) return false;
  }
  return true;
}

function splitKey(key: string): [scope: string, type: string, id: string] {
  const scope = key.startsWith("default:") ? "default:" : "";
  const rest = key.slice(scope.length);
  const i = rest.indexOf(":");
  return [scope, rest.slice(0, i), rest.slice(i + 1)];
}

function effective(perm: string, mask: string | undefined): string {
  if (mask === undefined) return perm;
  return [...perm].map((ch, i) => (mask[i] === ch ? ch : "-")).join("");
}

/** "750" / "0750" / "rwxr-x---+" / "rwxr-x--T" → "rwxr-x---"; sticky bit and the "+" marker are not compared. */
function symbolic(p: string): string | undefined {
  if (/^[0-7]{3,4}$/.test(p)) {
    return [...p.slice(-3)].map((d) => {
      const n = Number(d);
      return `${n & 4 ? "r" : "-"}${n & 2 ? "w" : "-"}${n & 1 ? "x" : "-"}`;
    }).join("");
  }
  const s = p.replace(/\+$/, "");
  if (/^[rwxtT-]{9}$/.test(s)) return s.slice(0, 8) + (s[8] === "t" ? "x" : s[8] === "T" ? "-" : s[8]);
  return undefined;
}
