import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { StackConfig, crossCheckValidSections, stackConfigSchema } from "./schema";

export const PROJECT = "adls-migration";

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
 */
export function parseStackConfig(values: Record<string, string>): StackConfig {
  const prefix = `${PROJECT}:`;
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = decode(value);
  }
  if (raw.location === undefined && values["azure-native:location"] !== undefined) {
    raw.location = values["azure-native:location"];
  }
  const result = stackConfigSchema.safeParse(raw);
  if (!result.success) {
    // zod skips the cross-key rules once any key is invalid; run those whose
    // sections are valid (when zod did run them, the duplicates fall away).
    const crossKey = crossCheckValidSections(raw).map((i) => ({ ...i, code: "custom" as const, input: undefined }));
    throw new ConfigError([...new Set(describeIssues([...result.error.issues, ...crossKey]))]);
  }
  return result.data;
}

/** Reads the running stack's config (under `pulumi up` or the mocks runtime). */
export function loadStackConfig(): StackConfig {
  return parseStackConfig(pulumi.runtime.allConfig());
}

function decode(value: string): unknown {
  const trimmed = value.trimStart();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** `["filesystems", 1, "name"]` → `adls-migration:filesystems[1].name` */
export function configKey(path: readonly PropertyKey[]): string {
  let key = PROJECT;
  path.forEach((part, i) => {
    if (typeof part === "number") key += `[${part}]`;
    else key += i === 0 ? `:${String(part)}` : `.${String(part)}`;
  });
  return key;
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const problems: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) {
        problems.push(`${configKey([...issue.path, k])}: unknown key`);
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
