import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as monitor from "@pulumi/azure-native/monitor";
import * as network from "@pulumi/azure-native/network";
import * as storage from "@pulumi/azure-native/storage";
import type {
  DiagnosticsConfig,
  FilesystemConfig,
  LifecycleConfig,
  NetworkConfig,
  PrivateEndpointService,
  Redundancy,
} from "./config/storage";
import { InventoryPolicyArgs, inventoryPolicy } from "./inventoryPolicy";

export interface DataLakeAccountArgs {
  /** Resource group that holds the account and its private endpoints. */
  resourceGroupName: pulumi.Input<string>;
  /** Azure region. */
  location: pulumi.Input<string>;
  /** Globally unique account name (3-24 lowercase letters and digits). Never derived from redundancy, so a redundancy change is an in-place update. */
  accountName: pulumi.Input<string>;
  /** Replication: LRS, ZRS, GRS, RAGRS, GZRS or RAGZRS. */
  redundancy: pulumi.Input<Redundancy>;
  /** `premium` makes a BlockBlobStorage account (LRS or ZRS only); `standard` a StorageV2 account. Plain value: it picks the account kind. */
  performance?: "standard" | "premium";
  /** Filesystems (containers) to create. Plain value: one child resource per entry. */
  filesystems: FilesystemConfig[];
  /** Firewall rules and private endpoints. Plain value: private endpoints are child resources. */
  network: NetworkConfig;
  /** Allow account-key and SAS authentication. Off by default: Entra ID only. */
  sharedKeyAccess?: pulumi.Input<boolean>;
  /** Days that deleted blobs and deleted containers can be restored. */
  softDeleteDays: pulumi.Input<number>;
  /** Optional tiering/expiry rule. */
  lifecycle?: LifecycleConfig;
  /** Optional Log Analytics destination for blob service logs. */
  diagnostics?: DiagnosticsConfig;
  /** Optional blob inventory policy; its destination must be one of `filesystems`. */
  inventory?: Omit<InventoryPolicyArgs, "accountName" | "resourceGroupName">;
  /** Pulumi `protect` plus a CanNotDelete management lock on the account. */
  protect?: boolean;
  /** Tags applied to every taggable child. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The ADLS Gen2 account that receives the migrated lake: a StorageV2 account
 * with the hierarchical namespace always on, locked down by default.
 */
export class DataLakeAccount extends pulumi.ComponentResource {
  readonly account: storage.StorageAccount;
  readonly accountName: pulumi.Output<string>;
  readonly accountId: pulumi.Output<string>;
  /** `https://<account>.dfs.core.windows.net/` */
  readonly dfsEndpoint: pulumi.Output<string>;
  /** Filesystem name → container resource. */
  readonly filesystems: Record<string, storage.BlobContainer>;
  readonly filesystemNames: string[];

  constructor(name: string, args: DataLakeAccountArgs, opts?: pulumi.ComponentResourceOptions) {
    super("adls-migration:storage:DataLakeAccount", name, {}, opts);
    const premium = args.performance === "premium";

    this.account = new storage.StorageAccount(
      name,
      {
        accountName: args.accountName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: premium ? storage.Kind.BlockBlobStorage : storage.Kind.StorageV2,
        sku: { name: pulumi.output(args.redundancy).apply((r) => `${premium ? "Premium" : "Standard"}_${r}`) },
        // HNS can only be chosen at creation; it is fixed, never config-driven.
        isHnsEnabled: true,
        accessTier: premium ? undefined : storage.AccessTier.Hot,
        enableHttpsTrafficOnly: true,
        minimumTlsVersion: storage.MinimumTlsVersion.TLS1_2,
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: args.sharedKeyAccess ?? false,
        defaultToOAuthAuthentication: true,
        allowCrossTenantReplication: false,
        encryption: {
          keySource: storage.KeySource.Microsoft_Storage,
          requireInfrastructureEncryption: true,
          services: {
            blob: { enabled: true, keyType: storage.KeyType.Account },
            // Block blob (premium) accounts have no file service.
            file: premium ? undefined : { enabled: true, keyType: storage.KeyType.Account },
          },
        },
        networkRuleSet: {
          defaultAction: args.network.defaultAction === "Allow" ? storage.DefaultAction.Allow : storage.DefaultAction.Deny,
          // Data Factory reaches a firewalled account through the trusted-services exception.
          bypass: storage.Bypass.AzureServices,
          ipRules: args.network.ipRules.map((ip) => ({ iPAddressOrRange: ip, action: storage.Action.Allow })),
          virtualNetworkRules: args.network.subnetIds.map((id) => ({ virtualNetworkResourceId: id, action: storage.Action.Allow })),
        },
        tags: args.tags,
      },
      { parent: this, protect: args.protect },
    );
    this.accountName = this.account.name;
    this.accountId = this.account.id;
    this.dfsEndpoint = this.account.primaryEndpoints.apply((e) => e.dfs);

    const blobService = new storage.BlobServiceProperties(
      `${name}-blob-service`,
      {
        accountName: this.account.name,
        resourceGroupName: args.resourceGroupName,
        blobServicesName: "default",
        deleteRetentionPolicy: { enabled: true, days: args.softDeleteDays },
        containerDeleteRetentionPolicy: { enabled: true, days: args.softDeleteDays },
      },
      { parent: this },
    );

    this.filesystems = {};
    for (const fs of args.filesystems) {
      this.filesystems[fs.name] = new storage.BlobContainer(
        `${name}-${fs.name}`,
        {
          accountName: this.account.name,
          resourceGroupName: args.resourceGroupName,
          containerName: fs.name,
          publicAccess: storage.PublicAccess.None,
        },
        { parent: this, dependsOn: [blobService], protect: args.protect },
      );
    }
    this.filesystemNames = args.filesystems.map((fs) => fs.name);

    if (args.lifecycle) this.createLifecycleRule(name, args.resourceGroupName, args.lifecycle);
    if (args.diagnostics) this.createDiagnostics(name, args.diagnostics);
    if (args.inventory) {
      const destination = this.filesystems[args.inventory.destination];
      if (!destination) throw new Error(`inventory destination "${args.inventory.destination}" is not one of the account's filesystems`);
      inventoryPolicy(
        `${name}-inventory`,
        { ...args.inventory, accountName: this.account.name, resourceGroupName: args.resourceGroupName },
        // The service writes into the destination container but does not create it.
        { parent: this, dependsOn: [destination] },
      );
    }
    if (args.network.privateEndpoints) {
      const pe = args.network.privateEndpoints;
      for (const service of pe.services) {
        this.createPrivateEndpoint(name, args, service, pe.subnetId, pe.privateDnsZoneIds[service]);
      }
    }
    if (args.protect) {
      new authorization.ManagementLockByScope(
        `${name}-lock`,
        {
          scope: this.account.id,
          lockName: "adls-migration-do-not-delete",
          level: authorization.LockLevel.CanNotDelete,
          notes: "Migration target lake: remove this lock deliberately before deleting the account.",
        },
        { parent: this },
      );
    }

    this.registerOutputs({
      accountName: this.accountName,
      accountId: this.accountId,
      dfsEndpoint: this.dfsEndpoint,
      filesystemNames: this.filesystemNames,
    });
  }

  private createLifecycleRule(name: string, resourceGroupName: pulumi.Input<string>, rule: LifecycleConfig): void {
    const after = (days: number | undefined) => (days === undefined ? undefined : { daysAfterModificationGreaterThan: days });
    new storage.ManagementPolicy(
      `${name}-lifecycle`,
      {
        accountName: this.account.name,
        resourceGroupName,
        managementPolicyName: "default",
        policy: {
          rules: [
            {
              name: "tiering",
              enabled: true,
              type: storage.RuleType.Lifecycle,
              definition: {
                filters: { blobTypes: ["blockBlob"], prefixMatch: rule.prefixes.length > 0 ? rule.prefixes : undefined },
                actions: {
                  baseBlob: {
                    tierToCool: after(rule.coolAfterDays),
                    tierToCold: after(rule.coldAfterDays),
                    tierToArchive: after(rule.archiveAfterDays),
                    delete: after(rule.deleteAfterDays),
                  },
                },
              },
            },
          ],
        },
      },
      { parent: this },
    );
  }

  private createDiagnostics(name: string, diagnostics: DiagnosticsConfig): void {
    new monitor.DiagnosticSetting(
      `${name}-blob-logs`,
      {
        name: "adls-migration-blob-logs",
        resourceUri: pulumi.interpolate`${this.account.id}/blobServices/default`,
        workspaceId: diagnostics.workspaceId,
        logs: ["StorageRead", "StorageWrite", "StorageDelete"].map((category) => ({ category, enabled: true })),
        metrics: [{ category: "Transaction", enabled: true }],
      },
      { parent: this },
    );
  }

  private createPrivateEndpoint(
    name: string,
    args: DataLakeAccountArgs,
    service: PrivateEndpointService,
    subnetId: string,
    dnsZoneId: string | undefined,
  ): void {
    const endpoint = new network.PrivateEndpoint(
      `${name}-pe-${service}`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        subnet: { id: subnetId },
        privateLinkServiceConnections: [
          { name: `${service}-connection`, privateLinkServiceId: this.account.id, groupIds: [service] },
        ],
        tags: args.tags,
      },
      { parent: this },
    );
    if (dnsZoneId) {
      new network.PrivateDnsZoneGroup(
        `${name}-pe-${service}-dns`,
        {
          resourceGroupName: args.resourceGroupName,
          privateEndpointName: endpoint.name,
          privateDnsZoneGroupName: "default",
          privateDnsZoneConfigs: [{ name: service, privateDnsZoneId: dnsZoneId }],
        },
        { parent: endpoint },
      );
    }
  }
}
