import type { Gen1Node } from "./tree";

/**
 * ACL changes for SETACL, MODIFYACLENTRIES and SETPERMISSION, as WebHDFS
 * defines them (Hadoop WebHDFS REST API, "ACL Operations"; aclspec is
 * "[default:]user|group|mask|other:[id]:rwx" entries joined by commas, as in
 * the Azure Data Lake Store SDKs' acl_spec). The base entries and the
 * permission bits describe the same thing: the owner bits are `user::`, the
 * group bits are `mask::` when the ACL has one and `group::` otherwise, the
 * other bits are `other::` (HDFS Permissions Guide, "ACLs (Access Control
 * Lists)"). None of these changes a modification time (Hadoop FS
 * specification, introduction.md "Timestamps", lists the operations that do).
 */

const ENTRY = /^(default:)?(user|group|mask|other):([^:]*):([r-][w-][x-])$/;

/** Parses an aclspec; throws naming the first bad entry. */
export function parseAclSpec(spec: string): string[] {
  const entries = spec.split(",").map((e) => e.trim()).filter((e) => e !== "");
  for (const e of entries) if (!ENTRY.test(e)) throw new Error(`Invalid value for webhdfs parameter "aclspec": ${e}`);
  return entries;
}

const keyOf = (entry: string) => entry.slice(0, entry.lastIndexOf(":"));

/** SETACL: the spec replaces the whole ACL; the bits follow its base entries. */
export function setAcl(node: Gen1Node, entries: string[]): void {
  node.acl = entries;
  node.permission = bitsFrom(entries, node.permission);
}

/** MODIFYACLENTRIES: entries with the same scope, type and id are replaced, others added. */
export function modifyAclEntries(node: Gen1Node, entries: string[]): void {
  const merged = new Map((node.acl ?? []).map((e) => [keyOf(e), e]));
  for (const e of entries) merged.set(keyOf(e), e);
  setAcl(node, [...merged.values()]);
}

/** SETPERMISSION: new bits, and the base entries of an ACL rewritten to match them. */
export function setPermission(node: Gen1Node, octal: string): void {
  if (!/^[0-1]?[0-7]{3}$/.test(octal)) throw new Error(`Invalid value for webhdfs parameter "permission": ${octal}`);
  const bits = octal.slice(-3);
  node.permission = bits;
  if (!node.acl || node.acl.length === 0) return;
  const hasMask = node.acl.some((e) => e.startsWith("mask::"));
  const want: Record<string, string> = { "user:": rwx(+bits[0]), [hasMask ? "mask:" : "group:"]: rwx(+bits[1]), "other:": rwx(+bits[2]) };
  node.acl = node.acl.map((e) => (keyOf(e) in want ? `${keyOf(e)}:${want[keyOf(e)]}` : e));
}

function bitsFrom(entries: string[], current: string): string {
  const perm = (key: string) => entries.find((e) => keyOf(e) === key)?.slice(-3);
  const digit = (p: string | undefined, i: number) => (p === undefined ? current.slice(-3)[i] : String((p[0] === "r" ? 4 : 0) + (p[1] === "w" ? 2 : 0) + (p[2] === "x" ? 1 : 0)));
  return `${digit(perm("user:"), 0)}${digit(perm("mask:") ?? perm("group:"), 1)}${digit(perm("other:"), 2)}`;
}

const rwx = (n: number) => `${n & 4 ? "r" : "-"}${n & 2 ? "w" : "-"}${n & 1 ? "x" : "-"}`;

/**
 * An ACL as Gen1 stores it after SETACL: a default ACL lacking its base
 * entries gets them from the access ACL (its entries, else the permission
 * bits), and a default ACL with named entries but no mask gets one granting
 * the union of its group and named entries (HDFS AclTransformation,
 * copyDefaultsIfNeeded and calculateMasks). Inventories written by hand may
 * leave those out; what Gen1 would list has them.
 */
export function storedAcl(entries: string[], permission: string): string[] {
  const defaults = entries.filter((e) => e.startsWith("default:"));
  if (defaults.length === 0) return entries;
  const bits = permission.slice(-3);
  const hasAccessMask = entries.some((e) => e.startsWith("mask::"));
  const access = (type: string, digit: number) => entries.find((e) => e.startsWith(`${type}::`))?.slice(-3) ?? rwx(+bits[digit]);
  const added: string[] = [];
  for (const [type, digit] of [["user", 0], ["group", 1], ["other", 2]] as const) {
    // With an access mask the permission's group bits are the mask, so the group base entry must be listed to be known.
    if (type === "group" && hasAccessMask && !entries.some((e) => e.startsWith("group::"))) continue;
    if (!defaults.some((e) => e.startsWith(`default:${type}::`))) added.push(`default:${type}::${access(type, digit)}`);
  }
  const all = [...entries, ...added];
  const namedDefaults = all.filter((e) => /^default:(user|group):[^:]+:/.test(e) || e.startsWith("default:group::"));
  if (!all.some((e) => e.startsWith("default:mask::")) && all.some((e) => /^default:(user|group):[^:]+:/.test(e))) {
    const union = namedDefaults.map((e) => e.slice(-3)).reduce((a, b) => [...a].map((ch, i) => (ch !== "-" ? ch : b[i])).join(""), "---");
    all.push(`default:mask::${union}`);
  }
  return all;
}
