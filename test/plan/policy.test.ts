import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import type { PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { stringify } from "yaml";
import { ConfigError, parseStackConfig } from "../../components/config/load";
import { baselinePolicies } from "../../policy/pack";
import { BASELINE, type ResourceUnderPolicy, SHARED_KEY_WAIVER_TAG, UNKNOWN, evaluate } from "../../policy/rules";
import { listStacks, readStackConfig } from "../../scripts/lib/stackFile";
import { checkPlan } from "../../scripts/plan/policy";
import type { Plan } from "../../scripts/plan/runtime";
import { PROJECT_DIR, runScript } from "../support/cli";
import { BASE_CONFIG, planValues, planWith, toPulumiValues } from "../support/plan";

const ACCOUNT = "azure-native:storage:StorageAccount";

function asResources(plan: Plan): ResourceUnderPolicy[] {
  return plan.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: structuredClone(r.inputs) }));
}

/** Policies that fired, as "policy-name: message". */
function fired(resources: ResourceUnderPolicy[]): string[] {
  return evaluate(resources).map((v) => `${v.policy}: ${v.message}`);
}

function resource(type: string, props: Record<string, unknown>, name = "r"): ResourceUnderPolicy {
  return { type, name, urn: `urn:pulumi:test::adls-migration::${type}::${name}`, props };
}

/** Sets a dotted path on the one storage account of a planned stack. */
function withAccount(resources: ResourceUnderPolicy[], dotted: string, value: unknown): ResourceUnderPolicy[] {
  const account = resources.find((r) => r.type === ACCOUNT);
  if (!account) throw new Error("no storage account in plan");
  const keys = dotted.split(".");
  let target = account.props;
  for (const k of keys.slice(0, -1)) target = (target[k] ??= {}) as Record<string, unknown>;
  target[keys[keys.length - 1]] = value;
  return resources;
}

describe("security baseline on the planned stack", () => {
  let dev: ResourceUnderPolicy[];
  beforeAll(async () => {
    dev = asResources(await planWith());
  });
  const fresh = () => structuredClone(dev).map((r, i) => ({ ...r, urn: dev[i].urn }));

  it("passes on the base config", () => {
    expect(fired(fresh())).toEqual([]);
  });

  it.each([
    ["isHnsEnabled", false, "storage-hns-enabled: isHnsEnabled is false; must be true"],
    ["kind", "BlobStorage", 'storage-account-kind: kind is "BlobStorage"; must be "StorageV2" (or "BlockBlobStorage" with a Premium SKU)'],
    ["kind", "BlockBlobStorage", 'storage-account-kind: kind BlockBlobStorage needs a Premium SKU; sku.name is "Standard_ZRS"'],
    ["enableHttpsTrafficOnly", false, "storage-https-only: enableHttpsTrafficOnly is false; must be true"],
    ["enableHttpsTrafficOnly", undefined, "storage-https-only: enableHttpsTrafficOnly is not set; must be true"],
    ["minimumTlsVersion", "TLS1_1", 'storage-min-tls-1-2: minimumTlsVersion is "TLS1_1"; must be "TLS1_2" (or "TLS1_3")'],
    ["allowBlobPublicAccess", true, "storage-no-public-blob-access: allowBlobPublicAccess is true; must be false"],
    ["networkRuleSet.defaultAction", "Allow", 'storage-network-default-deny: networkRuleSet.defaultAction is "Allow"; must be "Deny"'],
    ["encryption.requireInfrastructureEncryption", false, "storage-infrastructure-encryption: encryption.requireInfrastructureEncryption is false; must be true"],
  ])("fires when the account has %s = %j", (dotted, value, expected) => {
    expect(fired(withAccount(fresh(), dotted, value))).toEqual([expected]);
  });

  it("fires on a container with public access", () => {
    const resources = fresh();
    const container = resources.find((r) => r.type === "azure-native:storage:BlobContainer");
    container!.props.publicAccess = "Blob";
    expect(fired(resources)).toEqual(['storage-no-public-blob-access: publicAccess is "Blob"; must be "None"']);
  });

  it("fires on shared key access unless the account carries a waiver tag with a reason", () => {
    expect(fired(withAccount(fresh(), "allowSharedKeyAccess", true))).toEqual([
      expect.stringMatching(/^storage-shared-key-disabled: allowSharedKeyAccess is true; must be false, or waived .*policyWaivers\.sharedKeyAccess\.reason/),
    ]);
    // Not setting it is not enough: ARM's default allows shared keys.
    expect(fired(withAccount(fresh(), "allowSharedKeyAccess", undefined))).toHaveLength(1);
    const blank = withAccount(withAccount(fresh(), "allowSharedKeyAccess", true), `tags.${SHARED_KEY_WAIVER_TAG}`, "  ");
    expect(fired(blank)).toHaveLength(1);
    const waived = withAccount(withAccount(fresh(), "allowSharedKeyAccess", true), `tags.${SHARED_KEY_WAIVER_TAG}`, "Legacy SSIS job, until 2026-12");
    expect(fired(waived)).toEqual([]);
  });

  it("accepts a premium BlockBlobStorage account", async () => {
    const premium = asResources(await planWith({ "adls-migration:performance": "premium", "adls-migration:redundancy": "LRS" }));
    expect(premium.find((r) => r.type === ACCOUNT)?.props.kind).toBe("BlockBlobStorage");
    expect(fired(premium)).toEqual([]);
  });

  it("leaves values unknown during preview to the update", () => {
    expect(fired(withAccount(fresh(), "minimumTlsVersion", UNKNOWN))).toEqual([]);
  });
});

describe("prod-account-delete-lock", () => {
  it("passes for prod (protect defaults on) and fires when the lock is missing", async () => {
    const prod = asResources(await planWith({ "adls-migration:environment": "prod" }));
    expect(fired(prod)).toEqual([]);
    const unlocked = prod.filter((r) => r.type !== "azure-native:authorization:ManagementLockByScope");
    expect(evaluate(unlocked)).toEqual([
      expect.objectContaining({
        policy: "prod-account-delete-lock",
        enforcementLevel: "mandatory",
        type: ACCOUNT,
        message: expect.stringMatching(/^prod account "contosoprod[0-9a-f]{6}" has no CanNotDelete ManagementLockByScope/),
      }),
    ]);
  });

  it("fires when the lock is on something else or is ReadOnly, and ignores non-prod accounts", async () => {
    const prod = asResources(await planWith({ "adls-migration:environment": "prod" }));
    const lock = prod.find((r) => r.type === "azure-native:authorization:ManagementLockByScope")!;
    const elsewhere = structuredClone(prod);
    elsewhere.find((r) => r.urn === lock.urn)!.props.scope = "/subscriptions/0/resourceGroups/rg";
    expect(fired(elsewhere)).toEqual([expect.stringMatching(/^prod-account-delete-lock: /)]);
    const readOnly = structuredClone(prod);
    readOnly.find((r) => r.urn === lock.urn)!.props.level = "ReadOnly";
    expect(fired(readOnly)).toEqual([expect.stringMatching(/^prod-account-delete-lock: /)]);
    const dev = asResources(await planWith({ "adls-migration:environment": "dev" }));
    expect(dev.some((r) => r.type === "azure-native:authorization:ManagementLockByScope")).toBe(false);
    expect(fired(dev)).toEqual([]);
  });

  it("matches a lock whose scope is still unknown through the engine's property dependencies", () => {
    const account = resource(ACCOUNT, { accountName: "lake1", tags: { environment: "prod" } }, "lake");
    const lock = { ...resource("azure-native:authorization:ManagementLockByScope", { level: "CanNotDelete", scope: UNKNOWN }, "lock") };
    const rule = BASELINE.find((r) => r.name === "prod-account-delete-lock")!;
    const check = (l: ResourceUnderPolicy) => evaluate([account, l], [rule]).length;
    expect(check(lock)).toBe(1);
    expect(check({ ...lock, propertyDependencies: { scope: [account.urn] } })).toBe(0);
  });
});

describe("datafactory-linked-service-no-inline-secrets", () => {
  const linkedService = (properties: Record<string, unknown>) => resource("azure-native:datafactory:LinkedService", { factoryName: "f", properties });
  const kv = (secretName: string) => ({ type: "AzureKeyVaultSecret", store: { referenceName: "keyvault", type: "LinkedServiceReference" }, secretName });

  it.each([
    ["Gen2 sink with managed identity", { type: "AzureBlobFS", url: "https://lake.dfs.core.windows.net" }],
    ["Gen1 source with managed identity", { type: "AzureDataLakeStore", dataLakeStoreUri: "https://gen1.azuredatalakestore.net/webhdfs/v1" }],
    [
      "Gen1 source with a service principal secret in Key Vault",
      { type: "AzureDataLakeStore", dataLakeStoreUri: "adl://gen1.azuredatalakestore.net", servicePrincipalId: "app", tenant: "t", servicePrincipalKey: kv("gen1-sp") },
    ],
    ["Key Vault linked service", { type: "AzureKeyVault", baseUrl: "https://kv.vault.azure.net/" }],
    ["connection string without credentials", { type: "AzureBlobStorage", connectionString: "DefaultEndpointsProtocol=https;AccountName=lake" }],
    ["credential passed as a run-time parameter", { type: "AzureBlobFS", url: "u", accountKey: "@{linkedService().key}", parameters: { key: { type: "SecureString" } } }],
  ])("passes: %s", (_label, properties) => {
    expect(fired([linkedService(properties)])).toEqual([]);
  });

  it.each([
    ["a SecureString service principal key", { type: "AzureDataLakeStore", dataLakeStoreUri: "u", servicePrincipalKey: { type: "SecureString", value: "[secret]" } }, "properties.servicePrincipalKey is an inline SecureString"],
    ["an account key", { type: "AzureBlobFS", url: "u", accountKey: "[secret]" }, "properties.accountKey holds an inline credential"],
    ["a SAS token", { type: "AzureBlobFS", url: "u", sasToken: { type: "SecureString", value: "sv=2024" } }, "properties.sasToken is an inline SecureString"],
    ["a SAS URI with a signature", { type: "AzureBlobFS", sasUri: "https://a.blob.core.windows.net/?sv=1&sig=abc" }, "properties.sasUri contains a key, password or SAS signature"],
    ["a connection string with an account key", { type: "AzureBlobStorage", connectionString: "AccountName=a;AccountKey=abc==" }, "properties.connectionString contains a key, password or SAS signature"],
    ["a connection string with a password", { type: "SqlServer", connectionString: "Server=s;User ID=u;Password=p" }, "properties.connectionString contains"],
    ["a secure parameter default", { type: "AzureBlobFS", url: "u", parameters: { key: { type: "SecureString", defaultValue: "abc" } } }, "properties.parameters.key has an inline SecureString default"],
    ["a nested ARM-shaped typeProperties password", { type: "Sftp", typeProperties: { password: { type: "SecureString", value: "p" } } }, "properties.typeProperties.password is an inline SecureString"],
  ])("fires on %s", (_label, properties, expected) => {
    expect(fired([linkedService(properties)])).toEqual([expect.stringContaining(`datafactory-linked-service-no-inline-secrets: ${expected}`)]);
  });
});

describe("role-assignment-principal-type", () => {
  const assignment = (props: Record<string, unknown>) =>
    resource("azure-native:authorization:RoleAssignment", { principalId: "p", roleDefinitionId: "/r", scope: "/s", ...props });

  it("passes with a principal type and fires without one or with a wrong one", () => {
    expect(fired([assignment({ principalType: "Group" })])).toEqual([]);
    expect(fired([assignment({ principalType: "ServicePrincipal" })])).toEqual([]);
    expect(fired([assignment({})])).toEqual([expect.stringMatching(/^role-assignment-principal-type: principalType is not set; must be one of User, Group, ServicePrincipal/)]);
    expect(fired([assignment({ principalType: "Robot" })])).toEqual([expect.stringMatching(/principalType is "Robot"/)]);
  });
});

describe("every stack file in the repo", () => {
  it.each(listStacks(PROJECT_DIR))("Pulumi.%s.yaml passes the baseline", async (stack) => {
    const { values, secretKeys } = readStackConfig({ stack, projectDir: PROJECT_DIR });
    const report = checkPlan(await planValues(values, { stack, secretKeys }));
    expect(report.violations).toEqual([]);
    expect(report.failed).toBe(false);
  });
});

describe("adls-migration:policyWaivers", () => {
  const problems = (waivers: unknown): string[] => {
    try {
      parseStackConfig(toPulumiValues({ ...BASE_CONFIG, "adls-migration:policyWaivers": waivers }));
      return [];
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems;
    }
  };

  it("needs a reason per waiver and rejects policies that cannot be waived", () => {
    expect(problems({ sharedKeyAccess: { reason: "Legacy SSIS job, until 2026-12" } })).toEqual([]);
    expect(problems({ sharedKeyAccess: {} })).toEqual([
      "adls-migration:policyWaivers.sharedKeyAccess.reason: is required: say why the exception is needed (and until when)",
    ]);
    expect(problems({ sharedKeyAccess: { reason: "because" } })).toEqual([
      "adls-migration:policyWaivers.sharedKeyAccess.reason: must explain the exception in at least 10 characters",
    ]);
    expect(problems({ sharedKeyAccess: { reason: "x".repeat(257) } })).toEqual([
      "adls-migration:policyWaivers.sharedKeyAccess.reason: must be at most 256 characters (it is stored as an Azure tag value)",
    ]);
    expect(problems({ networkDefaultAction: { reason: "open for the migration" } })).toEqual([
      "adls-migration:policyWaivers.networkDefaultAction: unknown key",
    ]);
  });

  it("puts the reason on the storage account as a tag", async () => {
    const plan = await planWith({
      "adls-migration:sharedKeyAccess": true,
      "adls-migration:policyWaivers": { sharedKeyAccess: { reason: "Legacy SSIS job, until 2026-12" } },
    });
    const account = plan.resources.find((r) => r.type === ACCOUNT)!;
    expect(account.inputs.allowSharedKeyAccess).toBe(true);
    expect(account.inputs.tags).toMatchObject({ [SHARED_KEY_WAIVER_TAG]: "Legacy SSIS job, until 2026-12" });
    expect(checkPlan(plan).failed).toBe(false);
  });
});

describe("npm run plan -- --policy", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "plan-policy-"));
  const stackFile = (name: string, extra: Record<string, unknown>) => {
    const file = path.join(tmp, `Pulumi.${name}.yaml`);
    writeFileSync(file, stringify({ config: { ...BASE_CONFIG, ...extra } }));
    return file;
  };

  it("exits 1 and names the policy for sharedKeyAccess: true without a waiver", () => {
    const res = runScript("plan.ts", ["--config-file", stackFile("sharedkey", { "adls-migration:sharedKeyAccess": true }), "--policy"]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain("Policies: 1 violation(s)");
    expect(res.stdout).toMatch(/\[mandatory\] storage-shared-key-disabled: azure-native:storage:StorageAccount {2}lake\n\s+allowSharedKeyAccess is true/);
  });

  it("exits 0 with a waiver, and reports the verdict in --json", () => {
    const file = stackFile("waived", {
      "adls-migration:sharedKeyAccess": true,
      "adls-migration:policyWaivers": { sharedKeyAccess: { reason: "Legacy SSIS job, until 2026-12" } },
    });
    const res = runScript("plan.ts", ["--config-file", file, "--policy", "--json"]);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { policy: { violations: unknown[]; failed: boolean; policies: string[] } };
    expect(out.policy).toMatchObject({ violations: [], failed: false });
    expect(out.policy.policies).toEqual(BASELINE.map((r) => r.name));
  });
});

describe("the PolicyPack adapter (policy/pack.ts)", () => {
  // The engine hands policies props wrapped in this proxy, which throws on
  // reads of values unknown during preview; it is @pulumi/policy's own code.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const proxy = require("@pulumi/policy/proxy") as { unknownCheckingProxy<T>(v: T): T; unknownStringValue: string; unknownBooleanValue: string };
  const policies = baselinePolicies();

  function runResourcePolicy(name: string, type: string, props: Record<string, unknown>): string[] {
    const policy = policies.find((p) => p.name === name) as ResourceValidationPolicy;
    const messages: string[] = [];
    const report: ReportViolation = (m) => messages.push(m);
    const validate = policy.validateResource as (args: ResourceValidationArgs, report: ReportViolation) => void;
    validate({ type, name: "lake", urn: "urn:lake", props: proxy.unknownCheckingProxy(props) } as unknown as ResourceValidationArgs, report);
    return messages;
  }

  it("exposes every baseline rule as a mandatory policy", () => {
    expect(policies.map((p) => [p.name, p.enforcementLevel])).toEqual(BASELINE.map((r) => [r.name, "mandatory"]));
  });

  it("reports violations on known values and skips values unknown during preview", () => {
    expect(runResourcePolicy("storage-min-tls-1-2", ACCOUNT, { minimumTlsVersion: "TLS1_0" })).toEqual([
      'minimumTlsVersion is "TLS1_0"; must be "TLS1_2" (or "TLS1_3")',
    ]);
    expect(runResourcePolicy("storage-min-tls-1-2", ACCOUNT, { minimumTlsVersion: proxy.unknownStringValue })).toEqual([]);
    expect(runResourcePolicy("storage-shared-key-disabled", ACCOUNT, { allowSharedKeyAccess: proxy.unknownBooleanValue, tags: {} })).toEqual([]);
    expect(runResourcePolicy("storage-min-tls-1-2", "azure-native:storage:BlobContainer", { minimumTlsVersion: "TLS1_0" })).toEqual([]);
  });

  it("matches the prod lock through propertyDependencies when its scope is unknown", () => {
    const policy = policies.find((p) => p.name === "prod-account-delete-lock") as StackValidationPolicy;
    const account = { type: ACCOUNT, name: "lake", urn: "urn:account", props: proxy.unknownCheckingProxy({ accountName: "lake1", tags: { environment: "prod" } }), propertyDependencies: {} };
    const lock = (deps: PolicyResource[]) => ({
      type: "azure-native:authorization:ManagementLockByScope",
      name: "lock",
      urn: "urn:lock",
      props: proxy.unknownCheckingProxy({ level: "CanNotDelete", scope: proxy.unknownStringValue }),
      propertyDependencies: { scope: deps },
    });
    const run = (resources: unknown[]) => {
      const found: [string, string | undefined][] = [];
      policy.validateStack({ resources } as unknown as StackValidationArgs, (m, urn) => found.push([m, urn]));
      return found;
    };
    expect(run([account, lock([account as unknown as PolicyResource])])).toEqual([]);
    expect(run([account, lock([])])).toEqual([[expect.stringMatching(/^prod account "lake1" has no CanNotDelete/), "urn:account"]]);
  });
});
