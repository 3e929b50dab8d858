import * as pulumi from "@pulumi/pulumi";
import * as resources from "@pulumi/azure-native/resources";
import { DataLakeAccess } from "./access/dataLakeAccess";
import { inventoryPrefixes } from "./config/inventory";
import { PROJECT } from "./config/load";
import { deriveAccountName, resourceBaseName } from "./config/naming";
import { waiverTags } from "./config/policyWaivers";
import type { StackConfig } from "./config/schema";
import { DataLakeAccount } from "./dataLakeAccount";
import { MigrationFactory, deriveFactoryName } from "./factory/migrationFactory";

/** Names the running stack; passed in so the composition holds no global state. */
export interface StackContext {
  project: string;
  stack: string;
}

/**
 * Composes every component of one migration stack from its validated config
 * and returns the stack outputs. index.ts calls it under `pulumi up`; the
 * offline plan and the tests call it under the mocks runtime.
 */
export function migrationStack(config: StackConfig, ctx: StackContext) {
  const base = resourceBaseName(config.namePrefix, config.environment);
  // Reserved tags come last: the policy pack reads `environment`, so a user tag must not override it.
  const tags = {
    ...config.tags,
    "managed-by": "pulumi",
    project: PROJECT,
    environment: config.environment,
    "migration-pattern": config.pattern,
  };

  const group = new resources.ResourceGroup(
    "datalake",
    { resourceGroupName: config.resourceGroupName ?? `${base}-datalake`, location: config.location, tags },
    { protect: config.protect },
  );

  const naming = { project: ctx.project, stack: ctx.stack, namePrefix: config.namePrefix, environment: config.environment };
  const accountName = config.accountName ?? deriveAccountName(naming);
  const lake = new DataLakeAccount("lake", {
    resourceGroupName: group.name,
    location: config.location,
    accountName,
    redundancy: config.redundancy,
    performance: config.performance,
    filesystems: config.filesystems,
    network: config.network,
    sharedKeyAccess: config.sharedKeyAccess,
    softDeleteDays: config.softDeleteDays,
    lifecycle: config.lifecycle,
    diagnostics: config.diagnostics,
    inventory: config.inventory && { ...config.inventory, prefixes: inventoryPrefixes(config.inventory, config.migration.folders) },
    protect: config.protect,
    // Waivers travel as account tags: the policy pack reads resource inputs, not config.
    tags: { ...tags, ...waiverTags(config.policyWaivers) },
  });

  const access =
    config.access.length > 0
      ? new DataLakeAccess("access", {
          grants: config.access,
          accountName,
          accountId: lake.accountId,
          filesystemIds: Object.fromEntries(Object.entries(lake.filesystems).map(([fs, container]) => [fs, container.id])),
        })
      : undefined;
  const factory = new MigrationFactory("migration", {
    resourceGroupName: group.name,
    location: config.location,
    factoryName: deriveFactoryName(naming),
    pattern: config.pattern,
    source: config.source,
    migration: config.migration,
    gen2AccountName: accountName,
    gen2AccountId: lake.accountId,
    dependsOn: [lake],
    tags,
  });

  return {
    environment: config.environment,
    pattern: config.pattern,
    resourceGroupName: group.name,
    accountName: lake.accountName,
    accountId: lake.accountId,
    dfsEndpoint: lake.dfsEndpoint,
    filesystems: lake.filesystemNames,
    /** Principal name → object id, for the ACL script; empty without `access` grants. */
    principals: access?.principals ?? {},
    factoryName: factory.factoryName,
    factoryId: factory.factoryId,
    pipelines: factory.pipelineNames,
    triggers: factory.triggerNames,
  } satisfies Record<string, pulumi.Input<unknown>>;
}
