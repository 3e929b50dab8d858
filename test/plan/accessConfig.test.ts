import { parseStackConfig } from "../../components/config/load";
import { ISSUE_GRANTS } from "../support/accessGrants";
import { BASE_CONFIG, configProblems, toPulumiValues } from "../support/plan";

const ACCESS = "adls-migration:access";


function parseAccess(grants: unknown) {
  return parseStackConfig(toPulumiValues({ ...BASE_CONFIG, [ACCESS]: grants })).access;
}

const problemsFor = (grants: unknown): string[] => configProblems({ [ACCESS]: grants });

const reader = (principal: unknown, scope = "account", role = "Storage Blob Data Reader") => ({ principal, role, scope });

describe("access config", () => {
  it("accepts the documented shape", () => {
    expect(parseAccess(ISSUE_GRANTS)).toEqual([
      {
        principal: { kind: "group", name: "dl-readers", create: true, description: "Readers of the migrated lake", owners: [], key: "group:dl-readers" },
        role: "Storage Blob Data Reader",
        scope: { kind: "account" },
      },
      {
        principal: { kind: "group", name: "existing-engineers", create: false, owners: [], key: "group:existing-engineers" },
        role: "Storage Blob Data Contributor",
        scope: { kind: "filesystem", name: "raw" },
      },
      {
        principal: { kind: "objectId", objectId: "00000000-0000-0000-0000-0000000000aa", type: "ServicePrincipal", key: "object:00000000-0000-0000-0000-0000000000aa" },
        role: "Storage Blob Data Owner",
        scope: { kind: "account" },
      },
      {
        principal: { kind: "user", upn: "someone@contoso.com", key: "user:someone@contoso.com" },
        role: "Reader",
        scope: { kind: "account" },
      },
    ]);
  });

  it("defaults to no grants", () => {
    expect(parseStackConfig(toPulumiValues(BASE_CONFIG)).access).toEqual([]);
  });

  it("accepts role GUIDs, full role definition ids and service principals", () => {
    const grants = parseAccess([
      reader({ servicePrincipal: "adf-prod" }, "account", "ba92f5b4-2d11-453d-a403-e96b0029c9fe"),
      reader({ servicePrincipal: "adf-prod" }, "filesystem:raw", "/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe"),
    ]);
    expect(grants.map((g) => g.principal.key)).toEqual(["sp:adf-prod", "sp:adf-prod"]);
  });

  it("allows one principal and role at several scopes, and several roles at one scope", () => {
    const p = { user: "a@contoso.com" };
    expect(parseAccess([reader(p), reader(p, "filesystem:raw"), reader(p, "account", "Reader")])).toHaveLength(3);
  });

  it("rejects an unknown role, listing the built-in names", () => {
    expect(problemsFor([reader({ user: "a@contoso.com" }, "account", "Storage Blob Data Writer")])).toEqual([
      'adls-migration:access[0].role: "Storage Blob Data Writer" is not a known role; use a built-in name (Reader, Contributor, Owner, ' +
        "Storage Blob Data Reader, Storage Blob Data Contributor, Storage Blob Data Owner, Storage Account Contributor, " +
        "Data Factory Contributor, Key Vault Secrets User), a role definition GUID or a full role definition id",
    ]);
  });

  it.each([
    ["the same grant twice", reader({ group: "eng" }), reader({ group: "eng" })],
    ["a UPN in another case", reader({ user: "A@Contoso.com" }), reader({ user: "a@contoso.com" })],
    ["a built-in name and its GUID", reader({ group: "eng" }), reader({ group: "eng" }, "account", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1")],
    [
      "an object id in another case",
      reader({ objectId: "0000000A-0000-0000-0000-000000000000", type: "User" }),
      reader({ objectId: "0000000a-0000-0000-0000-000000000000", type: "User" }),
    ],
  ])("rejects duplicate grants: %s", (_, first, second) => {
    expect(problemsFor([reader({ group: "other" }), first, second])).toEqual([
      "adls-migration:access[2]: repeats access[1] (same principal, role and scope); remove one",
    ]);
  });

  it("rejects a filesystem scope that is not declared", () => {
    expect(problemsFor([reader({ group: "eng" }, "filesystem:gold")])).toEqual([
      'adls-migration:access[0].scope: filesystem "gold" is not declared under filesystems',
    ]);
  });

  it.each([
    [reader({ group: "eng" }, "container:raw"), "adls-migration:access[0].scope: \"container:raw\" is not valid: account, or filesystem:<name>"],
    [reader({}), "adls-migration:access[0].principal: needs one of group, user, objectId, servicePrincipal"],
    [reader({ group: "eng", user: "a@contoso.com" }), "adls-migration:access[0].principal: has group and user; give exactly one of"],
    [reader({ objectId: "0000000a-0000-0000-0000-000000000000" }), "adls-migration:access[0].principal.type: is required with objectId; one of User, Group, ServicePrincipal"],
    [reader({ objectId: "0000000a-0000-0000-0000-000000000000", type: "Device" }), 'adls-migration:access[0].principal.type: "Device" is not one of User, Group, ServicePrincipal'],
    [reader({ objectId: "not-a-guid", type: "User" }), 'adls-migration:access[0].principal.objectId: "not-a-guid" is not valid: an object id (GUID)'],
    [reader({ user: "someone" }), 'adls-migration:access[0].principal.user: "someone" is not valid: a user principal name'],
    [reader({ user: "a@contoso.com", create: true }), "adls-migration:access[0].principal.create: only applies with group"],
    [reader({ group: "eng", type: "Group" }), "adls-migration:access[0].principal.type: only applies with objectId"],
    [reader({ group: "eng", owners: ["a@contoso.com"] }), "adls-migration:access[0].principal.owners: only applies with create: true"],
    [reader({ group: "eng", create: true, owners: ["bob"] }), 'adls-migration:access[0].principal.owners[0]: "bob" is not valid: an object id (GUID) or a user principal name'],
    [reader({ group: "eng", mail: true }), "adls-migration:access[0].principal.mail: unknown key"],
    [{ principal: { group: "eng" }, role: "Reader" }, "adls-migration:access[0].scope: is required"],
  ])("rejects %j", (grant, message) => {
    const problems = problemsFor([grant]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it("rejects one group created twice with different settings, and accepts it repeated identically", () => {
    const created = (description: string) => ({ group: "readers", create: true, description });
    expect(problemsFor([reader(created("a")), reader(created("b"), "filesystem:raw")])).toEqual([
      'adls-migration:access[1].principal: creates group "readers" with other description or owners than access[0]; give them once',
    ]);
    expect(parseAccess([reader(created("a")), reader(created("a"), "filesystem:raw")])).toHaveLength(2);
  });

  it("reports every bad grant at once", () => {
    expect(problemsFor([reader({ group: "eng" }, "everything"), reader({ user: "x" }), reader({ group: "eng" }, "account", "Admin")])).toEqual([
      expect.stringMatching(/^adls-migration:access\[0\]\.scope: /),
      expect.stringMatching(/^adls-migration:access\[1\]\.principal\.user: /),
      expect.stringMatching(/^adls-migration:access\[2\]\.role: /),
    ]);
  });
});
