import { createHash } from "crypto";
import type { MockCallArgs, MockResourceArgs } from "@pulumi/pulumi/runtime";

/**
 * What the offline plan pretends Azure answered: ids and computed outputs
 * that later resources and stack outputs depend on. Values are deterministic
 * so plans are diffable; they are clearly fake (all-zero subscription).
 */
export const FAKE_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000";
export const FAKE_TENANT_ID = "00000000-0000-0000-0000-000000000001";

/** A stable GUID-shaped value for a seed, used for object ids the plan cannot know. */
export function fakeGuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Fake Entra ID object id of a user, group or service principal, by kind and name. */
export function fakeObjectId(kind: "group" | "user" | "servicePrincipal", name: string): string {
  return fakeGuid(`azuread:${kind}:${name}`);
}

type Inputs = Record<string, unknown>;

/** azure-native type token → ARM provider/type segment and the input that names the resource. */
const ARM_TYPES: Record<string, { arm: string; nameInput: string }> = {
  "azure-native:resources:ResourceGroup": { arm: "", nameInput: "resourceGroupName" },
  "azure-native:storage:StorageAccount": { arm: "Microsoft.Storage/storageAccounts", nameInput: "accountName" },
  "azure-native:storage:BlobContainer": { arm: "blobServices/default/containers", nameInput: "containerName" },
  "azure-native:network:PrivateEndpoint": { arm: "Microsoft.Network/privateEndpoints", nameInput: "privateEndpointName" },
  "azure-native:datafactory:Factory": { arm: "Microsoft.DataFactory/factories", nameInput: "factoryName" },
  "azure-native:keyvault:Vault": { arm: "Microsoft.KeyVault/vaults", nameInput: "vaultName" },
};

export function fakeResourceState(args: MockResourceArgs): { id: string; state: Inputs } {
  const inputs: Inputs = args.inputs ?? {};
  const spec = ARM_TYPES[args.type];
  const name = String((spec && inputs[spec.nameInput]) ?? args.name);
  const rg = String(inputs.resourceGroupName ?? "rg");
  const groupId = `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/${rg}`;
  const state: Inputs = { ...inputs, name };

  switch (args.type) {
    case "azure-native:resources:ResourceGroup":
      return { id: groupId, state };
    case "azure-native:storage:StorageAccount":
      state.primaryEndpoints = {
        dfs: `https://${name}.dfs.core.windows.net/`,
        blob: `https://${name}.blob.core.windows.net/`,
      };
      return { id: `${groupId}/providers/Microsoft.Storage/storageAccounts/${name}`, state };
    case "azure-native:storage:BlobContainer":
      return {
        id: `${groupId}/providers/Microsoft.Storage/storageAccounts/${String(inputs.accountName)}/blobServices/default/containers/${name}`,
        state,
      };
    case "azure-native:authorization:RoleAssignment":
      return { id: `${String(inputs.scope)}/providers/Microsoft.Authorization/roleAssignments/${String(inputs.roleAssignmentName)}`, state };
    case "azuread:index/group:Group": {
      state.objectId = fakeObjectId("group", String(inputs.displayName));
      return { id: `/groups/${String(state.objectId)}`, state };
    }
    case "azure-native:datafactory:Factory":
      // The system-assigned identity exists only after creation; role assignments need its object id.
      state.identity = { type: "SystemAssigned", principalId: fakeGuid(`factory-identity:${name}`), tenantId: FAKE_TENANT_ID };
      return { id: `${groupId}/providers/Microsoft.DataFactory/factories/${name}`, state };
    default: {
      const arm = spec?.arm ?? args.type.split(":").slice(1).join("/");
      return { id: `${groupId}/providers/${arm}/${name}`, state };
    }
  }
}

/** Canned answers for provider functions (invokes) the program calls. */
export function fakeCall(args: MockCallArgs): Record<string, unknown> {
  switch (args.token) {
    case "azure-native:authorization:getClientConfig":
      return { subscriptionId: FAKE_SUBSCRIPTION_ID, tenantId: FAKE_TENANT_ID, clientId: fakeGuid("client"), objectId: fakeGuid("deployer") };
    case "azuread:index/getClientConfig:getClientConfig":
      return { tenantId: FAKE_TENANT_ID, clientId: fakeGuid("client"), objectId: fakeGuid("deployer") };
    // Directory lookups: a fake object id per name, the same one the plan
    // would give a created principal of that name.
    case "azuread:index/getGroup:getGroup": {
      const objectId = fakeObjectId("group", String(args.inputs.displayName ?? args.inputs.objectId));
      return { ...(args.inputs as Inputs), id: objectId, objectId, securityEnabled: true };
    }
    case "azuread:index/getUser:getUser": {
      const objectId = fakeObjectId("user", String(args.inputs.userPrincipalName ?? args.inputs.objectId).toLowerCase());
      return { ...(args.inputs as Inputs), id: objectId, objectId };
    }
    case "azuread:index/getServicePrincipal:getServicePrincipal": {
      const objectId = fakeObjectId("servicePrincipal", String(args.inputs.clientId ?? args.inputs.displayName ?? args.inputs.objectId));
      return { ...(args.inputs as Inputs), id: objectId, objectId };
    }
    default:
      return { ...(args.inputs as Inputs), id: fakeGuid(`${args.token}:${JSON.stringify(args.inputs)}`) };
  }
}
