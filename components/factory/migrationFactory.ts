import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as datafactory from "@pulumi/azure-native/datafactory";
import * as keyvault from "@pulumi/azure-native/keyvault";
import { assignRole, storageScopeKey } from "../access/roleAssignment";
import type { MigrationConfig } from "../config/migration";
import type { Pattern } from "../config/schema";
import type { ServicePrincipalSource, SourceConfig } from "../config/source";
import type * as adf from "@azure/arm-datafactory";
import { type Named, factoryDefinitions } from "./definitions";

/**
 * Trigger inputs ADF cannot edit once a tumbling window trigger is published:
 * frequency and interval (how-to-create-tumbling-window-trigger,
 * https://learn.microsoft.com/en-us/azure/data-factory/how-to-create-tumbling-window-trigger),
 * and the start date ("These triggers must be deleted/recreated to update the
 * start date and the recurrence", https://github.com/MicrosoftDocs/azure-docs/issues/52805).
 * Changing one replaces the trigger.
 */
export const TRIGGER_REPLACED_ON = ["properties.frequency", "properties.interval", "properties.startTime"] as const;

/** The factory identity is a super-user on Gen2 through this role, which preserving owner and group requires. */
const GEN2_ROLE = "Storage Blob Data Owner";

export interface MigrationFactoryArgs {
  /** Resource group of the factory (and of a Key Vault the stack creates). */
  resourceGroupName: pulumi.Input<string>;
  /** Azure region. */
  location: pulumi.Input<string>;
  /** Globally unique factory name (see deriveFactoryName). Plain value: ADF objects reference it. */
  factoryName: string;
  /** Migration pattern: picks the pipelines and triggers. */
  pattern: Pattern;
  /** Gen1 account and how the factory signs in to it. */
  source: SourceConfig;
  /** Folders, copy settings, schedule. */
  migration: MigrationConfig;
  /** Gen2 account name. Plain value: the linked service URL is part of the plan. */
  gen2AccountName: string;
  /** Gen2 account resource id: scope of the factory's Storage Blob Data Owner assignment. */
  gen2AccountId: pulumi.Input<string>;
  /** Resources the linked services must wait for (the account and its filesystems). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** Tags for the factory and a created Key Vault. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * Globally unique factory name: readable prefix plus a short hash of project
 * and stack, so two stacks with the same prefix never collide.
 */
export function deriveFactoryName(parts: { project: string; stack: string; namePrefix: string; environment: string }): string {
  const hash = createHash("sha256").update(`factory/${parts.project}/${parts.stack}/${parts.namePrefix}/${parts.environment}`).digest("hex").slice(0, 6);
  return `${parts.namePrefix}-${parts.environment}-migration-${hash}`;
}

/**
 * The Data Factory that moves the lake: system-assigned identity with
 * Storage Blob Data Owner on Gen2, linked services for both generations,
 * parameterised Binary datasets, and the pipelines and triggers of the
 * pattern. Triggers are created stopped (ARM cannot start them); the
 * `factory triggers start` command does that after deployment.
 */
export class MigrationFactory extends pulumi.ComponentResource {
  readonly factory: datafactory.Factory;
  readonly factoryName: pulumi.Output<string>;
  readonly factoryId: pulumi.Output<string>;
  /** Object id of the factory's system-assigned identity: grant it Gen1 ACLs. */
  readonly principalId: pulumi.Output<string>;
  readonly pipelineNames: string[];
  readonly triggerNames: string[];

  constructor(name: string, args: MigrationFactoryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("adls-migration:factory:MigrationFactory", name, {}, opts);
    const defs = factoryDefinitions({ pattern: args.pattern, source: args.source, migration: args.migration, gen2AccountName: args.gen2AccountName });

    this.factory = new datafactory.Factory(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        factoryName: args.factoryName,
        identity: { type: datafactory.FactoryIdentityType.SystemAssigned },
        tags: args.tags,
      },
      { parent: this },
    );
    this.factoryName = this.factory.name;
    this.factoryId = this.factory.id;
    this.principalId = this.factory.identity.apply((identity) => {
      if (!identity?.principalId) throw new Error(`factory ${args.factoryName} has no system-assigned identity`);
      return identity.principalId;
    });
    const client = authorization.getClientConfigOutput({ parent: this });
    const subscriptionId = client.subscriptionId;

    const grants: pulumi.Resource[] = [
      assignRole(
        `${name}-gen2-owner`,
        {
          scope: args.gen2AccountId,
          scopeKey: storageScopeKey(args.gen2AccountName),
          principalId: this.principalId,
          principalKey: `factory:${args.factoryName}`,
          principalType: "ServicePrincipal",
          role: GEN2_ROLE,
          subscriptionId,
          description: "Data Factory copies into Gen2 and preserves owner/group (needs super-user)",
        },
        { parent: this },
      ),
    ];
    if (args.source.auth === "servicePrincipal") grants.push(...this.keyVaultAccess(name, args, args.source, client));

    const common = { resourceGroupName: args.resourceGroupName, factoryName: this.factory.name };
    // ADF checks references when an object is created, so each layer waits for the one it names.
    const linkedServices = this.linkedServices(name, defs.linkedServices, common, [...grants, ...(args.dependsOn ?? [])]);
    const datasets = defs.datasets.map(
      (ds) =>
        new datafactory.Dataset(
          `${name}-ds-${ds.name}`,
          { ...common, datasetName: ds.name, properties: toPulumi<datafactory.DatasetArgs["properties"]>(ds.definition) },
          { parent: this, dependsOn: linkedServices },
        ),
    );
    const pipelines = defs.pipelines.map((p) => {
      // azure-native flattens the pipeline: its properties sit beside factoryName.
      const { activities, parameters, description } = p.definition;
      return new datafactory.Pipeline(
        `${name}-pl-${p.name}`,
        {
          ...common,
          pipelineName: p.name,
          description,
          parameters: toPulumi<datafactory.PipelineArgs["parameters"]>(parameters),
          activities: toPulumi<datafactory.PipelineArgs["activities"]>(activities),
        },
        { parent: this, dependsOn: [...datasets, ...linkedServices] },
      );
    });
    for (const t of defs.triggers) {
      new datafactory.Trigger(
        `${name}-tr-${t.name}`,
        { ...common, triggerName: t.name, properties: toPulumi<datafactory.TriggerArgs["properties"]>(t.definition) },
        // ADF refuses to edit a published tumbling window's frequency,
        // interval or start, so a change replaces the trigger; the name stays, so the
        // old one is deleted first (it must be stopped: `factory triggers stop`).
        { parent: this, dependsOn: pipelines, replaceOnChanges: [...TRIGGER_REPLACED_ON], deleteBeforeReplace: true },
      );
    }
    this.pipelineNames = defs.pipelines.map((p) => p.name);
    this.triggerNames = defs.triggers.map((t) => t.name);

    this.registerOutputs({
      factoryName: this.factoryName,
      factoryId: this.factoryId,
      principalId: this.principalId,
      pipelineNames: this.pipelineNames,
      triggerNames: this.triggerNames,
    });
  }

  /**
   * The linked services, each after the ones it references: Gen1Store names
   * the KeyVault linked service in its secret reference, and ADF rejects a
   * reference to a linked service that does not exist yet.
   */
  private linkedServices(
    name: string,
    defs: Named<adf.LinkedServiceUnion>[],
    common: { resourceGroupName: pulumi.Input<string>; factoryName: pulumi.Input<string> },
    after: pulumi.Input<pulumi.Resource>[],
  ): datafactory.LinkedService[] {
    const created = new Map<string, datafactory.LinkedService>();
    for (const ls of defs) {
      const referenced = linkedServiceReferences(ls.definition).map((ref) => {
        const target = created.get(ref);
        if (!target) throw new Error(`linked service ${ls.name} references ${ref}, which factoryDefinitions must list before it`);
        return target;
      });
      created.set(
        ls.name,
        new datafactory.LinkedService(
          `${name}-ls-${ls.name}`,
          { ...common, linkedServiceName: ls.name, properties: toPulumi<datafactory.LinkedServiceArgs["properties"]>(ls.definition) },
          { parent: this, dependsOn: [...after, ...referenced] },
        ),
      );
    }
    return [...created.values()];
  }

  /** The vault holding the Gen1 service principal secret, created or existing, readable by the factory identity. */
  private keyVaultAccess(
    name: string,
    args: MigrationFactoryArgs,
    source: ServicePrincipalSource,
    client: pulumi.Output<authorization.GetClientConfigResult>,
  ): pulumi.Resource[] {
    const kv = source.keyVault;
    const subscriptionId = client.subscriptionId;
    const created: pulumi.Resource[] = [];
    let vaultId: pulumi.Input<string>;
    if (kv.create) {
      const vault = new keyvault.Vault(
        `${name}-vault`,
        {
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          vaultName: kv.name,
          properties: {
            tenantId: client.tenantId,
            sku: { family: keyvault.SkuFamily.A, name: keyvault.SkuName.Standard },
            enableRbacAuthorization: true,
            enablePurgeProtection: true,
            softDeleteRetentionInDays: 90,
            // Data Factory reaches the vault as a trusted Azure service.
            networkAcls: { defaultAction: keyvault.NetworkRuleAction.Deny, bypass: keyvault.NetworkRuleBypassOptions.AzureServices },
          },
          tags: args.tags,
        },
        { parent: this },
      );
      vaultId = vault.id;
      created.push(vault);
      if (kv.secretValue !== undefined) {
        created.push(
          new keyvault.Secret(
            `${name}-sp-secret`,
            {
              resourceGroupName: args.resourceGroupName,
              vaultName: vault.name,
              secretName: source.secretName,
              properties: { value: pulumi.secret(kv.secretValue), contentType: "Gen1 service principal client secret" },
            },
            { parent: vault },
          ),
        );
      }
    } else {
      vaultId = pulumi.interpolate`/subscriptions/${subscriptionId}/resourceGroups/${kv.resourceGroup}/providers/Microsoft.KeyVault/vaults/${kv.name}`;
    }
    created.push(
      assignRole(
        `${name}-vault-secrets-user`,
        {
          scope: vaultId,
          // Vault names are globally unique, like account names.
          scopeKey: `keyvault:${kv.name}`,
          principalId: this.principalId,
          principalKey: `factory:${args.factoryName}`,
          principalType: "ServicePrincipal",
          role: "Key Vault Secrets User",
          subscriptionId,
          description: "Data Factory reads the Gen1 service principal secret",
        },
        { parent: this },
      ),
    );
    return created;
  }
}

/** Names of the linked services a definition references (LinkedServiceReference objects anywhere inside it). */
function linkedServiceReferences(definition: unknown): string[] {
  if (Array.isArray(definition)) return definition.flatMap(linkedServiceReferences);
  if (typeof definition !== "object" || definition === null) return [];
  const rec = definition as Record<string, unknown>;
  const own = rec.type === "LinkedServiceReference" && typeof rec.referenceName === "string" ? [rec.referenceName] : [];
  return [...own, ...Object.values(rec).flatMap(linkedServiceReferences)];
}

/**
 * The one place an `@azure/arm-datafactory` model crosses into azure-native's
 * input type for the same ARM object. Both describe the same JSON; the SDK
 * models are the stricter, checked side. Dates become ISO strings, the form
 * azure-native (and the ARM body) uses.
 */
function toPulumi<T>(model: unknown): T {
  return JSON.parse(JSON.stringify(model)) as T;
}
