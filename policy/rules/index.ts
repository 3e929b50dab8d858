import { roleAssignmentPrincipalType, prodAccountLocked } from "./authorization";
import { linkedServiceNoInlineSecrets } from "./dataFactory";
import { keyVaultProtected } from "./keyVault";
import { STORAGE_RULES, softDeleteEnabled } from "./storage";
import type { ResourceUnderPolicy, Rule, Violation } from "./types";

export { UNKNOWN } from "./types";
export type { ResourceRule, ResourceUnderPolicy, Rule, StackRule, Violation } from "./types";
export { SHARED_KEY_WAIVER_TAG, WAIVER_REASON_MAX, WAIVER_REASON_MIN } from "./waivers";

/** The security baseline: every rule of the policy pack, in the order they are reported. */
export const BASELINE: readonly Rule[] = [
  ...STORAGE_RULES,
  softDeleteEnabled,
  linkedServiceNoInlineSecrets,
  keyVaultProtected,
  roleAssignmentPrincipalType,
  prodAccountLocked,
];

/** Runs every rule over the resources of one stack and returns what they found. */
export function evaluate(resources: readonly ResourceUnderPolicy[], rules: readonly Rule[] = BASELINE): Violation[] {
  const violations: Violation[] = [];
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  for (const rule of rules) {
    const found: { resource: ResourceUnderPolicy; message: string }[] = [];
    if (rule.kind === "resource") {
      for (const resource of resources.filter((r) => rule.types.includes(r.type))) {
        for (const message of rule.check(resource)) found.push({ resource, message });
      }
    } else {
      for (const { urn, message } of rule.check(resources)) {
        const resource = byUrn.get(urn) ?? { type: "pulumi:pulumi:Stack", name: "stack", urn, props: {} };
        found.push({ resource, message });
      }
    }
    for (const { resource, message } of found) {
      violations.push({
        policy: rule.name,
        enforcementLevel: rule.enforcementLevel,
        urn: resource.urn,
        type: resource.type,
        name: resource.name,
        message,
      });
    }
  }
  return violations;
}
