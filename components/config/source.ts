import { z } from "zod";
import { STORAGE_ACCOUNT_NAME, STORAGE_ACCOUNT_NAME_RULE, matching, oneOf } from "./primitives";

/**
 * The Gen1 account the data comes from. The Data Factory work extends the
 * `servicePrincipal` branch (client id, tenant, Key Vault secret reference).
 */
export const sourceSchema = z.object({
  /** Gen1 account name: the part before .azuredatalakestore.net. */
  accountName: matching(STORAGE_ACCOUNT_NAME, STORAGE_ACCOUNT_NAME_RULE),
  /** How Data Factory authenticates to Gen1. */
  auth: oneOf(["managedIdentity", "servicePrincipal"]).default("managedIdentity"),
});
export type SourceConfig = z.infer<typeof sourceSchema>;
