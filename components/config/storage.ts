import { z } from "zod";
import { nonPublicContaining, parseIpv4 } from "../../policy/rules/ipv4";
import {
  DIRECTORY_PATH,
  DIRECTORY_PATH_RULE,
  FILESYSTEM_NAME,
  FILESYSTEM_NAME_RULE,
  IPV4_RULE,
  SUBNET_ID,
  flag,
  integer,
  matching,
  oneOf,
} from "./primitives";

/** Config keys that shape the Gen2 storage account itself. */

export const REDUNDANCIES = ["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"] as const;
export type Redundancy = (typeof REDUNDANCIES)[number];

/** Premium block blob accounts only come in these redundancies. */
export const PREMIUM_REDUNDANCIES: readonly Redundancy[] = ["LRS", "ZRS"];

export const filesystemSchema = z.strictObject({
  name: matching(FILESYSTEM_NAME, FILESYSTEM_NAME_RULE).meta({ description: `Container name: ${FILESYSTEM_NAME_RULE}` }),
  folders: z
    .array(matching(DIRECTORY_PATH, DIRECTORY_PATH_RULE))
    .default([])
    .meta({ description: "Directories post-deploy creates (ARM cannot create directories)" }),
});
export type FilesystemConfig = z.infer<typeof filesystemSchema>;

export const PRIVATE_ENDPOINT_SERVICES = ["dfs", "blob"] as const;
export type PrivateEndpointService = (typeof PRIVATE_ENDPOINT_SERVICES)[number];

/**
 * Storage firewall limits: "Maximum number of IP address rules per storage
 * account: 400", "Maximum number of virtual network rules per storage
 * account: 400" (learn.microsoft.com/azure/storage/common/scalability-targets-standard-account;
 * storage-network-security-virtual-networks: "up to 400 virtual network rules").
 */
export const MAX_IP_RULES = 400;
export const MAX_VIRTUAL_NETWORK_RULES = 400;

/** IP rules are "allowed only for public internet IP addresses" (storage-network-security-limitations). */
const publicIpRule = matching(IPV4_RULE, "an IPv4 address or CIDR range up to /30").superRefine((rule, ctx) => {
  const range = parseIpv4(rule);
  const reserved = range && nonPublicContaining(range);
  if (reserved) {
    ctx.addIssue({
      code: "custom",
      message: `"${rule}" is in ${reserved.cidr} (${reserved.what}): storage IP rules admit public internet addresses only; reach the account from a private network through subnetIds or privateEndpoints`,
    });
  }
});

const atMost = (max: number, what: string) => (list: unknown[], ctx: z.RefinementCtx) => {
  if (list.length > max) ctx.addIssue({ code: "custom", message: `has ${list.length} ${what}; a storage account allows at most ${max}` });
};

export const networkSchema = z.strictObject({
  defaultAction: oneOf(["Deny", "Allow"]).default("Deny").meta({ description: "What happens to traffic no rule matches" }),
  ipRules: z
    .array(publicIpRule)
    .superRefine(atMost(MAX_IP_RULES, "IP rules"))
    .default([])
    .meta({ description: `Public IPv4 addresses or CIDR ranges (up to /30) allowed through the firewall, at most ${MAX_IP_RULES}` }),
  subnetIds: z
    .array(matching(SUBNET_ID, "a subnet resource id /subscriptions/.../virtualNetworks/<vnet>/subnets/<subnet>"))
    .superRefine(atMost(MAX_VIRTUAL_NETWORK_RULES, "virtual network rules"))
    .default([])
    .meta({ description: `Subnet resource ids allowed (the subnet needs the Microsoft.Storage service endpoint), at most ${MAX_VIRTUAL_NETWORK_RULES}` }),
  /** Private endpoints for the dfs and blob sub-resources, placed in one subnet. */
  privateEndpoints: z
    .strictObject({
      subnetId: matching(SUBNET_ID, "a subnet resource id /subscriptions/.../virtualNetworks/<vnet>/subnets/<subnet>"),
      services: z
        .array(oneOf(PRIVATE_ENDPOINT_SERVICES))
        .min(1)
        .default(["dfs", "blob"])
        // Some DFS operations are served by the blob endpoint, so a dfs endpoint alone breaks clients.
        .refine((s) => !s.includes("dfs") || s.includes("blob"), { error: "a dfs private endpoint needs a blob one too (some Data Lake operations go to the blob endpoint): use [dfs, blob]" }),
      /** Private DNS zone ids keyed by service (privatelink.dfs.core.windows.net, ...), linked through a zone group. */
      privateDnsZoneIds: z.partialRecord(oneOf(PRIVATE_ENDPOINT_SERVICES), z.string().min(1)).default({}),
    })
    .optional(),
});
export type NetworkConfig = z.infer<typeof networkSchema>;

export const lifecycleSchema = z
  .strictObject({
    /** Blob name prefixes ("raw/landing") the rule applies to; empty means the whole account. */
    prefixes: z.array(z.string().min(1)).default([]),
    coolAfterDays: integer(0, 99999).optional(),
    coldAfterDays: integer(0, 99999).optional(),
    archiveAfterDays: integer(0, 99999).optional(),
    deleteAfterDays: integer(1, 99999).optional(),
  })
  .refine((v) => v.coolAfterDays ?? v.coldAfterDays ?? v.archiveAfterDays ?? v.deleteAfterDays, {
    error: "needs at least one of coolAfterDays, coldAfterDays, archiveAfterDays, deleteAfterDays",
  });
export type LifecycleConfig = z.infer<typeof lifecycleSchema>;

export const diagnosticsSchema = z.strictObject({
  /** Log Analytics workspace resource id receiving the blob service's read/write/delete logs. */
  workspaceId: matching(/^\/subscriptions\/.+\/workspaces\/[^/]+$/i, "a Log Analytics workspace resource id"),
});
export type DiagnosticsConfig = z.infer<typeof diagnosticsSchema>;

export const storageKeys = {
  redundancy: oneOf(REDUNDANCIES).default("ZRS").meta({ description: "Gen2 replication" }),
  performance: oneOf(["standard", "premium"])
    .default("standard")
    .meta({ description: "standard (StorageV2) or premium (BlockBlobStorage, LRS/ZRS only); a change replaces the account" }),
  filesystems: z
    .array(filesystemSchema)
    .min(1, { error: "needs at least one filesystem" })
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((fs, i) => {
        if (seen.has(fs.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `"${fs.name}" is declared twice` });
        seen.add(fs.name);
      });
    })
    .meta({ description: "Gen2 filesystems (containers) the stack creates, with the folders post-deploy creates in them" }),
  network: networkSchema
    .default({ defaultAction: "Deny", ipRules: [], subnetIds: [] })
    .meta({ description: "Storage firewall and private endpoints" }),
  sharedKeyAccess: flag().default(false).meta({ description: "Allow account keys and SAS tokens (off: Entra ID only); needs a policyWaivers reason" }),
  softDeleteDays: integer(1, 365).default(7).meta({ description: "Days deleted blobs and containers stay restorable (1-365)" }),
  lifecycle: lifecycleSchema.optional().meta({ description: "One lifecycle rule: tiering and deletion by age, optionally limited to prefixes" }),
  diagnostics: diagnosticsSchema.optional().meta({ description: "Blob read/write/delete logs to a Log Analytics workspace" }),
};
