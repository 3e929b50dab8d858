import { type ResourceRule, asRecord, isUnknown } from "./types";

export const LINKED_SERVICE = "azure-native:datafactory:LinkedService";

/**
 * Linked service fields that hold a credential (azure-native flattens the ADF
 * `typeProperties` into `properties`; ARM JSON nests them, the walk covers
 * both). Each must be absent, an expression, or an AzureKeyVaultSecret
 * reference: the Key Vault linked service then resolves it at run time.
 */
const CREDENTIAL_FIELDS = new Set(
  ["accountKey", "sasToken", "servicePrincipalKey", "servicePrincipalCredential", "password", "secretAccessKey", "clientSecret", "apiKey", "accessToken"].map(
    // ARM property names are matched case-insensitively, so `ServicePrincipalKey` is the same field.
    (k) => k.toLowerCase(),
  ),
);

/** Connection-string parts that are credentials, and a SAS signature, in any string property. */
const INLINE_SECRET_IN_TEXT = /(AccountKey|Password|Pwd|SharedAccessSignature|SharedAccessKey)\s*=|[?&]sig=/i;
/** A storage account key as Azure issues it: 64 random bytes in base64, 88 characters ending "==". */
const ACCOUNT_KEY = /(^|[^A-Za-z0-9+/])[A-Za-z0-9+/]{86}==($|[^A-Za-z0-9+/=])/;

function isKeyVaultReference(value: unknown): boolean {
  return asRecord(value)?.type === "AzureKeyVaultSecret";
}

/** ADF expressions (`@pipeline().parameters.x`) are resolved at run time, not stored in the definition. */
function isExpression(value: unknown): boolean {
  if (typeof value === "string") return value.startsWith("@");
  const rec = asRecord(value);
  return rec?.type === "Expression";
}

function findInlineSecrets(value: unknown, path: string, found: string[]): void {
  if (isUnknown(value) || value === null || value === undefined) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => findInlineSecrets(v, `${path}[${i}]`, found));
    return;
  }
  const rec = asRecord(value);
  if (!rec) return;
  // A SecureString (secret value) or a SecureString parameter with a default is stored in the factory definition.
  if (rec.type === "SecureString" && (rec.value !== undefined || rec.defaultValue !== undefined)) {
    found.push(`${path} is an inline SecureString; reference a Key Vault secret (type AzureKeyVaultSecret) instead`);
    return;
  }
  for (const [key, child] of Object.entries(rec)) {
    const childPath = path ? `${path}.${key}` : key;
    if (key === "parameters") {
      // Parameter declarations: only a SecureString default is a stored secret; names like "password" are fine.
      for (const [param, spec] of Object.entries(asRecord(child) ?? {})) {
        const s = asRecord(spec);
        if (s?.type === "SecureString" && s.defaultValue !== undefined) {
          found.push(`${childPath}.${param} has an inline SecureString default; pass the value at run time or use Key Vault`);
        }
      }
      continue;
    }
    if (CREDENTIAL_FIELDS.has(key.toLowerCase()) && child !== undefined && !isUnknown(child) && !isKeyVaultReference(child) && !isExpression(child)) {
      if (asRecord(child)?.type !== "SecureString") {
        found.push(`${childPath} holds an inline credential; reference a Key Vault secret (type AzureKeyVaultSecret) or use managed identity`);
        continue;
      }
    }
    if (typeof child === "string" && !isExpression(child) && (INLINE_SECRET_IN_TEXT.test(child) || ACCOUNT_KEY.test(child))) {
      found.push(`${childPath} contains a key, password or SAS signature; use managed identity or a Key Vault secret reference`);
      continue;
    }
    findInlineSecrets(child, childPath, found);
  }
}

export const linkedServiceNoInlineSecrets: ResourceRule = {
  kind: "resource",
  name: "datafactory-linked-service-no-inline-secrets",
  description:
    "Data Factory linked services hold no keys, SAS tokens, passwords or client secrets: " +
    "they use managed identity or Key Vault secret references.",
  enforcementLevel: "mandatory",
  types: [LINKED_SERVICE],
  check: (r) => {
    const found: string[] = [];
    findInlineSecrets(r.props.properties, "properties", found);
    return found;
  },
};
