import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as azuread from "@pulumi/azuread";
import { AccessGrant, Principal, PrincipalType, scopeKey } from "../config/access";
import { assignRole, storageScopeKey } from "./roleAssignment";

export interface DataLakeAccessArgs {
  /** Validated grants from the `access` config key. Plain value: one child resource per created group and per grant. */
  grants: AccessGrant[];
  /** Storage account name. Plain value: it is part of every role assignment name, which must be known at plan time. */
  accountName: string;
  /** Resource id of the account (scope of `account` grants). */
  accountId: pulumi.Input<string>;
  /** Filesystem name → container resource id (scope of `filesystem:<name>` grants). */
  filesystemIds: Record<string, pulumi.Input<string>>;
}

/** A principal resolved to its object id. */
interface Resolved {
  /** Name under which the `principals` output lists it. */
  label: string;
  objectId: pulumi.Output<string>;
  type: PrincipalType;
}

/**
 * Entra ID groups and RBAC role assignments on the Gen2 account and its
 * filesystems. Groups marked `create` are created as security groups; every
 * other principal is looked up, so a missing user or group fails the preview
 * instead of the deployment.
 */
export class DataLakeAccess extends pulumi.ComponentResource {
  /** Principal name (group display name, UPN, service principal name or client id, or the object id itself) → object id. */
  readonly principals: pulumi.Output<Record<string, string>>;
  /** Group display name → created group. */
  readonly groups: Record<string, azuread.Group> = {};
  readonly assignments: authorization.RoleAssignment[] = [];

  constructor(name: string, args: DataLakeAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("adls-migration:access:DataLakeAccess", name, {}, opts);
    const subscriptionId = authorization.getClientConfigOutput({ parent: this }).subscriptionId;

    const resolved = new Map<string, Resolved>();
    // A group created by any grant is the one every other grant naming it refers to.
    for (const { principal } of args.grants) {
      if (principal.kind === "group" && principal.create && !resolved.has(principal.key)) {
        resolved.set(principal.key, this.createGroup(name, principal));
      }
    }
    for (const { principal } of args.grants) {
      if (!resolved.has(principal.key)) resolved.set(principal.key, this.resolve(principal));
    }

    for (const grant of args.grants) {
      const principal = resolved.get(grant.principal.key) as Resolved;
      const scope = grant.scope;
      const where = scope.kind === "account" ? "account" : `filesystem ${scope.name}`;
      this.assignments.push(
        assignRole(
          `${name}-${slug(grant.principal.key)}-${slug(grant.role)}-${slug(scopeKey(scope))}`,
          {
            scope: scope.kind === "account" ? args.accountId : args.filesystemIds[scope.name],
            scopeKey: storageScopeKey(args.accountName, scope.kind === "account" ? undefined : scope.name),
            principalId: principal.objectId,
            principalKey: grant.principal.key,
            principalType: principal.type,
            role: grant.role,
            subscriptionId,
            description: `${grant.role} for ${principal.label} on ${where} (adls-migration)`,
          },
          { parent: this },
        ),
      );
    }

    const entries = [...resolved.values()];
    this.principals = pulumi
      .all(entries.map((p) => p.objectId))
      .apply((ids) => Object.fromEntries(entries.map((p, i) => [p.label, ids[i]])));
    this.registerOutputs({ principals: this.principals });
  }

  private createGroup(name: string, principal: Extract<Principal, { kind: "group" }>): Resolved {
    // Naming owners replaces the default (the deploying identity as sole
    // owner), so the deployer is kept in the list: without it the stack could
    // lose the right to update its own group.
    const deployer = azuread.getClientConfigOutput({ parent: this }).objectId;
    const owners = pulumi
      .all([deployer, ...principal.owners.map((o) => (o.includes("@") ? this.lookupUser(o) : pulumi.output(o.toLowerCase())))])
      .apply((ids) => [...new Set(ids)]);
    const group = new azuread.Group(
      `${name}-${slug(principal.key)}`,
      {
        displayName: principal.name,
        description: principal.description,
        securityEnabled: true,
        mailEnabled: false,
        owners,
        // Fails instead of creating a second group when the name is already taken (e.g. by another stack).
        preventDuplicateNames: true,
      },
      { parent: this },
    );
    this.groups[principal.name] = group;
    return { label: principal.name, objectId: group.objectId, type: "Group" };
  }

  private resolve(principal: Principal): Resolved {
    switch (principal.kind) {
      case "group":
        return {
          label: principal.name,
          objectId: azuread.getGroupOutput({ displayName: principal.name }, { parent: this }).objectId,
          type: "Group",
        };
      case "user":
        return { label: principal.upn, objectId: this.lookupUser(principal.upn), type: "User" };
      case "objectId":
        return { label: principal.objectId, objectId: pulumi.output(principal.objectId), type: principal.type };
      case "servicePrincipal": {
        const byClientId = /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(principal.name);
        const sp = azuread.getServicePrincipalOutput(
          byClientId ? { clientId: principal.name.toLowerCase() } : { displayName: principal.name },
          { parent: this },
        );
        return { label: principal.name, objectId: sp.objectId, type: "ServicePrincipal" };
      }
    }
  }

  private lookupUser(upn: string): pulumi.Output<string> {
    return azuread.getUserOutput({ userPrincipalName: upn }, { parent: this }).objectId;
  }
}

/** A resource-name-safe rendering of a key ("group:DL Readers" → "group-dl-readers"). */
function slug(key: string): string {
  return key
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}
