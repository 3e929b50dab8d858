import * as pulumi from "@pulumi/pulumi";
import * as storage from "@pulumi/azure-native/storage";
import { PREFIXES_PER_RULE } from "./config/inventory";

/** What the Gen2 account's blob inventory reports (plain values: they shape the rules). */
export interface InventoryPolicyArgs {
  accountName: pulumi.Input<string>;
  resourceGroupName: pulumi.Input<string>;
  /** Container the runs are written to; it must exist before the policy (the service does not create it). */
  destination: string;
  schedule: "Daily" | "Weekly";
  format: "Parquet" | "Csv";
  /** "<filesystem>/<path>/" prefixes; split into rules of at most 10. */
  prefixes: string[];
  /** Also report Owner, Group, Permissions and Acl. */
  acls: boolean;
  ruleName: string;
}

/**
 * Schema fields validate and assess read. Name is always required; hdi_isfolder,
 * Owner, Group, Permissions and Acl exist only on accounts with a hierarchical
 * namespace, which this account always has (ARM spec
 * BlobInventoryPolicyDefinition.schemaFields, as in @pulumi/azure-native 3.28
 * types/input.d.ts; learn.microsoft.com/azure/storage/blobs/blob-inventory,
 * "Custom schema fields supported for blob inventory").
 */
export const INVENTORY_FIELDS = ["Name", "Content-Length", "Last-Modified", "hdi_isfolder"] as const;
export const INVENTORY_ACL_FIELDS = ["Owner", "Group", "Permissions", "Acl"] as const;

/**
 * The account's blob inventory policy (ARM allows one, named "default").
 * Versions and snapshots stay out: blob versioning is not available with a
 * hierarchical namespace (VersionId/IsCurrentVersion have no Data Lake
 * support in the schema field table), and a snapshot row would duplicate its
 * path. Deleted blobs stay out too (includeDeleted false), or soft-deleted
 * paths would count as present; each of those filters, when true, would also
 * require extra schema fields (Snapshot; DeletionId, Deleted, DeletedTime,
 * RemainingRetentionDays) per the same spec.
 */
export function inventoryPolicy(name: string, args: InventoryPolicyArgs, opts: pulumi.CustomResourceOptions): storage.BlobInventoryPolicy {
  const chunks: string[][] = [];
  for (let i = 0; i < args.prefixes.length; i += PREFIXES_PER_RULE) chunks.push(args.prefixes.slice(i, i + PREFIXES_PER_RULE));
  const schemaFields = [...INVENTORY_FIELDS, ...(args.acls ? INVENTORY_ACL_FIELDS : [])];
  return new storage.BlobInventoryPolicy(
    name,
    {
      accountName: args.accountName,
      resourceGroupName: args.resourceGroupName,
      blobInventoryPolicyName: "default",
      policy: {
        enabled: true,
        type: storage.InventoryRuleType.Inventory,
        rules: chunks.map((prefixMatch, i) => ({
          name: chunks.length === 1 ? args.ruleName : `${args.ruleName}${i + 1}`,
          enabled: true,
          destination: args.destination,
          definition: {
            objectType: storage.ObjectType.Blob,
            format: args.format === "Csv" ? storage.Format.Csv : storage.Format.Parquet,
            schedule: args.schedule === "Weekly" ? storage.Schedule.Weekly : storage.Schedule.Daily,
            schemaFields,
            filters: {
              // Page blobs do not exist on HNS accounts; blobTypes is required for objectType Blob.
              blobTypes: ["blockBlob", "appendBlob"],
              prefixMatch,
              includeBlobVersions: false,
              includeSnapshots: false,
              includeDeleted: false,
            },
          },
        })),
      },
    },
    opts,
  );
}
