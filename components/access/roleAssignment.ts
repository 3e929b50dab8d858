import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import type { PrincipalType } from "../config/access";
import { roleAssignmentName, roleDefinitionId, roleGuid } from "./roles";

/**
 * Logical scope key of the Gen2 account, or of one filesystem in it, for
 * `roleAssignmentName`. Role assignment names are unique across the whole
 * tenant (reusing one at another scope fails with
 * RoleAssignmentUpdateNotPermitted), so the key carries the globally unique
 * account name: dev and prod stacks with the same grants get distinct names.
 */
export function storageScopeKey(accountName: string, filesystem?: string): string {
  return filesystem === undefined ? `storage:${accountName}` : `storage:${accountName}/${filesystem}`;
}

export interface RoleGrant {
  /** ARM id of the scope: the account id or a container's resource id. */
  scope: pulumi.Input<string>;
  /** Stable logical key of the scope, known at plan time (see `storageScopeKey`). */
  scopeKey: string;
  /** Object id of the user, group or service principal. */
  principalId: pulumi.Input<string>;
  /** Stable logical key of the principal ("group:dl-readers", "object:<guid>", "factory:<name>"). */
  principalKey: string;
  /** Set explicitly: ARM then skips its directory lookup, which fails with PrincipalNotFound for principals created moments ago. */
  principalType: PrincipalType;
  /** Built-in role name, role definition GUID or full role definition id. */
  role: string;
  /** Subscription the role definition id is built under. */
  subscriptionId: pulumi.Input<string>;
  /** Shown in the portal next to the assignment. */
  description?: string;
}

/**
 * One RBAC role assignment with a deterministic name. The name depends only
 * on scope key, principal key and role GUID, so re-planning or reordering
 * never recreates it; a changed principal or scope replaces it, and because
 * ARM refuses a second assignment under the same name, the old one is deleted
 * first.
 */
export function assignRole(name: string, grant: RoleGrant, opts: pulumi.CustomResourceOptions = {}): authorization.RoleAssignment {
  return new authorization.RoleAssignment(
    name,
    {
      roleAssignmentName: roleAssignmentName(grant.scopeKey, grant.principalKey, roleGuid(grant.role)),
      scope: grant.scope,
      principalId: grant.principalId,
      principalType: grant.principalType,
      roleDefinitionId: pulumi.output(grant.subscriptionId).apply((sub) => roleDefinitionId(sub, grant.role)),
      description: grant.description,
    },
    { deleteBeforeReplace: true, ...opts },
  );
}
