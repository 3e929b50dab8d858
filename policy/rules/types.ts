/**
 * The shapes every baseline rule works on. They are plain data, independent
 * of @pulumi/policy and of the Pulumi engine, so the same rules run inside
 * `pulumi preview --policy-pack policy` and in the offline plan.
 */

/**
 * A value the engine cannot know yet (an output of a resource that does not
 * exist, during preview). Rules treat it as "cannot judge now": the engine
 * runs the pack again during `pulumi up`, when the value is known.
 */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");

/** One resource as a rule sees it. */
export interface ResourceUnderPolicy {
  /** Pulumi type token, e.g. `azure-native:storage:StorageAccount`. */
  type: string;
  name: string;
  urn: string;
  /** Resource inputs; unknown values are the UNKNOWN symbol, secrets may be "[secret]". */
  props: Record<string, unknown>;
  /**
   * URNs of the resources each input depends on. Only the engine knows them;
   * they let a stack rule match a reference whose value is still UNKNOWN.
   */
  propertyDependencies?: Record<string, string[]>;
}

export type EnforcementLevel = "mandatory" | "advisory";

interface RuleInfo {
  /** Policy name, unique in the pack (kebab-case, as Pulumi shows it). */
  name: string;
  /** One sentence: what the rule requires. */
  description: string;
  enforcementLevel: EnforcementLevel;
}

/** A rule judging one resource at a time. */
export interface ResourceRule extends RuleInfo {
  kind: "resource";
  /** Type tokens the rule applies to; other resources are not passed to `check`. */
  types: readonly string[];
  /** Every problem found, one message each; empty when the resource complies. */
  check(resource: ResourceUnderPolicy): string[];
}

/** A rule that needs to see the whole stack (e.g. "this account has a lock"). */
export interface StackRule extends RuleInfo {
  kind: "stack";
  check(resources: readonly ResourceUnderPolicy[]): { urn: string; message: string }[];
}

export type Rule = ResourceRule | StackRule;

export interface Violation {
  policy: string;
  enforcementLevel: EnforcementLevel;
  /** The offending resource; for a stack rule, the resource the message is about. */
  urn: string;
  type: string;
  name: string;
  message: string;
}

export function isUnknown(value: unknown): value is typeof UNKNOWN {
  return value === UNKNOWN;
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Reads a dotted path (`encryption.requireInfrastructureEncryption`); UNKNOWN stops the walk. */
export function at(props: Record<string, unknown>, dotted: string): unknown {
  let current: unknown = props;
  for (const key of dotted.split(".")) {
    if (isUnknown(current)) return UNKNOWN;
    const rec = asRecord(current);
    if (!rec) return undefined;
    current = rec[key];
  }
  return current;
}

export function show(value: unknown): string {
  if (value === undefined) return "not set";
  if (isUnknown(value)) return "unknown";
  return JSON.stringify(value);
}
