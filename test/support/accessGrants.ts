import { parse } from "yaml";

/** The grants of issue 3, as a user writes them in Pulumi.<stack>.yaml. */
export const ISSUE_GRANTS = parse(`
- principal: { group: dl-readers, create: true, description: "Readers of the migrated lake" }
  role: Storage Blob Data Reader
  scope: account
- principal: { group: existing-engineers }
  role: Storage Blob Data Contributor
  scope: filesystem:raw
- principal: { objectId: 00000000-0000-0000-0000-0000000000aa, type: ServicePrincipal }
  role: Storage Blob Data Owner
  scope: account
- principal: { user: someone@contoso.com }
  role: Reader
  scope: account
`) as unknown[];
