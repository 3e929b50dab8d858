import type { MockCallArgs } from "@pulumi/pulumi/runtime";
import { Plan, PlannedResource } from "../../scripts/plan/runtime";
import { ISSUE_GRANTS } from "../support/accessGrants";
import { ofType, one, planWith } from "../support/plan";

const ACCESS = "adls-migration:access";
const ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment";
/** The DataLakeAccess assignments; the factory's own assignment is the factory's business. */
const grantsOf = (plan: Plan) => ofType(plan, ROLE_ASSIGNMENT).filter((r) => r.parent === "access");
const GROUP = "azuread:index/group:Group";

// Canned directory and subscription answers, distinct from the plan's own fakes.
const SUBSCRIPTION = "12345678-aaaa-bbbb-cccc-1234567890ab";
const DEPLOYER = "d0000000-0000-0000-0000-00000000000d";
const ENGINEERS = "e0000000-0000-0000-0000-00000000000e";
const SOMEONE = "50000000-0000-0000-0000-000000000005";
const OWNER_BOB = "b0000000-0000-0000-0000-00000000000b";
const ADF_SP = "af000000-0000-0000-0000-0000000000af";

/** Answers the lookups like a directory holding these principals would, and records every call. */
function directory() {
  const calls: MockCallArgs[] = [];
  const call = (args: MockCallArgs): Record<string, unknown> | undefined => {
    calls.push(args);
    const i = args.inputs as Record<string, string | undefined>;
    switch (args.token) {
      case "azure-native:authorization:getClientConfig":
        return { subscriptionId: SUBSCRIPTION, tenantId: "t", clientId: "c", objectId: DEPLOYER };
      case "azuread:index/getClientConfig:getClientConfig":
        return { tenantId: "t", clientId: "c", objectId: DEPLOYER };
      case "azuread:index/getGroup:getGroup":
        if (i.displayName === "existing-engineers") return { displayName: i.displayName, objectId: ENGINEERS };
        throw new Error(`no group named ${i.displayName}`);
      case "azuread:index/getUser:getUser":
        if (i.userPrincipalName === "someone@contoso.com") return { userPrincipalName: i.userPrincipalName, objectId: SOMEONE };
        if (i.userPrincipalName === "bob@contoso.com") return { userPrincipalName: i.userPrincipalName, objectId: OWNER_BOB };
        throw new Error(`no user ${i.userPrincipalName}`);
      case "azuread:index/getServicePrincipal:getServicePrincipal":
        if (i.displayName === "adf-prod" || i.clientId === "cccccccc-0000-0000-0000-000000000000") return { objectId: ADF_SP };
        throw new Error(`no service principal ${JSON.stringify(i)}`);
      default:
        return undefined;
    }
  };
  return { calls, call };
}

const roleDefinition = (guid: string) => `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function assignmentFor(plan: Plan, principalId: string): PlannedResource {
  const found = grantsOf(plan).filter((r) => r.inputs.principalId === principalId);
  if (found.length !== 1) throw new Error(`expected one assignment for ${principalId}, found ${found.length}`);
  return found[0];
}

describe("DataLakeAccess", () => {
  let plan: Plan;
  let calls: MockCallArgs[];

  beforeAll(async () => {
    const dir = directory();
    const grants = structuredClone(ISSUE_GRANTS) as { principal: Record<string, unknown> }[];
    grants[0].principal.owners = ["bob@contoso.com", "0000000F-0000-0000-0000-00000000000F"];
    plan = await planWith({ [ACCESS]: grants }, { call: dir.call });
    calls = dir.calls;
  });

  it("creates the group marked create as a security group owned by the deployer and the configured owners", () => {
    const group = one(plan, GROUP);
    expect(group.parent).toBe("access");
    expect(group.inputs).toMatchObject({
      displayName: "dl-readers",
      description: "Readers of the migrated lake",
      securityEnabled: true,
      mailEnabled: false,
      preventDuplicateNames: true,
    });
    expect(group.inputs.owners).toEqual([DEPLOYER, OWNER_BOB, "0000000f-0000-0000-0000-00000000000f"]);
  });

  it("looks up the other principals through the provider functions and never the created group", () => {
    const lookups = calls.filter((c) => c.token.startsWith("azuread:index/get") && c.token !== "azuread:index/getClientConfig:getClientConfig");
    expect(lookups.map((c) => [c.token, c.inputs])).toEqual(
      expect.arrayContaining([
        ["azuread:index/getGroup:getGroup", { displayName: "existing-engineers" }],
        ["azuread:index/getUser:getUser", { userPrincipalName: "someone@contoso.com" }],
        ["azuread:index/getUser:getUser", { userPrincipalName: "bob@contoso.com" }],
      ]),
    );
    expect(lookups).toHaveLength(3);
  });

  it("assigns each role with principalType, the built-in role GUID and the right scope", () => {
    const account = plan.outputs.accountId as string;
    expect(account).toMatch(/\/providers\/Microsoft\.Storage\/storageAccounts\/[a-z0-9]+$/);
    const assignments = grantsOf(plan);
    expect(assignments).toHaveLength(4);
    expect(assignments.every((a) => a.parent === "access")).toBe(true);

    const created = assignmentFor(plan, (plan.outputs.principals as Record<string, string>)["dl-readers"]);
    expect(created.inputs).toMatchObject({ principalType: "Group", scope: account, roleDefinitionId: roleDefinition("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1") });
    expect(assignmentFor(plan, ENGINEERS).inputs).toMatchObject({
      principalType: "Group",
      scope: `${account}/blobServices/default/containers/raw`,
      roleDefinitionId: roleDefinition("ba92f5b4-2d11-453d-a403-e96b0029c9fe"),
    });
    expect(assignmentFor(plan, "00000000-0000-0000-0000-0000000000aa").inputs).toMatchObject({
      principalType: "ServicePrincipal",
      scope: account,
      roleDefinitionId: roleDefinition("b7e6dc6d-f1e8-4753-8033-0f276bb0955b"),
    });
    expect(assignmentFor(plan, SOMEONE).inputs).toMatchObject({
      principalType: "User",
      scope: account,
      roleDefinitionId: roleDefinition("acdd72a7-3385-48ef-bd42-f606fba81ae7"),
    });
  });

  it("scopes a filesystem grant to that container's resource id", () => {
    const raw = ofType(plan, "azure-native:storage:BlobContainer").find((c) => c.inputs.containerName === "raw");
    expect(raw).toBeDefined();
    expect(assignmentFor(plan, ENGINEERS).inputs.scope).toMatch(/\/storageAccounts\/[a-z0-9]+\/blobServices\/default\/containers\/raw$/);
  });

  it("gives every assignment a distinct GUID name", () => {
    const names = grantsOf(plan).map((a) => a.inputs.roleAssignmentName as string);
    expect(names.every((n) => GUID.test(n))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
  });

  it("exports every named principal with its object id", () => {
    expect(plan.outputs.principals).toEqual({
      "dl-readers": expect.stringMatching(GUID),
      "existing-engineers": ENGINEERS,
      "00000000-0000-0000-0000-0000000000aa": "00000000-0000-0000-0000-0000000000aa",
      "someone@contoso.com": SOMEONE,
    });
  });
});

describe("DataLakeAccess assignment names", () => {
  const names = (plan: Plan) =>
    Object.fromEntries(grantsOf(plan).map((a) => [a.name, a.inputs.roleAssignmentName as string]));

  it("stay the same when the grants are reordered, and differ on another account", async () => {
    const dir = directory();
    const reversed = [...ISSUE_GRANTS].reverse();
    const [original, reordered, otherAccount] = [
      await planWith({ [ACCESS]: ISSUE_GRANTS }, { call: dir.call }),
      await planWith({ [ACCESS]: reversed }, { call: dir.call }),
      await planWith({ [ACCESS]: ISSUE_GRANTS, "adls-migration:accountName": "otherlake01" }, { call: dir.call }),
    ];
    expect(Object.keys(names(original))).toHaveLength(4);
    expect(names(reordered)).toEqual(names(original));
    // Role assignment names are unique tenant-wide: a second stack must not reuse them.
    const other = Object.values(names(otherAccount));
    expect(other.filter((n) => Object.values(names(original)).includes(n))).toEqual([]);
  });
});

describe("DataLakeAccess roles and principals", () => {
  // Built-in role GUIDs as published by Microsoft (docs: Azure built-in roles).
  const PUBLISHED: Record<string, string> = {
    Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
    Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Account Contributor": "17d1049b-9a84-46fb-8f53-869881c3d3ab",
    "Data Factory Contributor": "673868aa-7521-48a0-acc6-0f60742d39f5",
  };
  const CUSTOM = "99999999-8888-7777-6666-555555555555";

  it("maps every built-in role name, a GUID and a full id to the role definition id; resolves service principals", async () => {
    const dir = directory();
    const principal = { objectId: "0000000a-0000-0000-0000-000000000000", type: "User" };
    const plan = await planWith(
      {
        [ACCESS]: [
          ...Object.keys(PUBLISHED).map((role) => ({ principal, role, scope: "filesystem:curated" })),
          { principal: { servicePrincipal: "adf-prod" }, role: CUSTOM.toUpperCase(), scope: "account" },
          {
            principal: { servicePrincipal: "cccccccc-0000-0000-0000-000000000000" },
            role: `/subscriptions/other/providers/Microsoft.Authorization/roleDefinitions/${CUSTOM}`,
            scope: "filesystem:raw",
          },
        ],
      },
      { call: dir.call },
    );
    const assignments = grantsOf(plan);
    const forUser = assignments.filter((a) => a.inputs.principalId === principal.objectId);
    expect(forUser.map((a) => a.inputs.roleDefinitionId).sort()).toEqual(Object.values(PUBLISHED).map(roleDefinition).sort());
    expect(forUser.every((a) => a.inputs.principalType === "User" && String(a.inputs.scope).endsWith("/containers/curated"))).toBe(true);

    const forSp = assignments.filter((a) => a.inputs.principalId === ADF_SP);
    expect(forSp.map((a) => [a.inputs.principalType, a.inputs.roleDefinitionId])).toEqual([
      ["ServicePrincipal", roleDefinition(CUSTOM)],
      ["ServicePrincipal", `/subscriptions/other/providers/Microsoft.Authorization/roleDefinitions/${CUSTOM}`],
    ]);
    const spLookups = dir.calls.filter((c) => c.token === "azuread:index/getServicePrincipal:getServicePrincipal").map((c) => c.inputs);
    expect(spLookups).toEqual(expect.arrayContaining([{ displayName: "adf-prod" }, { clientId: "cccccccc-0000-0000-0000-000000000000" }]));
    expect(plan.outputs.principals).toEqual({
      "0000000a-0000-0000-0000-000000000000": "0000000a-0000-0000-0000-000000000000",
      "adf-prod": ADF_SP,
      "cccccccc-0000-0000-0000-000000000000": ADF_SP,
    });
  });

  it("plans offline without canned answers: the plan's fakes give every principal an object id", async () => {
    const plan = await planWith({ [ACCESS]: ISSUE_GRANTS });
    const principals = plan.outputs.principals as Record<string, string>;
    expect(Object.keys(principals).sort()).toEqual(["00000000-0000-0000-0000-0000000000aa", "dl-readers", "existing-engineers", "someone@contoso.com"]);
    expect(Object.values(principals).every((id) => GUID.test(id))).toBe(true);
    expect(new Set(Object.values(principals)).size).toBe(4);
    expect(grantsOf(plan).map((a) => a.inputs.principalId).sort()).toEqual(Object.values(principals).sort());
  });

  it("creates nothing and exports an empty principals map without grants", async () => {
    const plan = await planWith();
    expect(plan.resources.filter((r) => r.type.startsWith("azuread:") || r.parent === "access" || r.name === "access")).toEqual([]);
    expect(plan.outputs.principals).toEqual({});
  });
});
