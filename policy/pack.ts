import type { Policies, PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { BASELINE, type ResourceUnderPolicy, type Rule, UNKNOWN } from "./rules";

/**
 * Adapts the engine-independent rules in ./rules to @pulumi/policy. Kept
 * apart from index.ts because constructing a PolicyPack starts the policy
 * server: this module can be loaded by tests, index.ts only by the CLI.
 */
export function baselinePolicies(rules: readonly Rule[] = BASELINE): Policies {
  return rules.map((rule) => (rule.kind === "resource" ? resourcePolicy(rule) : stackPolicy(rule)));
}

function resourcePolicy(rule: Extract<Rule, { kind: "resource" }>): ResourceValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    validateResource: (args, reportViolation: ReportViolation) => {
      if (!rule.types.includes(args.type)) return;
      const resource: ResourceUnderPolicy = { type: args.type, name: args.name, urn: args.urn, props: plainProps(args.props) };
      for (const message of rule.check(resource)) reportViolation(message);
    },
  };
}

function stackPolicy(rule: Extract<Rule, { kind: "stack" }>): StackValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    validateStack: (args, reportViolation: ReportViolation) => {
      const resources = args.resources.map(toResourceUnderPolicy);
      for (const { urn, message } of rule.check(resources)) reportViolation(message, urn);
    },
  };
}

function toResourceUnderPolicy(r: PolicyResource): ResourceUnderPolicy {
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: plainProps(r.props),
    propertyDependencies: Object.fromEntries(Object.entries(r.propertyDependencies).map(([k, deps]) => [k, deps.map((d) => d.urn)])),
  };
}

/**
 * Copies the engine's props into plain data. The engine wraps them in a
 * proxy that throws on every read of a value unknown during preview; here
 * such a value becomes UNKNOWN so a rule can skip it instead of the whole
 * policy being downgraded to an advisory "can't run during preview".
 */
export function plainProps(props: Record<string, unknown>): Record<string, unknown> {
  return plain(props) as Record<string, unknown>;
}

function plain(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  for (const key of keys) {
    let child: unknown;
    try {
      child = source[key];
    } catch (err) {
      if (!isUnknownValueError(err)) throw err;
      child = UNKNOWN;
    }
    (copy as Record<string, unknown>)[key] = plain(child);
  }
  return copy;
}

/** @pulumi/policy does not export its UnknownValueError type; it is recognised by its class name. */
function isUnknownValueError(err: unknown): boolean {
  return err instanceof Error && err.constructor.name === "UnknownValueError";
}
