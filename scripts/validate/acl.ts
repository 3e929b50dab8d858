/**
 * Canonical owner/group/ACL form so a Gen1 listing (octal permission bits,
 * GETACLSTATUS entries that may omit the base entries) and a Gen2 listing
 * (symbolic bits with "+", getAccessControl with every entry) compare equal
 * when they grant the same access.
 */

/** Source principal id → target principal id (e.g. when Gen1 used another tenant's ids). */
export type PrincipalMap = ReadonlyMap<string, string>;

export function canonicalAcl(owner: string, group: string, permissions: string, acl: string | null, map?: PrincipalMap): string {
  const m = (id: string): string => (id && map?.get(id)) || id;
  const bits = symbolic(permissions);
  const entries = new Map<string, string>();
  for (const raw of (acl ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
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
  const list = [...entries].map(([k, v]) => `${k}:${v}`).sort();
  return `owner=${m(owner)} group=${m(group)} acl=${list.join(",")}`;
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
