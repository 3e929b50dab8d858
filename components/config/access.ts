import { z } from "zod";
import { BUILT_IN_ROLE_NAMES, isRoleReference, roleGuid } from "../access/roles";
import { FILESYSTEM_NAME, flag, matching, oneOf } from "./primitives";

/**
 * The `access` key: a list of RBAC grants on the Gen2 account or one of its
 * filesystems, each naming an Entra ID principal, a role and a scope.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UPN = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const UPN_RULE = "a user principal name such as someone@contoso.com";

export const PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal"] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

/** One principal, in the form the component consumes; `key` identifies it for duplicate checks and assignment names. */
export type Principal =
  | { kind: "group"; name: string; create: boolean; description?: string; owners: string[]; key: string }
  | { kind: "user"; upn: string; key: string }
  | { kind: "objectId"; objectId: string; type: PrincipalType; key: string }
  | { kind: "servicePrincipal"; name: string; key: string };

export type AccessScope = { kind: "account" } | { kind: "filesystem"; name: string };

const FORMS = ["group", "user", "objectId", "servicePrincipal"] as const;
/** Keys that only make sense next to one form. */
const COMPANIONS: Record<string, (typeof FORMS)[number]> = { create: "group", description: "group", owners: "group", type: "objectId" };

const principalSchema = z
  .strictObject({
    /** Group display name: created when `create` is true, looked up otherwise. */
    group: matching(/^\S(.{0,254}\S)?$/, "a group display name of 1-256 characters, no leading or trailing spaces").optional(),
    create: flag().optional(),
    description: z.string().min(1).max(1024).optional(),
    /** Owners of a created group: object ids or user principal names. The deploying identity is always added. */
    owners: z.array(matching(new RegExp(`${GUID.source}|${UPN.source}`, "i"), `an object id (GUID) or ${UPN_RULE}`)).optional(),
    user: matching(UPN, UPN_RULE).optional(),
    objectId: matching(GUID, "an object id (GUID)").optional(),
    type: oneOf(PRINCIPAL_TYPES).optional(),
    /** Service principal (or managed identity) display name, or its application (client) id. */
    servicePrincipal: z.string().trim().min(1).optional(),
  })
  .superRefine((p, ctx) => {
    const forms = FORMS.filter((f) => p[f] !== undefined);
    if (forms.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message:
          forms.length === 0
            ? `needs one of ${FORMS.join(", ")}`
            : `has ${forms.join(" and ")}; give exactly one of ${FORMS.join(", ")}`,
      });
      return;
    }
    for (const [key, form] of Object.entries(COMPANIONS)) {
      if (p[key as keyof typeof p] !== undefined && forms[0] !== form) {
        ctx.addIssue({ code: "custom", path: [key], message: `only applies with ${form}` });
      }
    }
    if (p.objectId !== undefined && p.type === undefined) {
      ctx.addIssue({ code: "custom", path: ["type"], message: `is required with objectId; one of ${PRINCIPAL_TYPES.join(", ")}` });
    }
    if ((p.description !== undefined || p.owners !== undefined) && p.group !== undefined && p.create !== true) {
      ctx.addIssue({ code: "custom", path: [p.owners !== undefined ? "owners" : "description"], message: "only applies with create: true" });
    }
  })
  .transform((p): Principal => {
    if (p.group !== undefined) {
      return { kind: "group", name: p.group, create: p.create ?? false, description: p.description, owners: p.owners ?? [], key: `group:${p.group.toLowerCase()}` };
    }
    if (p.user !== undefined) return { kind: "user", upn: p.user, key: `user:${p.user.toLowerCase()}` };
    if (p.objectId !== undefined) {
      const objectId = p.objectId.toLowerCase();
      return { kind: "objectId", objectId, type: p.type as PrincipalType, key: `object:${objectId}` };
    }
    const name = p.servicePrincipal as string;
    return { kind: "servicePrincipal", name, key: `sp:${name.toLowerCase()}` };
  });

const scopeSchema = matching(
  new RegExp(`^account$|^filesystem:${FILESYSTEM_NAME.source.replace(/^\^/, "")}`),
  "account, or filesystem:<name> of a filesystem declared under filesystems",
).transform((s): AccessScope => (s === "account" ? { kind: "account" } : { kind: "filesystem", name: s.slice("filesystem:".length) }));

const roleSchema = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
  .refine(isRoleReference, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a known role; use a built-in name (${BUILT_IN_ROLE_NAMES.join(", ")}), a role definition GUID or a full role definition id`,
  });

export const grantSchema = z.strictObject({
  principal: principalSchema,
  role: roleSchema,
  scope: scopeSchema,
});
export type AccessGrant = z.output<typeof grantSchema>;

/** Logical key of a scope ("account", "filesystem:raw"). */
export function scopeKey(scope: AccessScope): string {
  return scope.kind === "account" ? "account" : `filesystem:${scope.name}`;
}

export const accessSchema = z
  .array(grantSchema)
  .default([])
  .superRefine((grants, ctx) => {
    const seen = new Map<string, number>();
    const createdGroups = new Map<string, { index: number; settings: string }>();
    grants.forEach((g, i) => {
      // Roles compare by GUID, so "Reader" and its GUID are the same grant.
      const key = `${scopeKey(g.scope)}|${g.principal.key}|${isRoleReference(g.role) ? roleGuid(g.role) : g.role}`;
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({ code: "custom", path: [i], message: `repeats access[${first}] (same principal, role and scope); remove one` });
      } else {
        seen.set(key, i);
      }
      const p = g.principal;
      if (p.kind === "group" && p.create) {
        const settings = JSON.stringify([p.description, [...p.owners].sort()]);
        const other = createdGroups.get(p.key);
        if (other && other.settings !== settings) {
          ctx.addIssue({
            code: "custom",
            path: [i, "principal"],
            message: `creates group "${p.name}" with other description or owners than access[${other.index}]; give them once`,
          });
        }
        if (!other) createdGroups.set(p.key, { index: i, settings });
      }
    });
  });
