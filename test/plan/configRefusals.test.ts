import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parseStackConfig } from "../../components/config/load";
import { runScript } from "../support/cli";
import { BASE_CONFIG, configProblems, toPulumiValues } from "../support/plan";

/** A stack file written as YAML text, so that YAML nulls and bare keys reach the reader as a user writes them. */
function stackFileText(yaml: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "cfg-")), "Pulumi.probe.yaml");
  writeFileSync(file, yaml);
  return file;
}

const BASE_YAML = `config:
  azure-native:location: westeurope
  adls-migration:environment: dev
  adls-migration:pattern: lift-and-shift
  adls-migration:namePrefix: contoso
  adls-migration:filesystems: [{ name: raw }]
  adls-migration:source: { accountName: contosogen1 }
  adls-migration:migration: { folders: [{ source: /raw, filesystem: raw, target: data }] }
`;

describe("YAML null", () => {
  it("is refused naming the key, for scalar and nested keys", () => {
    expect(configProblems({ "adls-migration:location": null })).toEqual([
      "adls-migration:location: is null (YAML null, ~ or a key with no value); give it a value or remove the key",
    ]);
    const migration = BASE_CONFIG["adls-migration:migration"] as Record<string, unknown>;
    expect(configProblems({ "adls-migration:migration": { ...migration, schedule: { ...(migration.schedule as object), startTime: null } } })).toEqual([
      expect.stringMatching(/^adls-migration:migration\.schedule\.startTime: is null/),
    ]);
    expect(configProblems({ "adls-migration:filesystems": [{ name: "raw" }, null] })).toEqual([expect.stringMatching(/^adls-migration:filesystems\[1\]: is null/)]);
  });

  it("exits 2 from npm run plan for `location: null` in a stack file", () => {
    const res = runScript("plan.ts", ["--config-file", stackFileText(`${BASE_YAML}  adls-migration:location: null\n  adls-migration:redundancy:\n`)]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("adls-migration:location: is null");
    expect(res.stderr).toContain("adls-migration:redundancy: is null");
    expect(res.stdout).toBe("");
  });
});

describe("keys outside the namespaces the program reads", () => {
  it.each([
    ["redundancy", "GZRS", "redundancy: has no namespace, so Pulumi does not pass it to the program (keys are <namespace>:<name>); did you mean adls-migration:redundancy?"],
    ["adls-migraton:redundancy", "LRS", 'adls-migraton:redundancy: namespace "adls-migraton" is not read by this program (it reads adls-migration, azure-native, azuread, pulumi); did you mean adls-migration:redundancy?'],
    ["azure-nativ:location", "westeurope", 'azure-nativ:location: namespace "azure-nativ" is not read by this program (it reads adls-migration, azure-native, azuread, pulumi); did you mean azure-native:location?'],
    ["aws:region", "us-east-1", 'aws:region: namespace "aws" is not read by this program (it reads adls-migration, azure-native, azuread, pulumi)'],
    ["adls-migration:redundnacy", "LRS", "adls-migration:redundnacy: unknown key; did you mean adls-migration:redundancy?"],
  ])("refuses %s naming it", (key, value, message) => {
    expect(configProblems({ [key]: value })).toEqual([message]);
  });

  it("keeps provider and engine keys", () => {
    const values = toPulumiValues({ ...BASE_CONFIG, "azure-native:subscriptionId": "00000000-0000-0000-0000-000000000000", "azuread:tenantId": "t", "pulumi:disable-default-providers": '["*"]' });
    expect(parseStackConfig(values).location).toBe("westeurope");
  });

  it("exits 2 from npm run plan for a bare key in a stack file", () => {
    const res = runScript("plan.ts", ["--config-file", stackFileText(`${BASE_YAML}  redundancy: GZRS\n`)]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("redundancy: has no namespace");
    expect(res.stderr).toContain("did you mean adls-migration:redundancy?");
  });
});

describe("plaintext secrets", () => {
  const source = {
    accountName: "contosogen1",
    auth: "servicePrincipal",
    clientId: "11111111-2222-3333-4444-555555555555",
    tenantId: "66666666-7777-8888-9999-000000000000",
    keyVault: { name: "kv-contoso-mig", create: true, secretValue: "s3cr3t" },
    secretName: "gen1-sp",
  };
  const command = "pulumi config set --secret --path 'adls-migration:source.keyVault.secretValue' <value>";

  it("refuses a clear-text secretValue with the command that stores it as a secret", () => {
    expect(configProblems({ "adls-migration:source": source })).toEqual([
      `adls-migration:source.keyVault.secretValue: is a secret written in clear text; remove it from the stack file and run: ${command}`,
    ]);
    expect(parseStackConfig(toPulumiValues({ ...BASE_CONFIG, "adls-migration:source": source }), ["adls-migration:source"]).source).toMatchObject({ secretName: "gen1-sp" });
  });

  it("npm run plan exits 2 for the clear-text value and accepts the secure: form", () => {
    const sourceYaml = (secret: string) =>
      `${BASE_YAML.replace(/ {2}adls-migration:source: .*\n/, "")}  adls-migration:source:\n    accountName: contosogen1\n    auth: servicePrincipal\n` +
      `    clientId: ${source.clientId}\n    tenantId: ${source.tenantId}\n    secretName: gen1-sp\n    keyVault:\n      name: kv-contoso-mig\n      create: true\n      secretValue: ${secret}\n`;
    const clear = runScript("plan.ts", ["--config-file", stackFileText(sourceYaml("s3cr3t"))]);
    expect(clear.code).toBe(2);
    expect(clear.stderr).toContain(command);
    const secure = runScript("plan.ts", ["--config-file", stackFileText(sourceYaml("\n        secure: v1:AAABAHh0ZXh0"))]);
    expect(secure.stderr).toBe("");
    expect(secure.code).toBe(0);
  });
});

describe("acls checked against filesystems and access at plan time", () => {
  const access = [
    { principal: { group: "dl-readers", create: true }, role: "Storage Blob Data Reader", scope: "account" },
    { principal: { user: "ana@contoso.com" }, role: "Storage Blob Data Reader", scope: "filesystem:raw" },
    { principal: { servicePrincipal: "etl-app" }, role: "Storage Blob Data Contributor", scope: "filesystem:raw" },
  ];
  const acls = (entries: Record<string, unknown>[], path = "raw/sales") => ({ "adls-migration:access": access, "adls-migration:acls": { rules: [{ path, entries }] } });

  it("accepts entries naming granted groups, users, service principals, and any object id", () => {
    const values = toPulumiValues({
      ...BASE_CONFIG,
      ...acls([
        { group: "dl-readers", permissions: "r-x" },
        { user: "ana@contoso.com", permissions: "r-x" },
        { user: "etl-app", permissions: "rwx" },
        { objectId: "0b5e4a9c-1111-2222-3333-444455556666", type: "group", permissions: "r-x" },
      ]),
    });
    expect(parseStackConfig(values).acls?.rules[0].entries).toHaveLength(4);
  });

  it("refuses a rule on an undeclared filesystem", () => {
    expect(configProblems(acls([{ group: "dl-readers", permissions: "r-x" }], "archive/2020"))).toEqual([
      'adls-migration:acls.rules[0].path: filesystem "archive" is not declared under adls-migration:filesystems (declared: raw, curated)',
    ]);
  });

  it("refuses names the access grants do not produce, and a group name used as a user", () => {
    expect(configProblems(acls([{ group: "DL-Readers", permissions: "r-x" }, { user: "dl-readers", permissions: "r-x" }]))).toEqual([
      'adls-migration:acls.rules[0].entries[0].group: "DL-Readers" is not a group that adls-migration:access grants produce (known: dl-readers); names match exactly, did you mean "dl-readers"?; add a grant for it under adls-migration:access, or give objectId + type',
      'adls-migration:acls.rules[0].entries[1].user: "dl-readers" is not a user or service principal that adls-migration:access grants produce (known: ana@contoso.com, etl-app); add a grant for it under adls-migration:access, or give objectId + type',
    ]);
    expect(configProblems({ "adls-migration:acls": { rules: [{ path: "raw", entries: [{ group: "dl-readers", permissions: "r-x" }] }] } })).toEqual([
      expect.stringContaining("(access names none)"),
    ]);
  });
});

describe("values Azure rejects at deploy time", () => {
  const migration = BASE_CONFIG["adls-migration:migration"] as { folders: unknown[]; schedule: Record<string, unknown> };
  const schedule = (s: Record<string, unknown>) => ({ "adls-migration:migration": { ...migration, schedule: { ...migration.schedule, ...s } } });

  it("refuses a location that is not an Azure region, suggesting the near one", () => {
    expect(configProblems({ "azure-native:location": "westeuropa" })).toEqual([
      'adls-migration:location: "westeuropa" is not an Azure region name (lowercase, no spaces, as `az account list-locations` prints it); did you mean westeurope?',
    ]);
    expect(configProblems({ "adls-migration:location": "mars" })).toEqual([expect.stringMatching(/^adls-migration:location: "mars" is not an Azure region name/)]);
    expect(parseStackConfig(toPulumiValues({ ...BASE_CONFIG, "azure-native:location": "swedencentral" })).location).toBe("swedencentral");
  });

  it.each([
    ["10.1.0.0/16", "10.0.0.0/8 (private, RFC 1918)"],
    ["192.168.4.7", "192.168.0.0/16 (private, RFC 1918)"],
    ["172.20.0.0/14", "172.16.0.0/12 (private, RFC 1918)"],
    ["100.64.1.0/24", "100.64.0.0/10 (carrier-grade NAT, RFC 6598)"],
    ["127.0.0.1", "127.0.0.0/8 (loopback, RFC 1122)"],
  ])("refuses the non-public IP rule %s", (rule, range) => {
    expect(configProblems({ "adls-migration:network": { ipRules: ["16.17.18.0/24", rule] } })).toEqual([
      `adls-migration:network.ipRules[1]: "${rule}" is in ${range}: storage IP rules admit public internet addresses only; reach the account from a private network through subnetIds or privateEndpoints`,
    ]);
  });

  it("refuses more IP and virtual network rules than a storage account holds", () => {
    const ips = Array.from({ length: 401 }, (_, i) => `20.${Math.floor(i / 256)}.${i % 256}.1`);
    const subnet = (i: number) => `/subscriptions/1/resourceGroups/n/providers/Microsoft.Network/virtualNetworks/v/subnets/s${i}`;
    expect(configProblems({ "adls-migration:network": { ipRules: ips, subnetIds: Array.from({ length: 401 }, (_, i) => subnet(i)) } })).toEqual([
      "adls-migration:network.ipRules: has 401 IP rules; a storage account allows at most 400",
      "adls-migration:network.subnetIds: has 401 virtual network rules; a storage account allows at most 400",
    ]);
    expect(parseStackConfig(toPulumiValues({ ...BASE_CONFIG, "adls-migration:network": { ipRules: ips.slice(0, 400) } })).network.ipRules).toHaveLength(400);
  });

  it("refuses tags over Azure's limits", () => {
    const many = Object.fromEntries(Array.from({ length: 46 }, (_, i) => [`t${i}`, "x"]));
    expect(configProblems({ "adls-migration:tags": many })).toEqual([
      "adls-migration:tags: has 46 tags; Azure allows 50 per resource and the stack sets up to 5 itself (managed-by, project, environment, migration-pattern, policy-waiver-shared-key-access), so at most 45",
    ]);
    expect(configProblems({ "adls-migration:tags": { "cost/center": "1", ["n".repeat(129)]: "1", owner: "v".repeat(257) } })).toEqual([
      "adls-migration:tags.cost/center: tag names can't contain < > % & \\ ? / (Azure tag limits)",
      `adls-migration:tags.${"n".repeat(129)}: tag name has 129 characters; a storage account tag name has at most 128`,
      "adls-migration:tags.owner: tag value has 257 characters; Azure allows at most 256",
    ]);
  });

  it.each([
    ["sales.", "ends in '.'"],
    ["sales/2024./q1", "segment ends in '.'"],
    ["sales/\u0007bell", "control character"],
    ["a".repeat(256), "256-character segment"],
    [Array.from({ length: 5 }, () => "b".repeat(250)).join("/"), "over 1,024 characters"],
  ])("refuses the folder name %j (%s)", (folder) => {
    expect(configProblems({ "adls-migration:filesystems": [{ name: "raw", folders: [folder] }, { name: "curated" }] })).toEqual([
      expect.stringMatching(/^adls-migration:filesystems\[0\]\.folders\[0\]: .* is not valid: .*no segment ending in '\.'.*no control characters, at most 255 characters per segment and 1,024 in all$/),
    ]);
  });

  it("accepts folder names with inner dots, spaces and non-ASCII letters", () => {
    const folders = ["v1.2/data", "Sales Reports/2024", "données/été", "a".repeat(255)];
    expect(parseStackConfig(toPulumiValues({ ...BASE_CONFIG, "adls-migration:filesystems": [{ name: "raw", folders }, { name: "curated" }] })).filesystems[0].folders).toEqual(folders);
  });

  it.each(["2026-02-30T00:00:00Z", "2026-12-01T24:00:00Z", "2026-04-31T00:00Z", "2026-12-01T10:60:00Z", "2026-12-01T10:00:60Z"])(
    "refuses the date %s that does not exist instead of shifting it",
    (startTime) => {
      expect(configProblems(schedule({ startTime }))).toEqual([
        `adls-migration:migration.schedule.startTime: "${startTime}" is not a real date and time (day within its month, hours 00-23, minutes and seconds 00-59): a UTC date-time such as 2026-12-01T00:00:00Z`,
      ]);
    },
  );

  it("refuses a delay whose minutes or seconds exceed 59", () => {
    expect(configProblems(schedule({ delay: "00:75:00" }))).toEqual([
      'adls-migration:migration.schedule.delay: "00:75:00" is not valid: a timespan [d.]hh:mm:ss such as 00:10:00, minutes and seconds 00-59',
    ]);
    expect(configProblems(schedule({ delay: "1.00:00:99" }))).toHaveLength(1);
    expect(parseStackConfig(toPulumiValues({ ...BASE_CONFIG, ...schedule({ delay: "1.02:30:00", startTime: "2028-02-29T23:59:59Z" }) })).migration.schedule).toMatchObject({ delay: "1.02:30:00" });
  });
});
