import { type ResourceRule, asRecord, isUnknown } from "./types";

export const LINKED_SERVICE = "azure-native:datafactory:LinkedService";

/**
 * Linked service fields that hold a credential (azure-native flattens the ADF
 * `typeProperties` into `properties`; ARM JSON nests them, the walk covers
 * both). Each must be absent, an expression, or an AzureKeyVaultSecret
 * reference: the Key Vault linked service then resolves it at run time.
 */
const CREDENTIAL_FIELDS = new Set([
  "accountKey",
  "sasToken",
  "servicePrincipalKey",
  "servicePrincipalCredential",
  "password",
  "secretAccessKey",
  "clientSecret",
  "apiKey",
  "accessToken",
]);

/** Connection-string parts that are credentials. */
const INLINE_SECRET_IN_TEXT = /(AccountKey|Password|Pwd|SharedAccessSignature|SharedAccessKey)\s*=|[?&]sig=/i;

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
    if (CREDENTIAL_FIELDS.has(key) && child !== undefined && !isUnknown(child) && !isKeyVaultReference(child) && !isExpression(child)) {
      if (asRecord(child)?.type !== "SecureString") {
        found.push(`${childPath} holds an inline credential; reference a Key Vault secret (type AzureKeyVaultSecret) or use managed identity`);
        continue;
      }
    }
    if ((key === "connectionString" || key === "sasUri") && typeof child === "string" && INLINE_SECRET_IN_TEXT.test(child)) {
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
