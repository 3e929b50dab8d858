import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { stringify } from "yaml";
import { PROJECT, parseStackConfig } from "../../components/config/load";
import { listStacks, readStackConfig } from "../../scripts/lib/stackFile";
import type { Plan } from "../../scripts/plan/runtime";
import { PROJECT_DIR, runScript } from "../support/cli";
import { BASE_CONFIG, planValues } from "../support/plan";

describe("every stack file in the repo", () => {
  const stacks = listStacks(PROJECT_DIR);

  it("includes the dev stack", () => {
    expect(stacks).toContain("dev");
  });

  it.each(stacks)("Pulumi.%s.yaml validates and plans", async (stack) => {
    const { values, secretKeys } = readStackConfig({ stack, projectDir: PROJECT_DIR });
    const config = parseStackConfig(values);
    const plan = await planValues(values, { stack, secretKeys });
    expect(plan.resources.filter((r) => r.type === "azure-native:storage:StorageAccount")).toHaveLength(1);
    expect(plan.outputs.pattern).toBe(config.pattern);
  });
});

const MIGRATION = BASE_CONFIG["adls-migration:migration"] as Record<string, unknown>;

describe("npm run plan", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "plan-"));
  const stackFile = (name: string, config: Record<string, unknown>) => {
    const file = path.join(tmp, `Pulumi.${name}.yaml`);
    writeFileSync(file, stringify({ config }));
    return file;
  };

  it("prints the dev stack as JSON with the account and one container per filesystem", () => {
    const res = runScript("plan.ts", ["--stack", "dev", "--json"]);
    expect(res.stderr).not.toMatch(/error/i);
    expect(res.code).toBe(0);
    const plan = JSON.parse(res.stdout) as Plan;
    expect(plan.stack).toBe("dev");
    const accounts = plan.resources.filter((r) => r.type === "azure-native:storage:StorageAccount");
    expect(accounts).toHaveLength(1);
    expect(accounts[0].inputs).toMatchObject({
      isHnsEnabled: true,
      kind: "StorageV2",
      sku: { name: `Standard_${readStackConfig({ stack: "dev", projectDir: PROJECT_DIR }).values[`${PROJECT}:redundancy`]}` },
      minimumTlsVersion: "TLS1_2",
      allowBlobPublicAccess: false,
      enableHttpsTrafficOnly: true,
    });
    const devFilesystems = parseStackConfig(readStackConfig({ stack: "dev", projectDir: PROJECT_DIR }).values).filesystems;
    expect(plan.resources.filter((r) => r.type === "azure-native:storage:BlobContainer").map((r) => r.inputs.containerName)).toEqual(
      devFilesystems.map((f) => f.name),
    );
    expect(plan.resources.find((r) => r.type === "azure-native:storage:StorageAccount")?.parent).toBe("lake");
  });

  it("prints an indented tree by default", () => {
    const res = runScript("plan.ts", ["--stack", "dev"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^\+ pulumi:pulumi:Stack {2}adls-migration-dev$/m);
    expect(res.stdout).toMatch(/^ {4}\+ azure-native:storage:StorageAccount {2}lake$/m);
    expect(res.stdout).toMatch(/isHnsEnabled=true/);
  });

  it("hides secure config values", () => {
    const file = stackFile("secret", { ...BASE_CONFIG, "adls-migration:tags": { owner: { secure: "v1:AAAAciphertext" } } });
    const res = runScript("plan.ts", ["--config-file", file, "--json"]);
    expect(res.code).toBe(0);
    expect(res.stdout).not.toContain("ciphertext");
    expect(res.stdout).toContain("[secret]");
  });

  it.each([
    ["wrong redundancy", { "adls-migration:redundancy": "XYZ" }, 'adls-migration:redundancy: "XYZ" is not one of LRS, ZRS'],
    ["bad filesystem name", { "adls-migration:filesystems": [{ name: "Raw_Data" }] }, "adls-migration:filesystems[0].name:"],
    ["unknown pattern", { "adls-migration:pattern": "big-bang" }, 'adls-migration:pattern: "big-bang" is not one of'],
    ["missing required key", { "adls-migration:namePrefix": undefined }, "adls-migration:namePrefix: is required"],
    [
      "a Gen1 folder inside another",
      { "adls-migration:migration": { ...MIGRATION, folders: [{ source: "/raw", filesystem: "raw", target: "all" }, { source: "/raw/sales", filesystem: "curated", target: "sales" }] } },
      'adls-migration:migration.folders[1].source: Gen1 folder "/raw/sales" is inside adls-migration:migration.folders[0].source',
    ],
    [
      "an hourly start in 2001 (about 227 000 windows) without allowBackfill",
      { "adls-migration:migration": { ...MIGRATION, schedule: { frequency: "Hour", startTime: "2001-01-01T00:00:00Z" } } },
      "adls-migration:migration.schedule.allowBackfill: the first start of the trigger would run",
    ],
  ])("exits 2 on %s with the key in one message and nothing on stdout", (_label, overrides, message) => {
    const config = Object.fromEntries(Object.entries({ ...BASE_CONFIG, ...overrides }).filter(([, v]) => v !== undefined));
    const res = runScript("plan.ts", ["--config-file", stackFile("bad", config)]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe("");
    expect(res.stderr).toContain(message);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 2 for a stack without a file, listing the stacks", () => {
    const res = runScript("plan.ts", ["--stack", "nope"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/Pulumi\.nope\.yaml.*stacks here: .*dev/);
  });
});
