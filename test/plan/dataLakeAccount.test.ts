import { REDUNDANCIES } from "../../components/config/storage";
import { ofType, one, planWith } from "../support/plan";

const ACCOUNT = "azure-native:storage:StorageAccount";
const SUBNET = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/hub/subnets";

describe("DataLakeAccount", () => {
  it("creates a locked-down StorageV2 account with HNS on", async () => {
    const account = one(await planWith(), ACCOUNT).inputs;
    expect(account).toMatchObject({
      kind: "StorageV2",
      isHnsEnabled: true,
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: "TLS1_2",
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
      allowCrossTenantReplication: false,
      defaultToOAuthAuthentication: true,
      encryption: { requireInfrastructureEncryption: true },
      networkRuleSet: { defaultAction: "Deny", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] },
    });
    expect(account.accountName).toMatch(/^[a-z0-9]{3,24}$/);
  });

  it.each(REDUNDANCIES)("maps redundancy %s to the Standard sku without renaming the account", async (redundancy) => {
    const plan = await planWith({ "adls-migration:redundancy": redundancy });
    const account = one(plan, ACCOUNT);
    expect(account.inputs.sku).toEqual({ name: `Standard_${redundancy}` });
    // The name and URN are what decide replacement: they must not depend on redundancy.
    const baseline = one(await planWith({ "adls-migration:redundancy": "LRS" }), ACCOUNT);
    expect(account.inputs.accountName).toBe(baseline.inputs.accountName);
    expect(account.urn).toBe(baseline.urn);
  });

  it("makes a premium BlockBlobStorage account when asked", async () => {
    const account = one(await planWith({ "adls-migration:performance": "premium", "adls-migration:redundancy": "LRS" }), ACCOUNT);
    expect(account.inputs).toMatchObject({ kind: "BlockBlobStorage", sku: { name: "Premium_LRS" }, isHnsEnabled: true });
    expect(account.inputs.accessTier).toBeUndefined();
    // Block blob accounts have no file service to encrypt.
    expect((account.inputs.encryption as { services: Record<string, unknown> }).services).toEqual({ blob: { enabled: true, keyType: "Account" } });
  });

  it("creates one private container per filesystem and soft delete for blobs and containers", async () => {
    const plan = await planWith({ "adls-migration:softDeleteDays": "14" });
    expect(ofType(plan, "azure-native:storage:BlobContainer").map((c) => c.inputs)).toEqual([
      expect.objectContaining({ containerName: "raw", publicAccess: "None" }),
      expect.objectContaining({ containerName: "curated", publicAccess: "None" }),
    ]);
    expect(one(plan, "azure-native:storage:BlobServiceProperties").inputs).toMatchObject({
      deleteRetentionPolicy: { enabled: true, days: 14 },
      containerDeleteRetentionPolicy: { enabled: true, days: 14 },
    });
  });

  it("locks and protects prod but not dev", async () => {
    const prod = await planWith({ "adls-migration:environment": "prod" });
    const lock = one(prod, "azure-native:authorization:ManagementLockByScope");
    expect(lock.inputs).toMatchObject({ level: "CanNotDelete", scope: expect.stringContaining("/storageAccounts/") });
    expect(one(prod, ACCOUNT).protect).toBe(true);
    expect(ofType(prod, "azure-native:storage:BlobContainer").every((c) => c.protect)).toBe(true);
    const dev = await planWith();
    expect(ofType(dev, "azure-native:authorization:ManagementLockByScope")).toHaveLength(0);
    expect(one(dev, ACCOUNT).protect).toBe(false);
  });

  it("derives different account names per environment and honours an explicit name", async () => {
    const dev = one(await planWith(), ACCOUNT).inputs.accountName;
    const prod = one(await planWith({ "adls-migration:environment": "prod" }), ACCOUNT).inputs.accountName;
    expect(dev).not.toBe(prod);
    expect(one(await planWith({ "adls-migration:accountName": "contosolake01" }), ACCOUNT).inputs.accountName).toBe("contosolake01");
  });

  it("turns shared key access on only when configured", async () => {
    expect(one(await planWith({ "adls-migration:sharedKeyAccess": "true" }), ACCOUNT).inputs.allowSharedKeyAccess).toBe(true);
  });

  it("applies firewall rules and private endpoints for dfs and blob", async () => {
    const plan = await planWith({
      "adls-migration:network": {
        ipRules: ["203.0.113.0/24"],
        subnetIds: [`${SUBNET}/workloads`],
        privateEndpoints: {
          subnetId: `${SUBNET}/endpoints`,
          privateDnsZoneIds: { dfs: "/subscriptions/x/resourceGroups/dns/providers/Microsoft.Network/privateDnsZones/privatelink.dfs.core.windows.net" },
        },
      },
    });
    expect(one(plan, ACCOUNT).inputs.networkRuleSet).toEqual({
      defaultAction: "Deny",
      bypass: "AzureServices",
      ipRules: [{ iPAddressOrRange: "203.0.113.0/24", action: "Allow" }],
      virtualNetworkRules: [{ virtualNetworkResourceId: `${SUBNET}/workloads`, action: "Allow" }],
    });
    const endpoints = ofType(plan, "azure-native:network:PrivateEndpoint");
    expect(endpoints.map((e) => e.inputs.privateLinkServiceConnections)).toEqual([
      [expect.objectContaining({ groupIds: ["dfs"], privateLinkServiceId: expect.stringContaining("/storageAccounts/") })],
      [expect.objectContaining({ groupIds: ["blob"] })],
    ]);
    expect(endpoints.every((e) => (e.inputs.subnet as { id: string }).id === `${SUBNET}/endpoints`)).toBe(true);
    // Only the dfs endpoint has a DNS zone configured.
    expect(ofType(plan, "azure-native:network:PrivateDnsZoneGroup").map((g) => g.inputs.privateDnsZoneConfigs)).toEqual([
      [expect.objectContaining({ name: "dfs" })],
    ]);
  });

  it("adds a lifecycle rule and diagnostics only when configured", async () => {
    expect(ofType(await planWith(), "azure-native:storage:ManagementPolicy")).toHaveLength(0);
    const plan = await planWith({
      "adls-migration:lifecycle": { prefixes: ["raw/landing"], coolAfterDays: 30, deleteAfterDays: 365 },
      "adls-migration:diagnostics": { workspaceId: "/subscriptions/x/resourceGroups/logs/providers/Microsoft.OperationalInsights/workspaces/lake" },
    });
    const rule = (one(plan, "azure-native:storage:ManagementPolicy").inputs.policy as { rules: unknown[] }).rules[0];
    expect(rule).toMatchObject({
      type: "Lifecycle",
      definition: {
        filters: { blobTypes: ["blockBlob"], prefixMatch: ["raw/landing"] },
        actions: { baseBlob: { tierToCool: { daysAfterModificationGreaterThan: 30 }, delete: { daysAfterModificationGreaterThan: 365 } } },
      },
    });
    expect(one(plan, "azure-native:monitor:DiagnosticSetting").inputs).toMatchObject({
      resourceUri: expect.stringMatching(/\/storageAccounts\/[a-z0-9]+\/blobServices\/default$/),
      logs: expect.arrayContaining([{ category: "StorageWrite", enabled: true }]),
    });
  });

  it("exports the account name, dfs endpoint and filesystems", async () => {
    const plan = await planWith();
    const name = one(plan, ACCOUNT).inputs.accountName;
    expect(plan.outputs).toMatchObject({
      accountName: name,
      dfsEndpoint: `https://${String(name)}.dfs.core.windows.net/`,
      filesystems: ["raw", "curated"],
    });
  });
});
