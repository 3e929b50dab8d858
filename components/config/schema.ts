import { z } from "zod";
import { aclSpecSchema } from "./acls";
import { flag, matching, oneOf } from "./primitives";
import { sourceSchema } from "./source";
import { storageKeys } from "./storage";

export const ENVIRONMENTS = ["dev", "test", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const PATTERNS = ["lift-and-shift", "incremental", "dual-pipeline", "bidirectional-sync"] as const;
export type Pattern = (typeof PATTERNS)[number];

/**
 * Every `adls-migration:*` stack config key. Each section lives in its own
 * module; this object only composes them, so an unknown key (a typo) is
 * reported instead of silently ignored.
 */
export const stackConfigSchema = z
  .strictObject({
    environment: oneOf(ENVIRONMENTS),
    pattern: oneOf(PATTERNS),
    /** Azure region; falls back to azure-native:location (filled in by the loader). */
    location: matching(/^[a-z0-9]+$/, "an Azure region name such as westeurope; or set azure-native:location"),
    /** Short lowercase prefix for every resource name. */
    namePrefix: matching(/^[a-z][a-z0-9]{1,11}$/, "2-12 lowercase letters and digits, starting with a letter"),
    /** Explicit storage account name; derived from prefix, environment and a hash when absent. */
    accountName: matching(/^[a-z0-9]{3,24}$/, "3-24 lowercase letters and digits").optional(),
    /** Resource group to create; defaults to <namePrefix>-<environment>-datalake. */
    resourceGroupName: matching(/^[-\w._()]{1,89}[-\w_()]$/, "1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'").optional(),
    /** Pulumi `protect` plus a CanNotDelete lock on the account; defaults to true for prod. */
    protect: flag().optional(),
    tags: z.record(z.string(), z.string()).default({}),
    source: sourceSchema.optional(),
    /** Folder ACLs the post-deploy step applies (same shape as an `npm run acl` spec file). */
    acls: aclSpecSchema.optional(),
    ...storageKeys,
  })
  .transform((c) => ({ ...c, protect: c.protect ?? c.environment === "prod" }))
  .superRefine((c, ctx) => {
    if (c.performance === "premium" && !["LRS", "ZRS"].includes(c.redundancy)) {
      ctx.addIssue({
        code: "custom",
        path: ["redundancy"],
        message: `"${c.redundancy}" is not available with performance "premium"; premium block blob accounts support LRS, ZRS`,
      });
    }
  });

export type StackConfig = z.output<typeof stackConfigSchema>;
