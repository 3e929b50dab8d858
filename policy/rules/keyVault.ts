import { type ResourceRule, at, isUnknown, show } from "./types";

export const KEY_VAULT = "azure-native:keyvault:Vault";

/**
 * A vault the stack creates holds the Gen1 service principal secret. Purge
 * protection keeps a deleted vault (and the secret) recoverable for its
 * retention period and cannot be turned off again; RBAC authorization makes
 * Azure role assignments, not vault access policies, decide who reads it
 * (learn.microsoft.com/azure/key-vault/general/soft-delete-overview,
 * learn.microsoft.com/azure/key-vault/general/rbac-guide).
 */
export const keyVaultProtected: ResourceRule = {
  kind: "resource",
  name: "keyvault-purge-protection-rbac",
  description: "Key Vaults the stack creates have purge protection on and use Azure RBAC (enableRbacAuthorization) instead of access policies.",
  enforcementLevel: "mandatory",
  types: [KEY_VAULT],
  check: (r) =>
    (["enablePurgeProtection", "enableRbacAuthorization"] as const).flatMap((setting) => {
      const v = at(r.props, `properties.${setting}`);
      return isUnknown(v) || v === true ? [] : [`properties.${setting} is ${show(v)}; must be true`];
    }),
};
