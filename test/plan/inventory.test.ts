import { BASE_CONFIG, configProblems, ofType, one, planWith } from "../support/plan";

const POLICY = "azure-native:storage:BlobInventoryPolicy";
const FILESYSTEMS = [{ name: "raw" }, { name: "curated" }, { name: "inventory" }];

describe("inventory config section", () => {
  it("deploys no policy without the section", async () => {
    expect(ofType(await planWith(), POLICY)).toEqual([]);
  });

  it("inventories a root target's whole filesystem as '<filesystem>/', not '<filesystem>//' (which matches no blob)", async () => {
    const plan = await planWith({
      "adls-migration:filesystems": FILESYSTEMS,
      "adls-migration:migration": {
        ...(BASE_CONFIG["adls-migration:migration"] as object),
        folders: [
          { source: "/raw", filesystem: "raw" },
          { source: "/curated/finance", filesystem: "curated", target: "finance" },
        ],
        // Session logs elsewhere: a root target owns its whole filesystem.
        copy: { logFilesystem: "inventory" },
      },
      "adls-migration:inventory": { destination: "inventory" },
    });
    const rules = (one(plan, POLICY).inputs.policy as { rules: { definition: { filters: { prefixMatch: string[] } } }[] }).rules;
    expect(rules[0].definition.filters.prefixMatch).toEqual(["raw/", "curated/finance/"]);
  });

  it("deploys a daily Parquet policy over the migrated targets, with the fields validate needs", async () => {
    const plan = await planWith({
      "adls-migration:filesystems": FILESYSTEMS,
      "adls-migration:migration": {
        ...(BASE_CONFIG["adls-migration:migration"] as object),
        folders: [
          { source: "/raw/sales", filesystem: "raw", target: "sales" },
          { source: "/curated/finance", filesystem: "curated", target: "finance/2024" },
        ],
      },
      "adls-migration:inventory": { destination: "inventory" },
    });
    const policy = one(plan, POLICY);
    expect(policy.inputs).toEqual({
      accountName: expect.stringMatching(/^[a-z0-9]{3,24}$/),
      resourceGroupName: expect.any(String),
      blobInventoryPolicyName: "default",
      policy: {
        enabled: true,
        type: "Inventory",
        rules: [
          {
            name: "migration",
            enabled: true,
            destination: "inventory",
            definition: {
              objectType: "Blob",
              format: "Parquet",
              schedule: "Daily",
              schemaFields: ["Name", "Content-Length", "Last-Modified", "hdi_isfolder", "Owner", "Group", "Permissions", "Acl"],
              filters: {
                blobTypes: ["blockBlob", "appendBlob"],
                // Trailing slash: "raw/sales" alone would also match raw/sales-archive.
                prefixMatch: ["raw/sales/", "curated/finance/2024/"],
                includeBlobVersions: false,
                includeSnapshots: false,
                includeDeleted: false,
              },
            },
          },
        ],
      },
    });
    expect(policy.parent).toBe("lake");
  });

  it("takes schedule, format, prefixes and acls from config, and splits more than 10 prefixes into rules", async () => {
    const prefixes = Array.from({ length: 12 }, (_, i) => `raw/p${i}/`);
    const policy = one(
      await planWith({
        "adls-migration:filesystems": FILESYSTEMS,
        "adls-migration:inventory": { destination: "inventory", schedule: "Weekly", format: "Csv", acls: false, prefixes, ruleName: "lake" },
      }),
      POLICY,
    );
    const rules = (policy.inputs.policy as { rules: { name: string; definition: { schedule: string; format: string; schemaFields: string[]; filters: { prefixMatch: string[] } } }[] }).rules;
    expect(rules.map((r) => [r.name, r.definition.filters.prefixMatch.length])).toEqual([
      ["lake1", 10],
      ["lake2", 2],
    ]);
    expect(rules[0].definition).toMatchObject({ schedule: "Weekly", format: "Csv", schemaFields: ["Name", "Content-Length", "Last-Modified", "hdi_isfolder"] });
  });

  it("names the key when the destination or a prefix names an undeclared filesystem", () => {
    expect(configProblems({ "adls-migration:inventory": { destination: "reports", prefixes: ["raw/sales/", "gold/x"] } })).toEqual([
      'adls-migration:inventory.destination: filesystem "reports" is not declared under adls-migration:filesystems (declared: raw, curated)',
      'adls-migration:inventory.prefixes[1]: starts with filesystem "gold", which is not declared under adls-migration:filesystems (declared: raw, curated)',
    ]);
  });

  it("rejects unknown schedules, formats and keys by name", () => {
    expect(configProblems({ "adls-migration:inventory": { destination: "raw", schedule: "Hourly", format: "Json", prefix: "raw" } })).toEqual([
      'adls-migration:inventory.schedule: "Hourly" is not one of Daily, Weekly',
      'adls-migration:inventory.format: "Json" is not one of Parquet, Csv',
      expect.stringMatching(/^adls-migration:inventory.*prefix/),
    ]);
  });
});
