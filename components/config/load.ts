import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { PROJECT } from "./project";
import { configKey, isUnder, readRawConfig, suggestKey } from "./rawConfig";
import { plaintextSecrets } from "./secrets";
import { StackConfig, crossCheckValidSections, stackConfigSchema, stackSections } from "./schema";

export { PROJECT } from "./project";
export { configKey } from "./rawConfig";

/**
 * A config problem, reported as one message that lists every bad key. It is a
 * RunError so that `pulumi up` prints the message without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
  constructor(readonly problems: string[]) {
    super(`Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Validates a flat Pulumi config map (`{"adls-migration:pattern": "incremental", ...}`,
 * structured values as JSON text, as the Pulumi engine hands them over) and
 * returns the typed stack config, or throws ConfigError listing every problem.
 * `secretKeys` are the keys Pulumi holds as secrets (`secure:` in the stack
 * file); a credential under any other key is refused.
 */
export function parseStackConfig(values: Record<string, string>, secretKeys: readonly string[] = []): StackConfig {
  const { raw, problems, nullKeys } = readRawConfig(values, Object.keys(stackSections));
  problems.push(...plaintextSecrets(raw, secretKeys));
  const result = stackConfigSchema.safeParse(raw);
  if (result.success && problems.length === 0) return result.data;
  // zod skips the cross-key rules once any key is invalid; run those whose
  // sections are valid (when zod did run them, the duplicates fall away).
  const issues = result.success ? [] : [...result.error.issues, ...crossCheckValidSections(raw).map((i) => ({ ...i, code: "custom" as const, input: undefined }))];
  // A null is reported once, as a null, not again as "must be a string".
  const schemaProblems = describeIssues(issues).filter((p) => !nullKeys.some((key) => isUnder(p, key)));
  throw new ConfigError([...new Set([...problems, ...schemaProblems])]);
}

/** Reads the running stack's config (under `pulumi up` or the mocks runtime). */
export function loadStackConfig(): StackConfig {
  const values = pulumi.runtime.allConfig();
  return parseStackConfig(values, Object.keys(values).filter(isConfigSecret));
}

/**
 * @pulumi/pulumi exports isConfigSecret from its runtime but leaves it out of
 * its typings (marked internal); it reads the engine's PULUMI_CONFIG_SECRET_KEYS.
 */
function isConfigSecret(key: string): boolean {
  const runtime = pulumi.runtime as typeof pulumi.runtime & { isConfigSecret?: (k: string) => boolean };
  if (!runtime.isConfigSecret) throw new Error("@pulumi/pulumi no longer exports runtime.isConfigSecret; the plaintext secret check needs it");
  return runtime.isConfigSecret(key);
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const problems: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) {
        problems.push(`${configKey([...issue.path, k])}: unknown key${issue.path.length === 0 ? suggestKey(k, Object.keys(stackSections)) : ""}`);
      }
      continue;
    }
    if (issue.path.length === 0) {
      problems.push(`${PROJECT}: ${issue.message}`);
      continue;
    }
    problems.push(`${configKey(issue.path)}: ${humanize(issue)}`);
  }
  return problems;
}

function humanize(issue: z.core.$ZodIssue): string {
  // zod's own wording ("Invalid input: expected string, received undefined")
  // is replaced; messages written by our schema helpers are kept.
  if (issue.code === "invalid_type" && issue.message.startsWith("Invalid input")) {
    return issue.message.includes("received undefined") ? `is required (${issue.expected})` : `must be ${article(issue.expected)}`;
  }
  return issue.message;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
