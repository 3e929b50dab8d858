import { type ResourceRule, type ResourceUnderPolicy, at, isUnknown, show } from "./types";
import { SHARED_KEY_WAIVER_TAG, sharedKeyWaiver } from "./waivers";

export const STORAGE_ACCOUNT = "azure-native:storage:StorageAccount";
export const BLOB_CONTAINER = "azure-native:storage:BlobContainer";

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
    if (isUnknown(v) || v === false || sharedKeyWaiver(r.props) !== undefined) return [];
    return [
      `allowSharedKeyAccess is ${show(v)}; must be false, or waived with a reason in ` +
        `adls-migration:policyWaivers.sharedKeyAccess.reason (tag ${SHARED_KEY_WAIVER_TAG} on the account)`,
    ];
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
  infrastructureEncryption,
];
