import { type Ace, sortAces } from "../acl/aclModel";
import { type PrincipalMap, canonicalAcl } from "../validate/acl";
import type { Entry } from "./report";

/**
 * The ACL reconcile sets on a path: the source's (principal map applied,
 * base entries a Gen1 listing leaves implicit taken from its permission
 * bits, through validate's own canonical form), plus the named entries the
 * target holds for the stack's own `acls` principals, which post-deploy
 * added and which are not differences. With such an entry kept, the scope's
 * mask also grants the kept entry's bits, as post-deploy's modify left it.
 */
export interface DesiredAcl {
  owner: string;
  group: string;
  aces: Ace[];
}

export function desiredAcl(source: Entry, map: PrincipalMap | undefined, target: Ace[], keep: ReadonlySet<string>): DesiredAcl | string {
  const canonical = canonicalAcl(source.owner ?? "", source.group ?? "", source.permissions ?? "", source.acl, map);
  const m = /^owner=(.*) group=(.*) acl=(.*)$/.exec(canonical);
  if (!m) return `cannot read the source ACL ${canonical}`;
  const aces = m[3].split(",").filter(Boolean).map(parseCanonical);
  for (const scope of ["access", "default"] as const) {
    const own = aces.filter((a) => a.scope === scope);
    if (own.length === 0) continue;
    const missing = ["user", "group", "other"].filter((t) => !own.some((a) => a.type === t && a.id === ""));
    if (missing.length > 0) return `the source's ${scope} ACL has no ${missing.join("/")} base entry (its listing left it out and named entries hide the group bits)`;
  }
  const named = (a: Ace) => (a.type === "user" || a.type === "group") && a.id !== "";
  const kept = target.filter((a) => named(a) && keep.has(a.id) && !aces.some((s) => s.scope === a.scope && s.type === a.type && s.id === a.id));
  for (const k of kept) {
    aces.push(k);
    const mask = aces.find((a) => a.scope === k.scope && a.type === "mask");
    if (mask) mask.perms = orPerms(mask.perms, k.perms);
    else aces.push({ scope: k.scope, type: "mask", id: "", perms: orPerms(k.perms, groupBits(aces, k.scope)) });
  }
  return { owner: m[1], group: m[2], aces: sortAces(aces) };
}

/** "default:group:<id>:r-x" / "user::rwx" (canonicalAcl's entry form) → Ace. */
function parseCanonical(text: string): Ace {
  const parts = text.split(":");
  const scope = parts[0] === "default" ? "default" : "access";
  const [type, id, perms] = scope === "default" ? parts.slice(1) : parts;
  return { scope, type: type as Ace["type"], id, perms };
}

const orPerms = (a: string, b: string) => [...a].map((ch, i) => (ch !== "-" ? ch : b[i])).join("");
const groupBits = (aces: Ace[], scope: Ace["scope"]) => aces.find((a) => a.scope === scope && a.type === "group" && a.id === "")?.perms ?? "---";
