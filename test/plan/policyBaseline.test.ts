import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { stringify } from "yaml";
import { type ResourceUnderPolicy, SHARED_KEY_WAIVER_TAG, UNKNOWN, evaluate } from "../../policy/rules";
import type { Plan } from "../../scripts/plan/runtime";
import { runScript } from "../support/cli";
import { BASE_CONFIG, planWith } from "../support/plan";

const ACCOUNT = "azure-native:storage:StorageAccount";
const BLOB_SERVICE = "azure-native:storage:BlobServiceProperties";

function asResources(plan: Plan): ResourceUnderPolicy[] {
  return plan.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: structuredClone(r.inputs) }));
}

const fired = (resources: ResourceUnderPolicy[]) => evaluate(resources).map((v) => `${v.policy}: ${v.message}`);

function edit(resources: ResourceUnderPolicy[], type: string, change: (props: Record<string, unknown>) => void): ResourceUnderPolicy[] {
  const target = resources.find((r) => r.type === type);
  if (!target) throw new Error(`no ${type} in plan`);
  change(target.props);
  return resources;
}

const servicePrincipalSource = {
  accountName: "contosogen1",
  auth: "servicePrincipal",
  clientId: "11111111-2222-3333-4444-555555555555",
  tenantId: "66666666-7777-8888-9999-000000000000",
  keyVault: { name: "kv-contoso-mig", create: true },
  secretName: "gen1-sp",
};

describe("baseline rules added for the security review", () => {
  let base: ResourceUnderPolicy[];
  let withVault: ResourceUnderPolicy[];
  beforeAll(async () => {
    base = asResources(await planWith());
    withVault = asResources(await planWith({ "adls-migration:source": servicePrincipalSource }));
  });
  const fresh = () => structuredClone(base);

  it("passes on the planned stack, with and without a created Key Vault", () => {
    expect(fired(fresh())).toEqual([]);
    expect(fired(structuredClone(withVault))).toEqual([]);
  });

  it.each([
    [["0.0.0.0/0"], "3,702,390,784 public IPv4 addresses, 100% of the internet"],
    [["1.0.0.0/1", "128.0.0.0/1"], "3,702,390,784 public IPv4 addresses, 100% of the internet"],
    [["20.0.0.0/8"], "16,777,216 public IPv4 addresses, 0.45% of the internet"],
  ])("storage-firewall-not-open fires on %j although defaultAction is Deny", (ips, admitted) => {
    const open = edit(fresh(), ACCOUNT, (p) => {
      (p.networkRuleSet as Record<string, unknown>).ipRules = ips.map((ip) => ({ iPAddressOrRange: ip, action: "Allow" }));
    });
    expect(fired(open)).toEqual([
      `storage-firewall-not-open: networkRuleSet.ipRules (${ips.join(", ")}) admit ${admitted}: the firewall is open in effect although defaultAction is "Deny"; list the egress ranges of the clients (at most 65,536 addresses, one /16) or use subnetIds / private endpoints`,
    ]);
  });

  it("storage-firewall-not-open counts the union: overlapping ranges and private space are not counted twice", () => {
    const rules = ["16.0.0.0/16", "16.0.128.0/17", "16.0.0.1", "10.0.0.0/8"].map((ip) => ({ iPAddressOrRange: ip, action: "Allow" }));
    expect(fired(edit(fresh(), ACCOUNT, (p) => ((p.networkRuleSet as Record<string, unknown>).ipRules = rules)))).toEqual([]);
  });

  it("storage-no-cross-tenant-replication fires when it is allowed or left to ARM's default", () => {
    expect(fired(edit(fresh(), ACCOUNT, (p) => (p.allowCrossTenantReplication = true)))).toEqual([
      "storage-no-cross-tenant-replication: allowCrossTenantReplication is true; must be false",
    ]);
    expect(fired(edit(fresh(), ACCOUNT, (p) => delete p.allowCrossTenantReplication))).toHaveLength(1);
  });

  it("storage-soft-delete fires on disabled blob or container soft delete, and on an account without BlobServiceProperties", () => {
    expect(fired(edit(fresh(), BLOB_SERVICE, (p) => (p.deleteRetentionPolicy = { enabled: false })))).toEqual([
      'storage-soft-delete: deleteRetentionPolicy is {"enabled":false}; must be { enabled: true, days: 1-365 }',
    ]);
    expect(fired(edit(fresh(), BLOB_SERVICE, (p) => delete p.containerDeleteRetentionPolicy))).toEqual([
      "storage-soft-delete: containerDeleteRetentionPolicy is not set; must be { enabled: true, days: 1-365 }",
    ]);
    expect(fired(fresh().filter((r) => r.type !== BLOB_SERVICE))).toEqual([
      expect.stringMatching(/^storage-soft-delete: account ".*" has no BlobServiceProperties: blob and container soft delete are off$/),
    ]);
    expect(fired(edit(fresh(), BLOB_SERVICE, (p) => (p.deleteRetentionPolicy = UNKNOWN)))).toEqual([]);
  });

  it("storage-shared-key-disabled fires on a waiver reason shorter than the config requires", () => {
    const short = edit(fresh(), ACCOUNT, (p) => {
      p.allowSharedKeyAccess = true;
      p.tags = { ...(p.tags as object), [SHARED_KEY_WAIVER_TAG]: "because" };
    });
    expect(fired(short)).toEqual([
      'storage-shared-key-disabled: allowSharedKeyAccess is true with a waiver reason of 7 characters ("because"); a waiver needs a reason of at least 10',
    ]);
  });

  it("keyvault-purge-protection-rbac fires on a created vault without purge protection or RBAC mode", () => {
    const vault = edit(structuredClone(withVault), "azure-native:keyvault:Vault", (p) => {
      const props = p.properties as Record<string, unknown>;
      props.enablePurgeProtection = false;
      delete props.enableRbacAuthorization;
    });
    expect(fired(vault)).toEqual([
      "keyvault-purge-protection-rbac: properties.enablePurgeProtection is false; must be true",
      "keyvault-purge-protection-rbac: properties.enableRbacAuthorization is not set; must be true",
    ]);
  });
});

describe("datafactory-linked-service-no-inline-secrets, any property and any spelling", () => {
  const linkedService = (properties: Record<string, unknown>): ResourceUnderPolicy => ({
    type: "azure-native:datafactory:LinkedService",
    name: "ls",
    urn: "urn:pulumi:test::adls-migration::azure-native:datafactory:LinkedService::ls",
    props: { factoryName: "f", properties },
  });
  const key = `${"A".repeat(43)}${"b".repeat(43)}==`;

  it.each([
    ["ServicePrincipalKey", { type: "AzureDataLakeStore", ServicePrincipalKey: "plain" }, "properties.ServicePrincipalKey holds an inline credential"],
    ["PASSWORD in typeProperties", { type: "Sftp", typeProperties: { PASSWORD: "p" } }, "properties.typeProperties.PASSWORD holds an inline credential"],
    ["a SAS sig= in url", { type: "AzureBlobFS", url: "https://a.dfs.core.windows.net/?sv=2024&sig=abc%3D" }, "properties.url contains a key, password or SAS signature"],
    ["an AccountKey= in a custom property", { type: "AzureBlobStorage", serviceEndpoint: "BlobEndpoint=x;AccountKey=abc" }, "properties.serviceEndpoint contains a key"],
    ["a bare account key", { type: "AzureBlobFS", url: "u", annotationsNote: key }, "properties.annotationsNote contains a key"],
  ])("fires on %s", (_label, properties, expected) => {
    expect(fired([linkedService(properties)])).toEqual([expect.stringContaining(`datafactory-linked-service-no-inline-secrets: ${expected}`)]);
  });

  it("leaves expressions and plain URLs alone", () => {
    expect(fired([linkedService({ type: "AzureBlobFS", url: "https://lake.dfs.core.windows.net/", sasUri: "@{linkedService().sasUri}" })])).toEqual([]);
  });
});

describe("npm run plan -- --policy on an open firewall", () => {
  it("exits 1 naming storage-firewall-not-open", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "plan-open-")), "Pulumi.open.yaml");
    writeFileSync(file, stringify({ config: { ...BASE_CONFIG, "adls-migration:network": { defaultAction: "Deny", ipRules: ["1.0.0.0/1", "128.0.0.0/1"] } } }));
    const res = runScript("plan.ts", ["--config-file", file, "--policy"]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/\[mandatory\] storage-firewall-not-open: azure-native:storage:StorageAccount {2}\S+\n\s+networkRuleSet\.ipRules \(1\.0\.0\.0\/1, 128\.0\.0\.0\/1\) admit 3,702,390,784 public IPv4 addresses/);
  });
});
