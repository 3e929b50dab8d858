import type { StackOutputs } from "../scripts/lib/stackOutputs";

/**
 * A complete set of stack outputs for benches and tests, as `pulumi stack
 * output --json` prints them for a deployed stack, with `overrides` on top: the readers parse the
 * whole contract, so fixtures must carry every output.
 */
export function stackOutputs(overrides: Partial<StackOutputs> = {}): StackOutputs {
  const sub = "11111111-2222-3333-4444-555555555555";
  return {
    environment: "dev",
    pattern: "bidirectional-sync",
    resourceGroupName: "contoso-dev-datalake",
    accountName: "contosodevlake",
    accountId: `/subscriptions/${sub}/resourceGroups/contoso-dev-datalake/providers/Microsoft.Storage/storageAccounts/contosodevlake`,
    dfsEndpoint: "https://contosodevlake.dfs.core.windows.net/",
    filesystems: ["raw"],
    principals: {},
    factoryName: "contoso-dev-migration",
    factoryId: `/subscriptions/${sub}/resourceGroups/contoso-dev-datalake/providers/Microsoft.DataFactory/factories/contoso-dev-migration`,
    pipelines: [],
    triggers: [],
    ...overrides,
  };
}
