import { PUBLIC_ADDRESS_TOTAL, type Ipv4Range, parseIpv4, publicAddressCount } from "./ipv4";
import { type ResourceRule, type ResourceUnderPolicy, type StackRule, asRecord, at, isUnknown, show } from "./types";
import { SHARED_KEY_WAIVER_TAG, WAIVER_REASON_MIN, sharedKeyWaiver } from "./waivers";

export const STORAGE_ACCOUNT = "azure-native:storage:StorageAccount";
export const BLOB_CONTAINER = "azure-native:storage:BlobContainer";
export const BLOB_SERVICE = "azure-native:storage:BlobServiceProperties";

/**
 * A rule on one storage account input that must have an exact value.
 * ARM defaults are not trusted: several of them (TLS, shared key) are the
 * insecure choice, so the rule asks for the value to be set explicitly.
 */
function accountSetting(opts: {
  name: string;
  description: string;
  path: string;
  accepts: (value: unknown) => boolean;
  expected: string;
}): ResourceRule {
  return {
    kind: "resource",
    name: opts.name,
    description: opts.description,
    enforcementLevel: "mandatory",
    types: [STORAGE_ACCOUNT],
    check: (r) => {
      const value = at(r.props, opts.path);
      if (isUnknown(value) || opts.accepts(value)) return [];
      return [`${opts.path} is ${show(value)}; must be ${opts.expected}`];
    },
  };
}

export const hnsEnabled = accountSetting({
  name: "storage-hns-enabled",
  description: "Storage accounts have the hierarchical namespace on (ADLS Gen2); it can only be chosen at creation.",
  path: "isHnsEnabled",
  accepts: (v) => v === true,
  expected: "true",
});

export const httpsOnly = accountSetting({
  name: "storage-https-only",
  description: "Storage accounts accept HTTPS traffic only.",
  path: "enableHttpsTrafficOnly",
  accepts: (v) => v === true,
  expected: "true",
});

export const minimumTls = accountSetting({
  name: "storage-min-tls-1-2",
  description: "Storage accounts require TLS 1.2 or later (ARM's default is TLS 1.0).",
  path: "minimumTlsVersion",
  accepts: (v) => v === "TLS1_2" || v === "TLS1_3",
  expected: '"TLS1_2" (or "TLS1_3")',
});

export const networkDefaultDeny = accountSetting({
  name: "storage-network-default-deny",
  description: "Storage account firewalls deny traffic no rule allows (networkRuleSet.defaultAction Deny).",
  path: "networkRuleSet.defaultAction",
  accepts: (v) => v === "Deny",
  expected: '"Deny"',
});

export const infrastructureEncryption = accountSetting({
  name: "storage-infrastructure-encryption",
  description: "Storage accounts encrypt data twice (infrastructure encryption); it can only be chosen at creation.",
  path: "encryption.requireInfrastructureEncryption",
  accepts: (v) => v === true,
  expected: "true",
});

export const accountKind: ResourceRule = {
  kind: "resource",
  name: "storage-account-kind",
  description: "Storage accounts are StorageV2, or BlockBlobStorage with a Premium SKU.",
  enforcementLevel: "mandatory",
  types: [STORAGE_ACCOUNT],
  check: (r) => {
    const kind = at(r.props, "kind");
    const sku = at(r.props, "sku.name");
    if (isUnknown(kind) || kind === "StorageV2") return [];
    if (kind === "BlockBlobStorage") {
      if (isUnknown(sku) || (typeof sku === "string" && sku.startsWith("Premium_"))) return [];
      return [`kind BlockBlobStorage needs a Premium SKU; sku.name is ${show(sku)}`];
    }
    return [`kind is ${show(kind)}; must be "StorageV2" (or "BlockBlobStorage" with a Premium SKU)`];
  },
};

export const noPublicBlobAccess: ResourceRule = {
  kind: "resource",
  name: "storage-no-public-blob-access",
  description: "No anonymous blob access: allowBlobPublicAccess false on accounts, publicAccess None on containers.",
  enforcementLevel: "mandatory",
  types: [STORAGE_ACCOUNT, BLOB_CONTAINER],
  check: (r) => {
    if (r.type === STORAGE_ACCOUNT) {
      const v = at(r.props, "allowBlobPublicAccess");
      return isUnknown(v) || v === false ? [] : [`allowBlobPublicAccess is ${show(v)}; must be false`];
    }
    const v = at(r.props, "publicAccess");
    return isUnknown(v) || v === undefined || v === "None" ? [] : [`publicAccess is ${show(v)}; must be "None"`];
  },
};

export const sharedKeyDisabled: ResourceRule = {
  kind: "resource",
  name: "storage-shared-key-disabled",
  description:
    "Storage accounts disable account-key and SAS authentication (allowSharedKeyAccess false), " +
    `unless the account carries a waiver tag ${SHARED_KEY_WAIVER_TAG} with a reason.`,
  enforcementLevel: "mandatory",
  types: [STORAGE_ACCOUNT],
  check: (r: ResourceUnderPolicy) => {
    const v = at(r.props, "allowSharedKeyAccess");
    if (isUnknown(v) || v === false) return [];
    const reason = sharedKeyWaiver(r.props);
    if (reason !== undefined && reason.length >= WAIVER_REASON_MIN) return [];
    if (reason) {
      return [`allowSharedKeyAccess is true with a waiver reason of ${reason.length} characters (${JSON.stringify(reason)}); a waiver needs a reason of at least ${WAIVER_REASON_MIN}`];
    }
    return [
      `allowSharedKeyAccess is ${show(v)}; must be false, or waived with a reason in ` +
        `adls-migration:policyWaivers.sharedKeyAccess.reason (tag ${SHARED_KEY_WAIVER_TAG} on the account)`,
    ];
  },
};

export const noCrossTenantReplication = accountSetting({
  name: "storage-no-cross-tenant-replication",
  description: "Storage accounts do not allow object replication to accounts in other Entra tenants (allowCrossTenantReplication false).",
  path: "allowCrossTenantReplication",
  accepts: (v) => v === false,
  expected: "false",
});

/**
 * The most public IPv4 space a firewall with defaultAction Deny may admit:
 * one /16. Beyond that the rules no longer describe known clients, and rule
 * sets such as 0.0.0.0/0, or 1.0.0.0/1 with 128.0.0.0/1, open the account to
 * the whole internet while defaultAction still reads Deny.
 */
export const MAX_PUBLIC_ADDRESSES = 65_536;

export const firewallNotOpen: ResourceRule = {
  kind: "resource",
  name: "storage-firewall-not-open",
  description: `Storage firewall IP rules admit at most ${MAX_PUBLIC_ADDRESSES.toLocaleString("en-US")} public IPv4 addresses together (one /16), so that defaultAction Deny means something.`,
  enforcementLevel: "mandatory",
  types: [STORAGE_ACCOUNT],
  check: (r) => {
    const rules = at(r.props, "networkRuleSet.ipRules");
    if (isUnknown(rules) || !Array.isArray(rules)) return [];
    const texts = rules.map((rule) => asRecord(rule)?.iPAddressOrRange).filter((t): t is string => typeof t === "string");
    const ranges = texts.map(parseIpv4).filter((x): x is Ipv4Range => x !== undefined);
    const admitted = publicAddressCount(ranges);
    if (admitted <= MAX_PUBLIC_ADDRESSES) return [];
    const share = ((admitted / PUBLIC_ADDRESS_TOTAL) * 100).toFixed(admitted === PUBLIC_ADDRESS_TOTAL ? 0 : 2);
    return [
      `networkRuleSet.ipRules (${texts.join(", ")}) admit ${admitted.toLocaleString("en-US")} public IPv4 addresses, ${share}% of the internet: ` +
        `the firewall is open in effect although defaultAction is ${show(at(r.props, "networkRuleSet.defaultAction"))}; ` +
        `list the egress ranges of the clients (at most ${MAX_PUBLIC_ADDRESSES.toLocaleString("en-US")} addresses, one /16) or use subnetIds / private endpoints`,
    ];
  },
};

/** Whether a BlobServiceProperties resource belongs to this account (by name, or by dependency while the name is unknown). */
function servesAccount(service: ResourceUnderPolicy, account: ResourceUnderPolicy): boolean {
  if (service.propertyDependencies?.accountName?.includes(account.urn)) return true;
  const name = service.props.accountName;
  return typeof name === "string" && name === account.props.accountName;
}

function retentionProblem(service: ResourceUnderPolicy | undefined, path: string): string | undefined {
  if (!service) return undefined;
  const policy = at(service.props, path);
  if (isUnknown(policy)) return undefined;
  const enabled = at(service.props, `${path}.enabled`);
  const days = at(service.props, `${path}.days`);
  if (enabled === true && typeof days === "number" && days >= 1) return undefined;
  return `${path} is ${show(policy)}; must be { enabled: true, days: 1-365 }`;
}

export const softDeleteEnabled: StackRule = {
  kind: "stack",
  name: "storage-soft-delete",
  description: "Every storage account has blob and container soft delete on (BlobServiceProperties deleteRetentionPolicy and containerDeleteRetentionPolicy enabled).",
  enforcementLevel: "mandatory",
  check: (resources) => {
    const services = resources.filter((r) => r.type === BLOB_SERVICE);
    return resources
      .filter((r) => r.type === STORAGE_ACCOUNT)
      .flatMap((account) => {
        const service = services.find((s) => servesAccount(s, account));
        const problems = service
          ? [retentionProblem(service, "deleteRetentionPolicy"), retentionProblem(service, "containerDeleteRetentionPolicy")].filter((p): p is string => p !== undefined)
          : [`account ${show(account.props.accountName)} has no BlobServiceProperties: blob and container soft delete are off`];
        return problems.map((message) => ({ urn: service?.urn ?? account.urn, message }));
      });
  },
};

export const STORAGE_RULES: readonly ResourceRule[] = [
  hnsEnabled,
  accountKind,
  httpsOnly,
  minimumTls,
  noPublicBlobAccess,
  sharedKeyDisabled,
  networkDefaultDeny,
  firewallNotOpen,
  infrastructureEncryption,
  noCrossTenantReplication,
];
