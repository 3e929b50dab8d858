import { z } from "zod";
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
  /** Container name. */
  name: matching(FILESYSTEM_NAME, FILESYSTEM_NAME_RULE),
  /** Directories the post-deploy step creates (ARM cannot create directories). */
  folders: z.array(matching(DIRECTORY_PATH, DIRECTORY_PATH_RULE)).default([]),
});
export type FilesystemConfig = z.infer<typeof filesystemSchema>;

export const PRIVATE_ENDPOINT_SERVICES = ["dfs", "blob"] as const;
export type PrivateEndpointService = (typeof PRIVATE_ENDPOINT_SERVICES)[number];

export const networkSchema = z.strictObject({
  /** What happens to traffic no rule matches. Deny unless a stack explicitly opens the account. */
  defaultAction: oneOf(["Deny", "Allow"]).default("Deny"),
  /** Public IPv4 addresses or CIDR ranges allowed through the firewall. */
  ipRules: z.array(matching(IPV4_RULE, "an IPv4 address or CIDR range up to /30")).default([]),
  /** Subnet resource ids allowed through the firewall (the subnet needs the Microsoft.Storage service endpoint). */
  subnetIds: z.array(matching(SUBNET_ID, "a subnet resource id /subscriptions/.../virtualNetworks/<vnet>/subnets/<subnet>")).default([]),
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
  redundancy: oneOf(REDUNDANCIES).default("ZRS"),
  performance: oneOf(["standard", "premium"]).default("standard"),
  filesystems: z
    .array(filesystemSchema)
    .min(1, { error: "needs at least one filesystem" })
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((fs, i) => {
        if (seen.has(fs.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `"${fs.name}" is declared twice` });
        seen.add(fs.name);
      });
    }),
  network: networkSchema.default({ defaultAction: "Deny", ipRules: [], subnetIds: [] }),
  sharedKeyAccess: flag().default(false),
  softDeleteDays: integer(1, 365).default(7),
  lifecycle: lifecycleSchema.optional(),
  diagnostics: diagnosticsSchema.optional(),
};
