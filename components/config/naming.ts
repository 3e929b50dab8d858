import { createHash } from "crypto";

/**
 * Storage account names are global across Azure, so a readable prefix alone
 * collides. A short hash of the project, stack, prefix and environment keeps
 * the name stable across runs and distinct between stacks. The redundancy is
 * deliberately not part of it: a redundancy change must update the account in
 * place, never rename (and so replace) it.
 */
export function deriveAccountName(parts: { project: string; stack: string; namePrefix: string; environment: string }): string {
  const hash = createHash("sha256")
    .update([parts.project, parts.stack, parts.namePrefix, parts.environment].join("/"))
    .digest("hex")
    .slice(0, 6);
  const readable = `${parts.namePrefix}${parts.environment}`.replace(/[^a-z0-9]/g, "");
  return `${readable.slice(0, 24 - hash.length)}${hash}`;
}

/** Resource names for Azure objects other than the account (resource group, factory, ...). */
export function resourceBaseName(namePrefix: string, environment: string): string {
  return `${namePrefix}-${environment}`;
}
