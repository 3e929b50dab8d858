import { z } from "zod";
import { SHARED_KEY_WAIVER_TAG } from "../../policy/rules/waivers";
import { accessSchema } from "./access";
import { aclSpecSchema } from "./acls";
import { policyWaiversSchema } from "./policyWaivers";
import { flag, matching, oneOf } from "./primitives";
import { migrationCrossChecks, migrationSchema } from "./migration";
import { folderOverlaps } from "./overlaps";
import { sourceSchema } from "./source";
import { storageKeys } from "./storage";

export const ENVIRONMENTS = ["dev", "test", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Tags the stack sets itself (the policy pack reads `environment` and the waiver tag). */
const RESERVED_TAGS = ["managed-by", "project", "environment", "migration-pattern", SHARED_KEY_WAIVER_TAG];

export const PATTERNS = ["lift-and-shift", "incremental", "dual-pipeline", "bidirectional-sync"] as const;
export type Pattern = (typeof PATTERNS)[number];

/**
 * Every `adls-migration:*` stack config key. Each section lives in its own
 * module; this object only composes them, so an unknown key (a typo) is
 * reported instead of silently ignored.
 */
export const stackSections = {
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
  tags: z
    .record(z.string(), z.string())
    .default({})
    .superRefine((tags, ctx) => {
      for (const key of Object.keys(tags)) {
        if (RESERVED_TAGS.includes(key.toLowerCase())) {
          ctx.addIssue({ code: "custom", path: [key], message: `is set by the stack itself; reserved tags: ${RESERVED_TAGS.join(", ")}` });
        }
      }
    }),
  /** RBAC grants on the account or its filesystems (see docs/access.md). */
  access: accessSchema,
  /** Reasoned exceptions to the security baseline policies (policy/). */
  policyWaivers: policyWaiversSchema.default({}),
  source: sourceSchema,
  migration: migrationSchema,
  /** Folder ACLs the post-deploy step applies (same shape as an `npm run acl` spec file). */
  acls: aclSpecSchema.optional(),
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
