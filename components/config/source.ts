import { z } from "zod";
import { STORAGE_ACCOUNT_NAME, STORAGE_ACCOUNT_NAME_RULE, flag, matching } from "./primitives";

/**
 * The Gen1 account the data comes from, and how Data Factory signs in to it.
 * With a service principal, its secret lives in Key Vault and the linked
 * service only references it: the value never enters the plan or the factory.
 */

const GUID_RULE = "a GUID such as 00000000-0000-0000-0000-000000000000";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const KEY_VAULT_NAME_RULE = "3-24 letters, digits and hyphens, starting with a letter, not ending with a hyphen, no '--'";
const KEY_VAULT_NAME = /^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;

export const keyVaultSchema = z
  .strictObject({
    /** Vault name (globally unique). */
    name: matching(KEY_VAULT_NAME, KEY_VAULT_NAME_RULE),
    /** Resource group of an existing vault. Not allowed with create: the stack's resource group is used. */
    resourceGroup: matching(/^[-\w._()]{1,89}[-\w_()]$/, "a resource group name").optional(),
    /** Create the vault in the stack's resource group (RBAC authorization, purge protection). */
    create: flag().default(false),
    /**
     * Only with create: the secret value, set with
     * `pulumi config set --secret --path 'adls-migration:source.keyVault.secretValue' <value>`.
     * Leave it out to store the secret yourself (`az keyvault secret set`), which keeps it out of Pulumi state.
     */
    secretValue: z.string().min(1).optional(),
  })
  .superRefine((kv, ctx) => {
    if (kv.create && kv.resourceGroup !== undefined) {
      ctx.addIssue({ code: "custom", path: ["resourceGroup"], message: "is only for an existing vault; with create: true the vault goes into the stack's resource group" });
    }
    if (!kv.create && kv.resourceGroup === undefined) {
      ctx.addIssue({ code: "custom", path: ["resourceGroup"], message: "is required for an existing vault (or set create: true)" });
    }
    if (!kv.create && kv.secretValue !== undefined) {
      ctx.addIssue({ code: "custom", path: ["secretValue"], message: "is only used with create: true; store the secret in the existing vault yourself" });
    }
  });
export type KeyVaultConfig = z.infer<typeof keyVaultSchema>;

/**
 * Where the Gen1 account lives. Data Factory needs both when Gen1 is a copy
 * *sink* (dual-pipeline, and bidirectional-sync with a Gen2-written folder).
 */
const gen1Location = {
  /** Subscription of the Gen1 account. */
  subscriptionId: matching(GUID, GUID_RULE).optional(),
  /** Resource group of the Gen1 account. */
  resourceGroupName: matching(/^[-\w._()]{1,89}[-\w_()]$/, "an Azure resource group name").optional(),
};

const managedIdentitySource = z.strictObject({
  /** Gen1 account name: the part before .azuredatalakestore.net. */
  accountName: matching(STORAGE_ACCOUNT_NAME, STORAGE_ACCOUNT_NAME_RULE),
  ...gen1Location,
  /** The factory's system-assigned identity signs in to Gen1 (grant it ACLs there). */
  auth: z.literal("managedIdentity").default("managedIdentity"),
});

const servicePrincipalSource = z.strictObject({
  accountName: matching(STORAGE_ACCOUNT_NAME, STORAGE_ACCOUNT_NAME_RULE),
  ...gen1Location,
  /** A service principal signs in to Gen1; its secret is read from Key Vault at run time. */
  auth: z.literal("servicePrincipal"),
  /** Application (client) id of the service principal. */
  clientId: matching(GUID, GUID_RULE),
  /** Tenant of the service principal. */
  tenantId: matching(GUID, GUID_RULE),
  keyVault: keyVaultSchema,
  /** Name of the Key Vault secret that holds the client secret. */
  secretName: matching(SECRET_NAME, "1-127 letters, digits and hyphens"),
});

const SOURCE_REQUIRED = "is required for every pattern: { accountName, auth } of the Gen1 account the data comes from";

export const sourceSchema = z.preprocess(
  // auth is optional (managedIdentity); the union needs it to pick a branch.
  (v) => (typeof v === "object" && v !== null && !("auth" in v) ? { ...v, auth: "managedIdentity" } : v),
  z.discriminatedUnion("auth", [managedIdentitySource, servicePrincipalSource], {
    error: (issue) => {
      if (issue.input === undefined) return SOURCE_REQUIRED;
      if (issue.code === "invalid_union") {
        return `${JSON.stringify((issue.input as { auth?: unknown }).auth)} is not one of managedIdentity, servicePrincipal`;
      }
      return undefined;
    },
  }),
);
export type SourceConfig = z.infer<typeof sourceSchema>;
export type ServicePrincipalSource = z.infer<typeof servicePrincipalSource>;
