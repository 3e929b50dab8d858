import type { MockCallArgs } from "@pulumi/pulumi/runtime";
import { ConfigError, PROJECT, loadStackConfig, parseStackConfig } from "../../components/config/load";
import { migrationStack } from "../../components/stack";
import { Plan, PlannedResource, runUnderMocks, toPulumiValues } from "../../scripts/plan/runtime";

/** The minimal valid config of the foundation issue, as flat Pulumi values. */
export const BASE_CONFIG: Record<string, unknown> = {
  "azure-native:location": "westeurope",
  "adls-migration:environment": "dev",
  "adls-migration:pattern": "incremental",
  "adls-migration:redundancy": "ZRS",
  "adls-migration:namePrefix": "contoso",
  "adls-migration:filesystems": [{ name: "raw" }, { name: "curated", folders: ["sales", "finance"] }],
  "adls-migration:source": { accountName: "contosogen1", auth: "managedIdentity" },
  "adls-migration:migration": {
    folders: [{ source: "/raw/sales", filesystem: "raw", target: "sales" }],
    // allowBackfill: the start date is fixed and falls ever further behind the clock the backfill guard reads.
    schedule: { frequency: "Hour", interval: 1, startTime: "2026-12-01T00:00:00Z", allowBackfill: true },
  },
};

export { toPulumiValues };

/** Plans the stack for `overrides` on top of BASE_CONFIG (undefined removes a key). */
export async function planWith(
  overrides: Record<string, unknown> = {},
  opts: { stack?: string; secretKeys?: string[]; call?: (args: MockCallArgs) => Record<string, unknown> | undefined } = {},
): Promise<Plan> {
  const values = toPulumiValues({ ...BASE_CONFIG, ...overrides });
  return planValues(values, opts);
}

export async function planValues(
  values: Record<string, string>,
  opts: { stack?: string; secretKeys?: string[]; call?: (args: MockCallArgs) => Record<string, unknown> | undefined } = {},
): Promise<Plan> {
  const stack = opts.stack ?? "test";
  return runUnderMocks({
    project: PROJECT,
    stack,
    values,
    secretKeys: opts.secretKeys,
    call: opts.call,
    program: () => migrationStack(loadStackConfig(), { project: PROJECT, stack }),
  });
}

export function ofType(plan: Plan, type: string): PlannedResource[] {
  return plan.resources.filter((r) => r.type === type);
}

export function one(plan: Plan, type: string): PlannedResource {
  const found = ofType(plan, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}

/** The problems ConfigError lists for BASE_CONFIG + overrides; fails the test if the config is accepted. */
export function configProblems(overrides: Record<string, unknown>): string[] {
  try {
    parseStackConfig(toPulumiValues({ ...BASE_CONFIG, ...overrides }));
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("config was accepted");
}
