import { z } from "zod";
import { FILESYSTEM_NAME, FILESYSTEM_NAME_RULE, flag, matching, oneOf } from "./primitives";

/**
 * The `adls-migration:inventory` key: a blob inventory policy on the Gen2
 * account, whose runs validate, reconcile and assess read instead of listing
 * the account path by path (docs/inventory.md).
 */

/** A blob inventory prefix: a filesystem name, optionally followed by a path ("raw/sales/"). */
const PREFIX_RULE = "a filesystem name optionally followed by a path, such as raw/sales/ (no leading '/', no '//')";
const PREFIX = /^[a-z0-9][a-z0-9-]{2,62}(\/[^/\\]+)*\/?$/;

/** The service takes at most 10 prefixes per rule (ARM spec BlobInventoryPolicyFilter.prefixMatch); more become extra rules. */
export const PREFIXES_PER_RULE = 10;

export const inventorySchema = z.strictObject({
  /** Daily, or Weekly (runs each Sunday UTC). */
  schedule: oneOf(["Daily", "Weekly"]).default("Daily"),
  /** Parquet (smaller, typed timestamps) or Csv. */
  format: oneOf(["Parquet", "Csv"]).default("Parquet"),
  /** Filesystem the runs are written to; must be declared under `filesystems`. A dedicated one keeps reports out of migrated data. */
  destination: matching(FILESYSTEM_NAME, FILESYSTEM_NAME_RULE),
  /** Blob name prefixes (<filesystem>/<path>/) to inventory; default: every migration.folders target. */
  prefixes: z.array(matching(PREFIX, PREFIX_RULE)).min(1).optional(),
  /** Also report Owner, Group, Permissions and Acl (needed by `validate --acls`). */
  acls: flag().default(true),
  /**
   * Rule name, the folder each run is written under. Letters and digits only
   * (ARM spec: "any combination of alpha numeric characters"); with more than
   * 10 prefixes the rules are <ruleName>1, <ruleName>2, ...
   */
  ruleName: matching(/^[A-Za-z0-9]{1,250}$/, "1-250 letters and digits").default("migration"),
});
export type InventoryConfig = z.infer<typeof inventorySchema>;

type Issue = { path: PropertyKey[]; message: string };

/** The destination and every prefix must name a declared filesystem. */
export function inventoryCrossChecks(c: { filesystems: { name: string }[]; inventory?: InventoryConfig }): Issue[] {
  if (!c.inventory) return [];
  const declared = new Set(c.filesystems.map((f) => f.name));
  const list = [...declared].join(", ");
  const issues: Issue[] = [];
  if (!declared.has(c.inventory.destination)) {
    issues.push({ path: ["inventory", "destination"], message: `filesystem "${c.inventory.destination}" is not declared under adls-migration:filesystems (declared: ${list})` });
  }
  c.inventory.prefixes?.forEach((p, i) => {
    const fs = p.split("/")[0];
    if (!declared.has(fs)) issues.push({ path: ["inventory", "prefixes", i], message: `starts with filesystem "${fs}", which is not declared under adls-migration:filesystems (declared: ${list})` });
  });
  return issues;
}

/**
 * The prefixes a policy inventories: the configured ones, or each migrated
 * target as "<filesystem>/<target>/". The trailing slash keeps "raw/sales"
 * from also matching "raw/sales-archive" (prefixMatch is a plain string
 * prefix of "<container>/<blob name>"; learn.microsoft.com blob-inventory,
 * "Rule filters").
 */
export function inventoryPrefixes(inventory: InventoryConfig, folders: { filesystem: string; target: string }[]): string[] {
  // A root target ("") inventories the whole filesystem: "<filesystem>/", never "<filesystem>//", which matches no blob.
  const prefixes = inventory.prefixes ?? folders.map((f) => (f.target === "" ? `${f.filesystem}/` : `${f.filesystem}/${f.target}/`));
  return [...new Set(prefixes)];
}
