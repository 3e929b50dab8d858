import { z } from "zod";
import type { AccessGrant } from "./access";
import { DIRECTORY_PATH, FILESYSTEM_NAME, flag, oneOf } from "./primitives";

/**
 * Folder ACL spec: applied after deployment by `npm run acl` / post-deploy
 * (ACLs are data-plane state, not ARM resources). The same shape is accepted
 * in a spec file and under the stack config key `acls`.
 */

/** ADLS Gen2 allows 32 entries per access or default ACL, base entries included. */
export const MAX_ACL_ENTRIES = 32;
/** user::, group::, other:: and mask:: are always present once a named entry exists. */
export const BASE_ACL_ENTRIES = 4;

export const ACL_MODES = ["modify", "set"] as const;
export type AclMode = (typeof ACL_MODES)[number];

const PERMISSIONS = /^[r-][w-][x-]$/;
const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const ACL_PATH_RULE = "<filesystem>[/<directory path>], e.g. raw/sales: no leading or trailing '/', no '//', no '.' or '..' segments";

export const aclEntrySchema = z
  .strictObject({
    /** Group name, resolved through the stack output `principals`. */
    group: z.string().min(1, { error: "must not be empty" }).optional(),
    /** User name (e.g. a UPN), resolved through the stack output `principals`. */
    user: z.string().min(1, { error: "must not be empty" }).optional(),
    /** Entra object id, used as is; needs `type`. */
    objectId: z.string().regex(OBJECT_ID, { error: (i) => `${JSON.stringify(i.input)} is not an object id (a GUID)` }).optional(),
    /** What the objectId is: user (also service principals and managed identities) or group. */
    type: oneOf(["user", "group"]).optional(),
    permissions: z
      .string({ error: 'is required (three characters such as "r-x")' })
      .regex(PERMISSIONS, { error: (i) => `${JSON.stringify(i.input)} is not valid: three characters r|-, w|-, x|- such as "r-x"` }),
    /** A default ACL entry (inherited by paths created later), directories only. */
    default: flag().default(false),
  })
  .superRefine((e, ctx) => {
    const given = (["group", "user", "objectId"] as const).filter((k) => e[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: "custom", path: [], message: `needs exactly one of group, user, objectId (got ${given.length === 0 ? "none" : given.join(", ")})` });
    }
    if (e.objectId !== undefined && e.type === undefined) {
      ctx.addIssue({ code: "custom", path: ["type"], message: "is required with objectId: user or group" });
    }
    if (e.objectId === undefined && e.type !== undefined) {
      ctx.addIssue({ code: "custom", path: ["type"], message: "is only allowed with objectId (group/user entries carry their type)" });
    }
  });
export type AclEntrySpec = z.output<typeof aclEntrySchema>;

export const aclRuleSchema = z.strictObject({
  /** <filesystem>/<directory path>; the filesystem name alone means its root directory. */
  path: z
    .string({ error: `is required (${ACL_PATH_RULE})` })
    .refine((p) => !p.split("/").includes(".."), { error: (i) => `${JSON.stringify(i.input)} contains '..': ${ACL_PATH_RULE}` })
    .refine(
      (p) => {
        const [fs, ...rest] = p.split("/");
        return FILESYSTEM_NAME.test(fs) && (rest.length === 0 || DIRECTORY_PATH.test(rest.join("/")));
      },
      { error: (i) => `${JSON.stringify(i.input)} is not valid: ${ACL_PATH_RULE}` },
    ),
  /**
   * modify merges the entries into each path's ACL, keeping its own base
   * (user::, group::, other::) permissions. set replaces the whole ACL of
   * every path below, files included, with the rule root's base permissions
   * plus exactly these entries (one ACL is sent for the entire tree), so a
   * 600 file under a 750 directory ends up 750 plus the entries.
   */
  mode: oneOf(ACL_MODES).default("modify"),
  entries: z.array(aclEntrySchema).min(1, { error: "is empty: a rule needs at least one entry" }),
  /** Grant --x to the access entries' principals on every parent up to the filesystem root. */
  traverse: flag().default(true),
});
export type AclRuleSpec = z.output<typeof aclRuleSchema>;

/** The principal an entry names, as a stable key for duplicate detection. */
function principalKey(e: AclEntrySpec): string {
  if (e.objectId !== undefined) return `${e.type}:${e.objectId.toLowerCase()}`;
  if (e.group !== undefined) return `group:${e.group}`;
  return `user:${e.user}`;
}

export const aclSpecSchema = z
  .strictObject({
    rules: z.array(aclRuleSchema).min(1, { error: "is empty: the spec needs at least one rule" }),
  })
  .superRefine((spec, ctx) => {
    const seen = new Map<string, number>();
    spec.rules.forEach((rule, i) => {
      const first = seen.get(rule.path);
      if (first !== undefined) {
        ctx.addIssue({ code: "custom", path: ["rules", i, "path"], message: `"${rule.path}" duplicates rules[${first}]; merge their entries into one rule` });
      } else seen.set(rule.path, i);

      const keys = new Map<string, number>();
      rule.entries.forEach((e, j) => {
        const key = `${e.default ? "default:" : ""}${principalKey(e)}`;
        const prev = keys.get(key);
        if (prev !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["rules", i, "entries", j],
            message: `names the same principal and scope as entries[${prev}]; keep one entry per principal${e.default ? " (default)" : ""}`,
          });
        } else keys.set(key, j);
      });
      for (const scope of [false, true]) {
        const named = rule.entries.filter((e) => e.default === scope).length;
        if (named + BASE_ACL_ENTRIES > MAX_ACL_ENTRIES) {
          ctx.addIssue({
            code: "custom",
            path: ["rules", i, "entries"],
            message: `has ${named} ${scope ? "default" : "access"} entries; with the ${BASE_ACL_ENTRIES} base entries (user::, group::, mask::, other::) that exceeds the limit of ${MAX_ACL_ENTRIES} per ACL (at most ${MAX_ACL_ENTRIES - BASE_ACL_ENTRIES} named entries)`,
          });
        }
      }
    });
  });
export type AclSpec = z.output<typeof aclSpecSchema>;

/**
 * Checks of the `acls` key against the rest of the stack config: post-deploy
 * resolves group and user names only through the stack output `principals`,
 * which lists exactly the principals of the `access` grants (group display
 * names; UPNs and service principal names, which are user entries in an ACL).
 * A name outside it, or a path on an undeclared filesystem, would otherwise
 * fail only after `pulumi up`.
 */
export function aclCrossChecks(c: { acls?: AclSpec; filesystems: { name: string }[]; access: AccessGrant[] }): { path: PropertyKey[]; message: string }[] {
  if (!c.acls) return [];
  const declared = c.filesystems.map((f) => f.name);
  const groups = c.access.flatMap(({ principal: p }) => (p.kind === "group" ? [p.name] : []));
  const users = c.access.flatMap(({ principal: p }) => (p.kind === "user" ? [p.upn] : p.kind === "servicePrincipal" ? [p.name] : []));
  const issues: { path: PropertyKey[]; message: string }[] = [];
  c.acls.rules.forEach((rule, i) => {
    const filesystem = rule.path.split("/")[0];
    if (!declared.includes(filesystem)) {
      issues.push({ path: ["acls", "rules", i, "path"], message: `filesystem "${filesystem}" is not declared under adls-migration:filesystems (declared: ${declared.join(", ")})` });
    }
    rule.entries.forEach((e, j) => {
      const [kind, name, known] = e.group !== undefined ? (["group", e.group, groups] as const) : (["user", e.user, users] as const);
      if (name === undefined || known.includes(name)) return;
      const sameButCase = known.find((k) => k.toLowerCase() === name.toLowerCase());
      issues.push({
        path: ["acls", "rules", i, "entries", j, kind],
        message:
          `"${name}" is not a ${kind === "group" ? "group" : "user or service principal"} that adls-migration:access grants produce ` +
          `(${known.length > 0 ? `known: ${[...new Set(known)].join(", ")}` : "access names none"})${sameButCase ? `; names match exactly, did you mean "${sameButCase}"?` : ""}; ` +
          "add a grant for it under adls-migration:access, or give objectId + type",
      });
    });
  });
  return issues;
}
