import { BASELINE, type Rule, type Violation, evaluate } from "../../policy/rules";
import type { Plan } from "./runtime";

/** The policy verdict on an offline plan. */
export interface PolicyReport {
  /** Names of the rules that ran. */
  policies: string[];
  violations: Violation[];
  /** True when a mandatory rule failed: `--policy` then exits 1. */
  failed: boolean;
}

/**
 * Runs the security baseline (the same rules as the policy pack in policy/)
 * over the resources the offline plan recorded.
 */
export function checkPlan(plan: Plan, rules: readonly Rule[] = BASELINE): PolicyReport {
  const violations = evaluate(
    plan.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs })),
    rules,
  );
  return { policies: rules.map((r) => r.name), violations, failed: violations.some((v) => v.enforcementLevel === "mandatory") };
}

export function renderReport(report: PolicyReport): string {
  if (report.violations.length === 0) {
    return `Policies: all ${report.policies.length} passed (${report.policies.join(", ")})`;
  }
  const lines = [`Policies: ${report.violations.length} violation(s)`];
  for (const v of report.violations) {
    lines.push(`  [${v.enforcementLevel}] ${v.policy}: ${v.type}  ${v.name}`, `      ${v.message}`);
  }
  return lines.join("\n");
}
