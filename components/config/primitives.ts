import { z } from "zod";

/**
 * Building blocks shared by every config section. Pulumi hands scalar config
 * values to the program as strings ("true", "30"), while values inside
 * structured (YAML object) keys keep their JSON types, so the scalar helpers
 * accept both forms.
 */

/** A value from a fixed list; the message names the bad value and every allowed one. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue) =>
      issue.input === undefined
        ? `is required; one of ${values.join(", ")}`
        : `${JSON.stringify(issue.input)} is not one of ${values.join(", ")}`,
  });
}

/** A boolean written either as YAML `true` or as the string Pulumi passes for scalar keys. */
export function flag() {
  return z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")], {
    error: (issue) => `${JSON.stringify(issue.input)} is not a boolean (true or false)`,
  });
}

/** An integer within [min, max], written as a number or as a numeric string. */
export function integer(min: number, max: number) {
  return z
    .union([z.number(), z.string().regex(/^-?\d+$/).transform(Number)], {
      error: (issue) => `${JSON.stringify(issue.input)} is not a whole number between ${min} and ${max}`,
    })
    .pipe(
      z
        .number()
        .int({ error: (issue) => `${JSON.stringify(issue.input)} is not a whole number` })
        .min(min, { error: (issue) => `${JSON.stringify(issue.input)} is below the minimum ${min}` })
        .max(max, { error: (issue) => `${JSON.stringify(issue.input)} is above the maximum ${max}` }),
    );
}

/** A string matching `pattern`; `rule` says in words what is allowed. */
export function matching(pattern: RegExp, rule: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `is required (${rule})` : `must be a string (${rule})`) })
    .regex(pattern, { error: (issue) => `${JSON.stringify(issue.input)} is not valid: ${rule}` });
}

/** Rule for ADLS Gen2 filesystem (container) names. */
export const FILESYSTEM_NAME_RULE =
  "3-63 characters, lowercase letters, digits and single hyphens, not starting or ending with a hyphen";
export const FILESYSTEM_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

/** Rule for storage account names (also Gen1 account names). */
export const STORAGE_ACCOUNT_NAME_RULE = "3-24 lowercase letters and digits";
export const STORAGE_ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;

/**
 * A relative directory path inside a filesystem ("sales/2024"). Rejects `..`,
 * empty segments and leading or trailing slashes so that the same string can
 * be joined into DFS URLs and ADF folder paths without escaping surprises.
 */
export const DIRECTORY_PATH_RULE = "a relative path such as sales/2024: no leading or trailing '/', no '//', no '.' or '..' segments";
export const DIRECTORY_PATH = /^(?!.*(^|\/)\.{1,2}(\/|$))[^/\\]+(\/[^/\\]+)*$/;

/** Azure resource id of a subnet. */
export const SUBNET_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;

/** IPv4 address or CIDR range, as storage network rules accept them (no IPv6, no /31 or /32). */
export const IPV4_RULE = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/([0-9]|[12]\d|30))?$/;

/**
 * The candidate nearest to `word` (case-insensitive edit distance), when it is
 * near enough to be a typo: at most 2 edits, and fewer than a third of the word.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.min(2, Math.ceil(word.length / 3));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** Levenshtein distance, one row at a time (config key names are short). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}
