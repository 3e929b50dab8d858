import { STORAGE_ACCOUNT } from "./storage";
import { type ResourceRule, type ResourceUnderPolicy, type StackRule, asRecord, at, isUnknown, show } from "./types";

export const ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment";
export const LOCK_BY_SCOPE = "azure-native:authorization:ManagementLockByScope";

const PRINCIPAL_TYPES = ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device", "AgentUser", "AgentServicePrincipal"];

export const roleAssignmentPrincipalType: ResourceRule = {
  kind: "resource",
  name: "role-assignment-principal-type",
  description:
    "Role assignments set principalType, so ARM does not look the principal up in Entra ID " +
    "(which fails for principals created moments earlier, replication delay).",
  enforcementLevel: "mandatory",
  types: [ROLE_ASSIGNMENT],
  check: (r) => {
    const v = at(r.props, "principalType");
    if (isUnknown(v) || (typeof v === "string" && PRINCIPAL_TYPES.includes(v))) return [];
    return [`principalType is ${show(v)}; must be one of ${PRINCIPAL_TYPES.join(", ")}`];
  },
};

function isProd(account: ResourceUnderPolicy): boolean {
  return asRecord(account.props.tags)?.environment === "prod";
}

/**
 * Whether a lock's scope is this account. A known scope is compared with the
 * account's ARM id suffix (resource ids are case-insensitive); during preview
 * of a new stack the scope is unknown and the engine's property dependencies
 * name the account instead.
 */
function locksAccount(lock: ResourceUnderPolicy, account: ResourceUnderPolicy): boolean {
  if (lock.propertyDependencies?.scope?.includes(account.urn)) return true;
  const scope = lock.props.scope;
  const name = account.props.accountName;
  if (typeof scope !== "string" || typeof name !== "string") return false;
  return scope.toLowerCase().endsWith(`/providers/microsoft.storage/storageaccounts/${name.toLowerCase()}`);
}

export const prodAccountLocked: StackRule = {
  kind: "stack",
  name: "prod-account-delete-lock",
  description:
    'Storage accounts tagged environment "prod" are protected by a CanNotDelete management lock ' +
    "(ManagementLockByScope) whose scope is the account.",
  enforcementLevel: "mandatory",
  check: (resources) => {
    const locks = resources.filter((r) => r.type === LOCK_BY_SCOPE && at(r.props, "level") === "CanNotDelete");
    return resources
      .filter((r) => r.type === STORAGE_ACCOUNT && isProd(r))
      .filter((account) => !locks.some((lock) => locksAccount(lock, account)))
      .map((account) => ({
        urn: account.urn,
        message: `prod account ${show(account.props.accountName)} has no CanNotDelete ManagementLockByScope on it; set adls-migration:protect true`,
      }));
  },
};
