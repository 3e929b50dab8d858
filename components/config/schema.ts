import { z } from "zod";
import { SHARED_KEY_WAIVER_TAG } from "../../policy/rules/waivers";
import { accessSchema } from "./access";
import { aclCrossChecks, aclSpecSchema } from "./acls";
import { azureRegion } from "./regions";
import { policyWaiversSchema } from "./policyWaivers";
import { inventoryCrossChecks, inventorySchema } from "./inventory";
import { flag, matching, oneOf } from "./primitives";
import { migrationCrossChecks, migrationSchema } from "./migration";
import { folderOverlaps } from "./overlaps";
import { sourceSchema } from "./source";
import { storageKeys } from "./storage";

export const ENVIRONMENTS = ["dev", "test", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Tags the stack sets itself (the policy pack reads `environment` and the waiver tag). */
const RESERVED_TAGS = ["managed-by", "project", "environment", "migration-pattern", SHARED_KEY_WAIVER_TAG];

/**
 * Azure tag limits: "a maximum of 50 tag name/value pairs" per resource; "For
 * storage accounts, the tag name is limited to 128 characters, and the tag
 * value is limited to 256 characters"; "Tag names can't contain these
 * characters: <, >, %, &, \, ?, /"
 * (learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations).
 * Every tag goes on the storage account too, so its limits apply.
 */
const MAX_TAGS = 50;
const MAX_TAG_NAME = 128;
const MAX_TAG_VALUE = 256;
const FORBIDDEN_TAG_NAME_CHARS = /[<>%&\\?/]/;

function checkTags(tags: Record<string, string>, ctx: z.RefinementCtx): void {
  const room = MAX_TAGS - RESERVED_TAGS.length;
  const count = Object.keys(tags).length;
  if (count > room) {
    ctx.addIssue({ code: "custom", message: `has ${count} tags; Azure allows ${MAX_TAGS} per resource and the stack sets up to ${RESERVED_TAGS.length} itself (${RESERVED_TAGS.join(", ")}), so at most ${room}` });
  }
  for (const [name, value] of Object.entries(tags)) {
    if (RESERVED_TAGS.includes(name.toLowerCase())) {
      ctx.addIssue({ code: "custom", path: [name], message: `is set by the stack itself; reserved tags: ${RESERVED_TAGS.join(", ")}` });
    }
    if (FORBIDDEN_TAG_NAME_CHARS.test(name)) {
      ctx.addIssue({ code: "custom", path: [name], message: "tag names can't contain < > % & \\ ? / (Azure tag limits)" });
    }
    if (name.length > MAX_TAG_NAME) {
      ctx.addIssue({ code: "custom", path: [name], message: `tag name has ${name.length} characters; a storage account tag name has at most ${MAX_TAG_NAME}` });
    }
    if (value.length > MAX_TAG_VALUE) {
      ctx.addIssue({ code: "custom", path: [name], message: `tag value has ${value.length} characters; Azure allows at most ${MAX_TAG_VALUE}` });
    }
  }
}

export const PATTERNS = ["lift-and-shift", "incremental", "dual-pipeline", "bidirectional-sync"] as const;
export type Pattern = (typeof PATTERNS)[number];

/**
 * Every `adls-migration:*` stack config key. Each section lives in its own
 * module; this object only composes them, so an unknown key (a typo) is
 * reported instead of silently ignored.
 */
export const stackSections = {
  environment: oneOf(ENVIRONMENTS).meta({ description: "Environment this stack deploys; prod turns protect on by default" }),
  pattern: oneOf(PATTERNS).meta({ description: "Migration pattern (see docs/patterns.md)" }),
  location: azureRegion().meta({
    description: "Azure region (a name `az account list-locations` prints); falls back to azure-native:location",
    example: "westeurope",
  }),
  namePrefix: matching(/^[a-z][a-z0-9]{1,11}$/, "2-12 lowercase letters and digits, starting with a letter").meta({
    description: "Short lowercase prefix for every resource name (2-12 letters and digits, starting with a letter)",
    example: "contoso",
  }),
  accountName: matching(/^[a-z0-9]{3,24}$/, "3-24 lowercase letters and digits")
    .optional()
    .meta({ description: "Explicit storage account name (globally unique); derived from prefix, environment and a 6-hex hash when absent" }),
  resourceGroupName: matching(/^[-\w._()]{1,89}[-\w_()]$/, "1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'")
    .optional()
    .meta({ description: "Resource group the stack creates; <namePrefix>-<environment>-datalake when absent" }),
  protect: flag().optional().meta({ description: "Pulumi protect on the resource group, account and containers, plus a CanNotDelete lock; true for prod when absent" }),
  tags: z
    .record(z.string(), z.string())
    .default({})
    .superRefine(checkTags)
    .meta({ description: "Extra tags on every taggable resource (at most 45; the stack sets its own reserved ones)" }),
  access: accessSchema.meta({ description: "Entra ID groups and RBAC grants on the account or its filesystems (docs/access.md)" }),
  policyWaivers: policyWaiversSchema.default({}).meta({ description: "Reasoned exceptions to the security baseline; only sharedKeyAccess can be waived (docs/ci.md)" }),
  source: sourceSchema.meta({ description: "The Gen1 account the data comes from, and how Data Factory signs in to it" }),
  migration: migrationSchema.meta({ description: "Folders to move, copy settings and trigger schedule (docs/patterns.md)" }),
  acls: aclSpecSchema.optional().meta({ description: "Folder ACL rules post-deploy applies, same shape as an `npm run acl` spec (docs/acls.md)" }),
  inventory: inventorySchema.optional().meta({ description: "Blob inventory policy whose runs stand in for listing the Gen2 account (docs/inventory.md)" }),
  ...storageKeys,
};
type Sections = z.output<z.ZodObject<typeof stackSections>>;

interface Issue {
  path: PropertyKey[];
  message: string;
}

/**
 * Rules between keys. Each names the sections it reads, so that when other
 * keys are invalid the loader can still run the rules whose sections are
 * valid and report every problem in one message (zod alone skips them).
 */
const CROSS_CHECKS: { needs: (keyof Sections)[]; run(c: Sections): Issue[] }[] = [
  {
    needs: ["performance", "redundancy"],
    run: (c) =>
      c.performance === "premium" && !["LRS", "ZRS"].includes(c.redundancy)
        ? [{ path: ["redundancy"], message: `"${c.redundancy}" is not available with performance "premium"; premium block blob accounts support LRS, ZRS` }]
        : [],
  },
  {
    // Premium block blob accounts have no access tiers; Archive does not exist on zone-redundant accounts.
    needs: ["performance", "redundancy", "lifecycle"],
    run: (c) => {
      if (!c.lifecycle) return [];
      const tiers = (["coolAfterDays", "coldAfterDays", "archiveAfterDays"] as const).filter((k) => c.lifecycle?.[k] !== undefined);
      if (c.performance === "premium") {
        return tiers.map((k) => ({ path: ["lifecycle", k], message: 'is not available with performance "premium" (no access tiers); only deleteAfterDays is' }));
      }
      return c.lifecycle.archiveAfterDays !== undefined && ["ZRS", "GZRS", "RAGZRS"].includes(c.redundancy)
        ? [{ path: ["lifecycle", "archiveAfterDays"], message: `the Archive tier is not available with redundancy "${c.redundancy}"; it needs LRS, GRS or RAGRS` }]
        : [];
    },
  },
  {
    needs: ["access", "filesystems"],
    run: (c) =>
      c.access.flatMap(({ scope }, i) =>
        scope.kind === "filesystem" && !c.filesystems.some((fs) => fs.name === scope.name)
          ? [{ path: ["access", i, "scope"], message: `filesystem "${scope.name}" is not declared under filesystems` }]
          : [],
      ),
  },
  { needs: ["pattern", "filesystems", "migration"], run: (c) => migrationCrossChecks(c) },
  { needs: ["acls", "filesystems", "access"], run: (c) => aclCrossChecks(c) },
  { needs: ["filesystems", "inventory"], run: (c) => inventoryCrossChecks(c) },
  { needs: ["pattern", "migration"], run: (c) => folderOverlaps(c.pattern, c.migration) },
  {
    needs: ["pattern", "migration", "source"],
    run: (c) => {
      const writesGen1 = c.pattern === "dual-pipeline" || (c.pattern === "bidirectional-sync" && c.migration.folders.some((f) => f.writer === "gen2"));
      if (!writesGen1) return [];
      return (["subscriptionId", "resourceGroupName"] as const)
        .filter((key) => c.source[key] === undefined)
        .map((key) => ({
          path: ["source", key],
          message: `is required when pattern ${c.pattern} writes to Gen1: Data Factory needs the Gen1 account's subscription and resource group for a Data Lake Store sink`,
        }));
    },
  },
];

/**
 * The cross-key problems of a config whose own parse failed: each rule runs
 * when all the sections it reads are valid on their own.
 */
export function crossCheckValidSections(raw: Record<string, unknown>): Issue[] {
  const valid: Partial<Record<keyof Sections, unknown>> = {};
  for (const key of Object.keys(stackSections) as (keyof Sections)[]) {
    const parsed = stackSections[key].safeParse(raw[key]);
    if (parsed.success) valid[key] = parsed.data;
  }
  return CROSS_CHECKS.filter((rule) => rule.needs.every((k) => k in valid)).flatMap((rule) =>
    // Only the named sections are read, and they are present and parsed.
    rule.run(valid as Sections),
  );
}

export const stackConfigSchema = z
  .strictObject(stackSections)
  .transform((c) => ({ ...c, protect: c.protect ?? c.environment === "prod" }))
  .superRefine((c, ctx) => {
    for (const rule of CROSS_CHECKS) for (const issue of rule.run(c)) ctx.addIssue({ code: "custom", ...issue });
  });

export type StackConfig = z.output<typeof stackConfigSchema>;
