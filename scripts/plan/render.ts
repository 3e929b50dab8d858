import type { Plan, PlannedResource } from "./runtime";
import { describeTrigger, triggerNotes } from "./triggers";

/** Inputs worth a line in the tree, per resource type (dotted paths). Other types show their first scalar inputs. */
const KEY_INPUTS: Record<string, string[]> = {
  "azure-native:resources:ResourceGroup": ["resourceGroupName", "location"],
  "azure-native:storage:StorageAccount": [
    "accountName",
    "kind",
    "sku.name",
    "isHnsEnabled",
    "minimumTlsVersion",
    "allowSharedKeyAccess",
    "networkRuleSet.defaultAction",
  ],
  "azure-native:storage:BlobContainer": ["containerName", "publicAccess"],
  "azure-native:storage:BlobServiceProperties": ["deleteRetentionPolicy.days", "containerDeleteRetentionPolicy.days"],
  "azure-native:authorization:ManagementLockByScope": ["level"],
  "azure-native:network:PrivateEndpoint": ["privateLinkServiceConnections.0.groupIds"],
  "azure-native:authorization:RoleAssignment": ["description", "principalType", "scope"],
  "azuread:index/group:Group": ["displayName", "securityEnabled", "owners"],
  "azure-native:datafactory:Factory": ["factoryName", "identity.type"],
  "azure-native:datafactory:LinkedService": ["linkedServiceName", "properties.type", "properties.url", "properties.dataLakeStoreUri"],
  "azure-native:datafactory:Dataset": ["datasetName", "properties.type", "properties.location.type"],
  "azure-native:datafactory:Pipeline": ["pipelineName", "activities.0.type", "activities.0.activities.0.name", "activities.0.activities.1.name"],
  "azure-native:datafactory:Trigger": ["triggerName", "properties.type", "properties.frequency", "properties.interval", "properties.recurrence.frequency"],
  "azure-native:keyvault:Vault": ["vaultName", "properties.enableRbacAuthorization"],
};
const HIDDEN = new Set(["resourceGroupName", "location", "tags", "accountName"]);
const MAX_FALLBACK = 5;

/** The plan as an indented tree: one line per resource, its key inputs beneath. */
export function renderTree(plan: Plan): string {
  const children = new Map<string | null, PlannedResource[]>();
  for (const r of plan.resources) {
    const list = children.get(r.parentUrn) ?? [];
    list.push(r);
    children.set(r.parentUrn, list);
  }
  const notes = new Map(triggerNotes(plan).map((n) => [n.urn, describeTrigger(n)]));
  const lines = [`Offline plan of stack "${plan.stack}": ${plan.resources.length} resources (mocks runtime, nothing deployed)`, ""];
  const walk = (parent: string | null, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      const pad = "  ".repeat(depth);
      lines.push(`${pad}+ ${r.type}  ${r.name}${r.protect ? "  [protected]" : ""}`);
      const details = keyInputs(r);
      if (details.length > 0) lines.push(`${pad}    ${details.join("  ")}`);
      const note = notes.get(r.urn);
      if (note) lines.push(`${pad}    ${note}`);
      walk(r.urn, depth + 1);
    }
  };
  walk(null, 0);
  lines.push("", "Outputs:");
  for (const [k, v] of Object.entries(plan.outputs)) lines.push(`  ${k}: ${format(v)}`);
  return lines.join("\n");
}

function keyInputs(r: PlannedResource): string[] {
  const paths = KEY_INPUTS[r.type];
  if (paths) {
    return paths.map((p) => [p, lookup(r.inputs, p)] as const).filter(([, v]) => v !== undefined).map(([p, v]) => `${p}=${format(v)}`);
  }
  return Object.entries(r.inputs)
    .filter(([k, v]) => !HIDDEN.has(k) && v !== null && typeof v !== "object")
    .slice(0, MAX_FALLBACK)
    .map(([k, v]) => `${k}=${format(v)}`);
}

function lookup(obj: unknown, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((o, k) => (typeof o === "object" && o !== null ? (o as Record<string, unknown>)[k] : undefined), obj);
}

function format(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}
