import { createHash } from "crypto";

/**
 * Built-in Azure role definition GUIDs. They are the same in every tenant,
 * so a fixed table avoids a lookup per assignment at deploy time.
 */
export const BUILT_IN_ROLES = {
  Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
  "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  "Storage Account Contributor": "17d1049b-9a84-46fb-8f53-869881c3d3ab",
  "Data Factory Contributor": "673868aa-7521-48a0-acc6-0f60742d39f5",
  /** Read secret values only; for vaults in RBAC mode (the factory's Gen1 service principal secret). */
  "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
} as const;
export type BuiltInRoleName = keyof typeof BUILT_IN_ROLES;
export const BUILT_IN_ROLE_NAMES = Object.keys(BUILT_IN_ROLES) as BuiltInRoleName[];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROLE_DEFINITION_ID = /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Authorization\/roleDefinitions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a built-in role name, a role GUID or a full role definition id. */
export function isRoleReference(role: string): boolean {
  return role in BUILT_IN_ROLES || GUID.test(role) || ROLE_DEFINITION_ID.test(role);
}

/** Full role definition id for a built-in name, a GUID or an id that is already full. */
export function roleDefinitionId(subscriptionId: string, role: string): string {
  if (ROLE_DEFINITION_ID.test(role)) return role;
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid(role)}`;
}

/**
 * The lowercase role definition GUID of a built-in name, a GUID or a full id:
 * one spelling per role, so "Reader" and its GUID compare equal.
 */
export function roleGuid(role: string): string {
  const guid = role in BUILT_IN_ROLES ? BUILT_IN_ROLES[role as BuiltInRoleName] : role.slice(role.lastIndexOf("/") + 1);
  if (!isRoleReference(role) || !GUID.test(guid)) throw new Error(`unknown role "${role}"; built-in names: ${BUILT_IN_ROLE_NAMES.join(", ")}`);
  return guid.toLowerCase();
}

/**
 * Role assignment names must be GUIDs. Deriving one from what the assignment
 * means (scope key + principal key + role) keeps it stable when grants are
 * reordered or re-planned, so Pulumi never recreates an assignment needlessly.
 * The keys are logical (e.g. "account", "filesystem:raw", "group:dl-readers"),
 * not ARM ids, so the name is known at plan time.
 */
export function roleAssignmentName(scopeKey: string, principalKey: string, role: string): string {
  const h = createHash("sha256").update(`${scopeKey}|${principalKey}|${role}`).digest("hex");
  // Shaped as an RFC 4122 version-5-style GUID (version and variant nibbles set).
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
