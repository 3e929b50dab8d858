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
 * A relative directory path inside a filesystem ("sales/2024"). Rejects empty
 * segments and leading or trailing slashes so that the same string can be
 * joined into DFS URLs and ADF folder paths without escaping surprises, and
 * what the storage service refuses or mangles:
 * - "No path segments should end with a dot" and control characters
 *   (0x00-0x1F, \u0081, ...) "are not allowed"; a directory name has at most
 *   1,024 characters (learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata).
 *   A segment ending in a dot also covers "." and "..".
 * - 255 characters per segment: the limit of the issue that asked for it
 *   (NAME_MAX of POSIX and HDFS clients); the Azure pages above state no
 *   per-segment limit for Gen2, so this is the stricter, portable choice.
 */
export const DIRECTORY_PATH_RULE =
  "a relative path such as sales/2024: no leading or trailing '/', no '//', no segment ending in '.' (so no '.' or '..'), " +
  "no control characters, at most 255 characters per segment and 1,024 in all";
const SEGMENT = String.raw`[^/\\\p{Cc}]{0,254}[^/\\\p{Cc}.]`;
export const DIRECTORY_PATH = new RegExp(`^(?=[^]{1,1024}$)${SEGMENT}(/${SEGMENT})*$`, "u");

/** A UTC instant such as 2026-12-01T00:00:00Z that names a real moment (no 2026-02-30, no T24:00). */
export function utcInstant() {
  const rule = "a UTC date-time such as 2026-12-01T00:00:00Z";
  return matching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$/, rule).refine(
    // JavaScript's Date rolls 2026-02-30 over to March 2 and T24:00 to the next
    // day; a value that does not come back unchanged does not exist.
    (v) => {
      const parsed = new Date(v);
      return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 16) === v.slice(0, 16) && Number(v.slice(17, 19) || "0") < 60;
    },
    { error: (issue) => `${JSON.stringify(issue.input)} is not a real date and time (day within its month, hours 00-23, minutes and seconds 00-59): ${rule}` },
  );
}

/**
 * A Data Factory timespan `[d.]hh:mm:ss`. ARM's pattern for a tumbling
 * window `delay` is `((\d+)\.)?(\d\d):(60|([0-5][0-9])):(60|([0-5][0-9]))`
 * (@azure/arm-datafactory TumblingWindowTrigger.delay); 60 is refused here
 * as well, since it is the next unit written differently.
 */
export function timespan() {
  return matching(/^(\d+\.)?\d{2}:[0-5]\d:[0-5]\d$/, "a timespan [d.]hh:mm:ss such as 00:10:00, minutes and seconds 00-59");
}

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
