import { parseStackConfig } from "../../components/config/load";
import { BASE_CONFIG, configProblems, toPulumiValues } from "../support/plan";

const problemsFor = configProblems;

describe("stack config", () => {
  it("accepts the documented example shape with defaults filled in", () => {
    const cfg = parseStackConfig(toPulumiValues(BASE_CONFIG));
    expect(cfg).toMatchObject({
      environment: "dev",
      pattern: "incremental",
      location: "westeurope",
      redundancy: "ZRS",
      sharedKeyAccess: false,
      softDeleteDays: 7,
      protect: false,
      network: { defaultAction: "Deny", ipRules: [], subnetIds: [] },
      filesystems: [
        { name: "raw", folders: [] },
        { name: "curated", folders: ["sales", "finance"] },
      ],
    });
  });

  it("reads scalar keys given as the strings Pulumi passes", () => {
    const cfg = parseStackConfig(
      toPulumiValues({ ...BASE_CONFIG, "adls-migration:sharedKeyAccess": "true", "adls-migration:softDeleteDays": "30" }),
    );
    expect(cfg.sharedKeyAccess).toBe(true);
    expect(cfg.softDeleteDays).toBe(30);
  });

  it("defaults protect to true for prod only", () => {
    expect(parseStackConfig(toPulumiValues({ ...BASE_CONFIG, "adls-migration:environment": "prod" })).protect).toBe(true);
    expect(
      parseStackConfig(toPulumiValues({ ...BASE_CONFIG, "adls-migration:environment": "prod", "adls-migration:protect": false })).protect,
    ).toBe(false);
  });

  it.each([
    ["adls-migration:redundancy", "XYZ", 'adls-migration:redundancy: "XYZ" is not one of LRS, ZRS, GRS, RAGRS, GZRS, RAGZRS'],
    ["adls-migration:pattern", "big-bang", 'adls-migration:pattern: "big-bang" is not one of lift-and-shift, incremental, dual-pipeline, bidirectional-sync'],
    ["adls-migration:environment", "qa", 'adls-migration:environment: "qa" is not one of dev, test, prod'],
    ["adls-migration:namePrefix", "Contoso!", 'adls-migration:namePrefix: "Contoso!" is not valid'],
    ["adls-migration:accountName", "ab", 'adls-migration:accountName: "ab" is not valid: 3-24 lowercase letters and digits'],
    ["adls-migration:softDeleteDays", "0", "adls-migration:softDeleteDays: 0 is below the minimum 1"],
    ["adls-migration:softDeleteDays", "400", "adls-migration:softDeleteDays: 400 is above the maximum 365"],
    ["adls-migration:sharedKeyAccess", "yes", 'adls-migration:sharedKeyAccess: "yes" is not a boolean'],
    ["adls-migration:network", { defaultAction: "Open" }, 'adls-migration:network.defaultAction: "Open" is not one of Deny, Allow'],
    ["adls-migration:network", { ipRules: ["10.0.0.0/33"] }, 'adls-migration:network.ipRules[0]: "10.0.0.0/33" is not valid'],
    ["adls-migration:network", { subnetIds: ["subnet-1"] }, 'adls-migration:network.subnetIds[0]: "subnet-1" is not valid'],
    ["adls-migration:tpyo", "x", "adls-migration:tpyo: unknown key"],
    ["adls-migration:tags", { Environment: "prod" }, "adls-migration:tags.Environment: is set by the stack itself"],
    ["adls-migration:tags", { "policy-waiver-shared-key-access": "because" }, "adls-migration:tags.policy-waiver-shared-key-access: is set by the stack"],
  ])("rejects %s = %j", (key, value, message) => {
    const problems = problemsFor({ [key]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it.each([
    ["Raw", "uppercase"],
    ["ab", "too short"],
    ["-raw", "leading hyphen"],
    ["raw-", "trailing hyphen"],
    ["raw--zone", "double hyphen"],
    ["a".repeat(64), "too long"],
  ])("rejects filesystem name %j (%s) naming its key", (name) => {
    expect(problemsFor({ "adls-migration:filesystems": [{ name }] })).toEqual([
      expect.stringMatching(/^adls-migration:filesystems\[0\]\.name: .* is not valid: 3-63 characters, lowercase letters, digits and single hyphens/),
    ]);
  });

  it("rejects duplicate filesystems, unsafe folder paths and an empty list", () => {
    expect(problemsFor({ "adls-migration:filesystems": [{ name: "raw" }, { name: "raw" }] })).toEqual([
      'adls-migration:filesystems[1].name: "raw" is declared twice',
    ]);
    expect(problemsFor({ "adls-migration:filesystems": [{ name: "raw", folders: ["a/../b", "/abs"] }] })).toHaveLength(2);
    expect(problemsFor({ "adls-migration:filesystems": [] })).toEqual(["adls-migration:filesystems: needs at least one filesystem"]);
  });

  it("reports every missing required key at once", () => {
    const problems = problemsFor({
      "adls-migration:pattern": undefined,
      "adls-migration:namePrefix": undefined,
      "azure-native:location": undefined,
      "adls-migration:filesystems": undefined,
    });
    expect(problems.map((p) => p.split(":").slice(0, 2).join(":"))).toEqual(
      expect.arrayContaining(["adls-migration:pattern", "adls-migration:namePrefix", "adls-migration:location", "adls-migration:filesystems"]),
    );
    expect(problems.every((p) => p.includes("is required"))).toBe(true);
  });

  it("rejects lifecycle tiers the account cannot have", () => {
    expect(problemsFor({ "adls-migration:lifecycle": { archiveAfterDays: 90 } })).toEqual([
      'adls-migration:lifecycle.archiveAfterDays: the Archive tier is not available with redundancy "ZRS"; it needs LRS, GRS or RAGRS',
    ]);
    expect(parseStackConfig(toPulumiValues({ ...BASE_CONFIG, "adls-migration:lifecycle": { archiveAfterDays: 90 }, "adls-migration:redundancy": "GRS" })).lifecycle).toMatchObject({
      archiveAfterDays: 90,
    });
    expect(
      problemsFor({ "adls-migration:performance": "premium", "adls-migration:redundancy": "LRS", "adls-migration:lifecycle": { coolAfterDays: 30, deleteAfterDays: 90 } }),
    ).toEqual(['adls-migration:lifecycle.coolAfterDays: is not available with performance "premium" (no access tiers); only deleteAfterDays is']);
  });

  it("refuses a schedule time zone: every trigger is a tumbling window, whose times are UTC only", () => {
    const migration = { ...(BASE_CONFIG["adls-migration:migration"] as Record<string, unknown>) };
    const schedule = { frequency: "Hour", interval: 1, startTime: "2026-12-01T00:00:00Z", timeZone: "W. Europe Standard Time" };
    expect(problemsFor({ "adls-migration:migration": { ...migration, schedule } })).toEqual([
      'adls-migration:migration.schedule.timeZone: unknown key',
    ]);
  });

  it("rejects a dfs private endpoint without a blob one", () => {
    const subnetId = "/subscriptions/1/resourceGroups/n/providers/Microsoft.Network/virtualNetworks/v/subnets/s";
    expect(problemsFor({ "adls-migration:network": { privateEndpoints: { subnetId, services: ["dfs"] } } })).toEqual([
      expect.stringMatching(/^adls-migration:network\.privateEndpoints\.services: a dfs private endpoint needs a blob one too/),
    ]);
  });

  it("rejects premium performance with a geo-redundant sku", () => {
    expect(problemsFor({ "adls-migration:performance": "premium", "adls-migration:redundancy": "GRS" })).toEqual([
      expect.stringContaining('adls-migration:redundancy: "GRS" is not available with performance "premium"'),
    ]);
  });

  it("reports cross-key problems together with invalid values, not in a second round", () => {
    expect(
      problemsFor({
        "adls-migration:redundancy": "XYZ",
        "adls-migration:access": [{ principal: { group: "dl-readers", create: true }, role: "Reader", scope: "filesystem:archive" }],
      }),
    ).toEqual([
      'adls-migration:redundancy: "XYZ" is not one of LRS, ZRS, GRS, RAGRS, GZRS, RAGZRS',
      'adls-migration:access[0].scope: filesystem "archive" is not declared under filesystems',
    ]);
  });

  it("puts all problems in one message without a stack trace", () => {
    try {
      parseStackConfig(toPulumiValues({ ...BASE_CONFIG, "adls-migration:redundancy": "XYZ", "adls-migration:pattern": "x" }));
      throw new Error("accepted");
    } catch (err) {
      const message = (err as Error).message;
      expect(message.split("\n")).toEqual([
        "Invalid stack configuration:",
        expect.stringContaining("adls-migration:pattern:"),
        expect.stringContaining("adls-migration:redundancy:"),
      ]);
      expect(message).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });
});
