import { parseStackConfig } from "../../components/config/load";
import type { Plan, PlannedResource } from "../../scripts/plan/runtime";
import { BASE_CONFIG, configProblems, ofType, one, planWith, toPulumiValues } from "../support/plan";

const FOLDERS = [
  { source: "/raw/sales", filesystem: "raw", target: "sales", writer: "gen1" },
  { source: "/curated/finance", filesystem: "curated", target: "finance", writer: "gen2" },
];
/** Fixed past start dates: allowBackfill keeps the guard (which reads the clock) from refusing them as time passes. */
const SCHEDULE = { frequency: "Hour", interval: 1, startTime: "2026-12-01T00:00:00Z", allowBackfill: true };

/** A bidirectional window starts no earlier than the folder's `since` (its flip). */
const WINDOW_SINCE = {
  modifiedDatetimeStart: {
    type: "Expression",
    value: "@if(less(ticks(pipeline().parameters.windowStart), ticks(item().since)), item().since, pipeline().parameters.windowStart)",
  },
  modifiedDatetimeEnd: { type: "Expression", value: "@pipeline().parameters.windowEnd" },
};

function migration(extra: Record<string, unknown> = {}) {
  return { folders: FOLDERS, schedule: SCHEDULE, ...extra };
}

/** Where the Gen1 account lives: needed by the patterns that write to Gen1. */
const GEN1_LOCATION = { subscriptionId: "22222222-3333-4444-5555-666666666666", resourceGroupName: "contoso-gen1" };

async function planPattern(pattern: string, extra: Record<string, unknown> = {}): Promise<Plan> {
  return planWith({
    "adls-migration:pattern": pattern,
    "adls-migration:source": { accountName: "contosogen1", auth: "managedIdentity", ...GEN1_LOCATION },
    "adls-migration:migration": migration(pattern === "dual-pipeline" ? { ingest: { filesystem: "raw", path: "landing" }, ...extra } : extra),
  });
}

const names = (plan: Plan, type: string, key: string) => ofType(plan, `azure-native:datafactory:${type}`).map((r) => r.inputs[key]).sort();

type Json = Record<string, unknown>;
/** Every Copy activity of a planned pipeline, inside ForEach loops or not. */
function copies(pipeline: PlannedResource): Json[] {
  const walk = (acts: Json[]): Json[] =>
    acts.flatMap((a) => (a.type === "ForEach" ? walk(a.activities as Json[]) : a.type === "Copy" ? [a] : []));
  return walk(pipeline.inputs.activities as Json[]);
}
function pipeline(plan: Plan, name: string): PlannedResource {
  const found = ofType(plan, "azure-native:datafactory:Pipeline").find((p) => p.inputs.pipelineName === name);
  if (!found) throw new Error(`no pipeline ${name}`);
  return found;
}
function trigger(plan: Plan, name: string): Json {
  const found = ofType(plan, "azure-native:datafactory:Trigger").find((p) => p.inputs.triggerName === name);
  if (!found) throw new Error(`no trigger ${name}`);
  return found.inputs.properties as Json;
}

const GEN1_TO_GEN2_COPY = {
  type: "Copy",
  source: { type: "BinarySource", storeSettings: { type: "AzureDataLakeStoreReadSettings", recursive: true } },
  sink: { type: "BinarySink", storeSettings: { type: "AzureBlobFSWriteSettings", copyBehavior: "PreserveHierarchy" } },
  preserve: ["ACL", "Owner", "Group"],
  dataIntegrationUnits: 32,
  validateDataConsistency: true,
  skipErrorFile: { fileMissing: true, fileForbidden: false, invalidFileName: false, dataInconsistency: false },
  inputs: [{ type: "DatasetReference", referenceName: "Gen1Binary", parameters: { folderPath: { type: "Expression", value: "@item().source" } } }],
  outputs: [
    {
      type: "DatasetReference",
      referenceName: "Gen2Binary",
      parameters: { fileSystem: { type: "Expression", value: "@item().filesystem" }, folderPath: { type: "Expression", value: "@item().target" } },
    },
  ],
};
/** Copies against live writers (incremental, dual-pipeline, bidirectional-sync) skip files that change during the copy. */
const LIVE_GEN1_TO_GEN2_COPY = { ...GEN1_TO_GEN2_COPY, skipErrorFile: { ...GEN1_TO_GEN2_COPY.skipErrorFile, dataInconsistency: true } };
const WINDOW = {
  modifiedDatetimeStart: { type: "Expression", value: "@pipeline().parameters.windowStart" },
  modifiedDatetimeEnd: { type: "Expression", value: "@pipeline().parameters.windowEnd" },
};

describe("MigrationFactory pipelines and triggers per pattern", () => {
  it("lift-and-shift: full-copy only, no trigger, ForEach over the folders into a preserving binary Copy", async () => {
    const plan = await planPattern("lift-and-shift");
    expect(names(plan, "Pipeline", "pipelineName")).toEqual(["catch-up", "full-copy"]);
    expect(ofType(plan, "azure-native:datafactory:Trigger")).toHaveLength(0);
    expect(plan.outputs).toMatchObject({ pipelines: ["full-copy", "catch-up"], triggers: [] });

    const full = pipeline(plan, "full-copy");
    expect(full.inputs.parameters).toEqual({
      folders: {
        type: "Array",
        defaultValue: [
          { source: "raw/sales", filesystem: "raw", target: "sales" },
          { source: "curated/finance", filesystem: "curated", target: "finance" },
        ],
      },
    });
    const [loop] = full.inputs.activities as Json[];
    expect(loop).toMatchObject({ type: "ForEach", isSequential: false, items: { type: "Expression", value: "@pipeline().parameters.folders" } });
    const [copy] = copies(full);
    expect(copy).toMatchObject(GEN1_TO_GEN2_COPY);
    expect((copy.source as Json).storeSettings).not.toHaveProperty("modifiedDatetimeStart");
  });

  it("incremental: full-copy + incremental-copy fed by a tumbling window", async () => {
    const plan = await planPattern("incremental");
    expect(names(plan, "Pipeline", "pipelineName")).toEqual(["catch-up", "full-copy", "incremental-copy"]);
    expect(names(plan, "Trigger", "triggerName")).toEqual(["incremental-window"]);
    const [copy] = copies(pipeline(plan, "incremental-copy"));
    expect(copy).toMatchObject({ ...LIVE_GEN1_TO_GEN2_COPY, source: { type: "BinarySource", storeSettings: { ...WINDOW, recursive: true } } });
    expect(pipeline(plan, "incremental-copy").inputs.parameters).toMatchObject({ windowStart: { type: "String" }, windowEnd: { type: "String" } });
    expect(trigger(plan, "incremental-window")).toEqual({
      type: "TumblingWindowTrigger",
      description: expect.any(String),
      pipeline: {
        pipelineReference: { type: "PipelineReference", referenceName: "incremental-copy" },
        parameters: { windowStart: "@trigger().outputs.windowStartTime", windowEnd: "@trigger().outputs.windowEndTime" },
      },
      frequency: "Hour",
      interval: 1,
      startTime: "2026-12-01T00:00:00.000Z",
      maxConcurrency: 1,
      retryPolicy: { count: 3, intervalInSeconds: 300 },
    });
  });

  it("dual-pipeline: full-copy + ingest-dual with two parallel copies from one landing path + tumbling window trigger", async () => {
    const plan = await planPattern("dual-pipeline");
    expect(names(plan, "Pipeline", "pipelineName")).toEqual(["catch-up", "full-copy", "ingest-dual"]);
    expect(names(plan, "Trigger", "triggerName")).toEqual(["ingest-window"]);
    const [toGen1, toGen2] = copies(pipeline(plan, "ingest-dual"));
    const landing = { type: "DatasetReference", referenceName: "Gen2Binary", parameters: { fileSystem: { value: "raw" }, folderPath: { value: "@item().landing" } } };
    expect(toGen1).toMatchObject({ name: "LandInGen1", inputs: [landing], outputs: [{ referenceName: "Gen1Binary" }], sink: { storeSettings: { type: "AzureDataLakeStoreWriteSettings" } } });
    expect(toGen2).toMatchObject({ name: "LandInGen2", inputs: [landing], outputs: [{ referenceName: "Gen2Binary" }], sink: { storeSettings: { type: "AzureBlobFSWriteSettings" } } });
    expect(toGen1).not.toHaveProperty("dependsOn");
    expect(toGen2).not.toHaveProperty("dependsOn");
    // Landed data takes the targets' default ACLs; ADF cannot preserve into Gen1 anyway.
    expect(toGen1).not.toHaveProperty("preserve");
    expect(toGen2).not.toHaveProperty("preserve");
    expect((pipeline(plan, "ingest-dual").inputs.parameters as Json).folders).toMatchObject({ defaultValue: [{ landing: "landing/sales" }, { landing: "landing/finance" }] });
    // A tumbling window backfills and retries: files landed while the trigger was stopped or a run failed are still copied.
    expect(trigger(plan, "ingest-window")).toEqual({
      type: "TumblingWindowTrigger",
      description: expect.any(String),
      pipeline: {
        pipelineReference: { type: "PipelineReference", referenceName: "ingest-dual" },
        parameters: { windowStart: "@trigger().outputs.windowStartTime", windowEnd: "@trigger().outputs.windowEndTime" },
      },
      frequency: "Hour",
      interval: 1,
      startTime: "2026-12-01T00:00:00.000Z",
      maxConcurrency: 1,
      retryPolicy: { count: 3, intervalInSeconds: 300 },
    });
  });

  it("bidirectional-sync: one incremental pipeline and one tumbling window per direction, each folder only from its writer", async () => {
    const plan = await planPattern("bidirectional-sync");
    expect(names(plan, "Pipeline", "pipelineName")).toEqual(["catch-up", "sync-gen1-to-gen2", "sync-gen2-to-gen1"]);
    expect(names(plan, "Trigger", "triggerName")).toEqual(["sync-gen1-to-gen2-window", "sync-gen2-to-gen1-window"]);
    const folderNames = (p: string) => ((pipeline(plan, p).inputs.parameters as Json).folders as { defaultValue: { target: string }[] }).defaultValue.map((f) => f.target);
    expect(folderNames("sync-gen1-to-gen2")).toEqual(["sales"]);
    expect(folderNames("sync-gen2-to-gen1")).toEqual(["finance"]);

    expect(copies(pipeline(plan, "sync-gen1-to-gen2"))[0]).toMatchObject({ ...LIVE_GEN1_TO_GEN2_COPY, source: { storeSettings: WINDOW_SINCE } });
    const [back] = copies(pipeline(plan, "sync-gen2-to-gen1"));
    expect(back).toMatchObject({
      source: { type: "BinarySource", storeSettings: { type: "AzureBlobFSReadSettings", recursive: true, ...WINDOW_SINCE } },
      sink: { type: "BinarySink", storeSettings: { type: "AzureDataLakeStoreWriteSettings", copyBehavior: "PreserveHierarchy" } },
      inputs: [{ referenceName: "Gen2Binary" }],
      outputs: [{ referenceName: "Gen1Binary" }],
    });
    // ADF only preserves ACLs/owner/group into Gen2.
    expect(back).not.toHaveProperty("preserve");
    expect(trigger(plan, "sync-gen2-to-gen1-window")).toMatchObject({ type: "TumblingWindowTrigger", pipeline: { pipelineReference: { referenceName: "sync-gen2-to-gen1" } } });
  });

  it("copy settings reach every Copy: DIU, parallel copies, fault tolerance, session logs to a Gen2 filesystem", async () => {
    const plan = await planPattern("incremental", {
      copy: { dataIntegrationUnits: 256, parallelCopies: 50, preserve: ["ACL"], skipErrorFile: { dataInconsistency: true }, logFilesystem: "curated", logPath: "logs/adf", logLevel: "Info" },
    });
    for (const copy of ["full-copy", "incremental-copy"].flatMap((p) => copies(pipeline(plan, p)))) {
      expect(copy).toMatchObject({
        dataIntegrationUnits: 256,
        parallelCopies: 50,
        preserve: ["ACL"],
        skipErrorFile: { fileMissing: true, dataInconsistency: true },
        logSettings: {
          enableCopyActivityLog: true,
          copyActivityLogSettings: { logLevel: "Info" },
          logLocationSettings: { linkedServiceName: { type: "LinkedServiceReference", referenceName: "Gen2Store" }, path: "curated/logs/adf" },
        },
      });
    }
  });

  it("linked services: Gen1 AzureDataLakeStore and Gen2 AzureBlobFS on the factory identity, no key anywhere", async () => {
    const plan = await planPattern("incremental");
    const ls = Object.fromEntries(ofType(plan, "azure-native:datafactory:LinkedService").map((r) => [r.inputs.linkedServiceName, r.inputs.properties]));
    expect(ls).toEqual({
      Gen1Store: { type: "AzureDataLakeStore", description: expect.any(String), dataLakeStoreUri: "https://contosogen1.azuredatalakestore.net/webhdfs/v1", ...GEN1_LOCATION },
      Gen2Store: { type: "AzureBlobFS", description: expect.any(String), url: `https://${String(plan.outputs.accountName)}.dfs.core.windows.net/` },
    });
    const factory = one(plan, "azure-native:datafactory:Factory");
    expect(factory.inputs.identity).toEqual({ type: "SystemAssigned" });
    const grant = one(plan, "azure-native:authorization:RoleAssignment");
    expect(grant.inputs).toMatchObject({
      scope: plan.outputs.accountId,
      principalType: "ServicePrincipal",
      roleDefinitionId: "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
      principalId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(JSON.stringify(plan.resources)).not.toMatch(/accountKey|sasToken|SecureString|"secret"|password/i);
    expect(plan.outputs).toMatchObject({ factoryName: expect.stringMatching(/^contoso-dev-migration-[0-9a-f]{6}$/), factoryId: expect.stringContaining("/providers/Microsoft.DataFactory/factories/") });
  });

  it("service principal: Key Vault linked service + AzureKeyVaultSecret reference; a created vault holds the secret only as a Pulumi secret", async () => {
    const sp = {
      accountName: "contosogen1",
      auth: "servicePrincipal",
      clientId: "11111111-2222-3333-4444-555555555555",
      tenantId: "66666666-7777-8888-9999-000000000000",
      keyVault: { name: "kv-contoso-mig", create: true, secretValue: "s3cr3t-value-never-printed" },
      secretName: "gen1-sp",
    };
    const plan = await planWith({ "adls-migration:source": sp }, { secretKeys: ["adls-migration:source"] });
    const ls = Object.fromEntries(ofType(plan, "azure-native:datafactory:LinkedService").map((r) => [r.inputs.linkedServiceName, r.inputs.properties]));
    expect(ls.KeyVault).toMatchObject({ type: "AzureKeyVault", baseUrl: "https://kv-contoso-mig.vault.azure.net/" });
    expect(ls.Gen1Store).toMatchObject({
      type: "AzureDataLakeStore",
      servicePrincipalId: sp.clientId,
      tenant: sp.tenantId,
      servicePrincipalKey: { type: "AzureKeyVaultSecret", secretName: "gen1-sp", store: { type: "LinkedServiceReference", referenceName: "KeyVault" } },
    });
    expect(one(plan, "azure-native:keyvault:Vault").inputs.properties).toMatchObject({ enableRbacAuthorization: true, enablePurgeProtection: true });
    // The secret value makes the whole properties input secret.
    expect(one(plan, "azure-native:keyvault:Secret").inputs).toMatchObject({ secretName: "gen1-sp", properties: "[secret]" });
    const kvGrant = ofType(plan, "azure-native:authorization:RoleAssignment").find((r) => String(r.inputs.roleDefinitionId).endsWith("4633458b-17de-408a-b874-0445c86b69e6"));
    expect(kvGrant?.inputs.scope).toContain("/providers/Microsoft.KeyVault/vaults/kv-contoso-mig");
    expect(JSON.stringify(plan)).not.toContain("s3cr3t-value-never-printed");
  });

  it.each(["lift-and-shift", "incremental", "dual-pipeline", "bidirectional-sync"])("%s: a catch-up pipeline copies exactly the files of a Gen1 file list per folder, preserving, on demand", async (pattern) => {
    const plan = await planPattern(pattern);
    const catchUp = pipeline(plan, "catch-up");
    expect(catchUp.inputs.parameters).toEqual({ lists: { type: "Array", defaultValue: [] } });
    const [forEach] = catchUp.inputs.activities as Json[];
    expect(forEach).toMatchObject({ type: "ForEach", isSequential: false, items: { type: "Expression", value: "@pipeline().parameters.lists" } });
    const [copy] = copies(catchUp);
    expect(copy).toMatchObject({
      ...GEN1_TO_GEN2_COPY,
      skipErrorFile: expect.objectContaining({ fileMissing: true }),
      source: { type: "BinarySource", storeSettings: { type: "AzureDataLakeStoreReadSettings", fileListPath: { type: "Expression", value: "@item().fileListPath" } } },
    });
    // recursive and the modified-time window do not apply beside a file list (ADF connector docs): none is sent.
    expect(Object.keys((copy.source as Json).storeSettings as Json).sort()).toEqual(["fileListPath", "type"]);
    for (const t of ofType(plan, "azure-native:datafactory:Trigger")) expect(JSON.stringify(t.inputs)).not.toContain("catch-up");
    expect(plan.outputs.pipelines).toContain("catch-up");
  });
});

describe("migration config errors name the key", () => {
  it.each([
    [
      "a folder filesystem not declared under filesystems",
      { "adls-migration:migration": migration({ folders: [{ source: "/x", filesystem: "archive", target: "x" }] }) },
      'adls-migration:migration.folders[0].filesystem: filesystem "archive" is not declared under adls-migration:filesystems (declared: raw, curated)',
    ],
    [
      "a bidirectional folder without a writer",
      { "adls-migration:pattern": "bidirectional-sync", "adls-migration:migration": migration({ folders: [{ source: "/x", filesystem: "raw", target: "x" }] }) },
      "adls-migration:migration.folders[0].writer: is required for pattern bidirectional-sync: gen1 or gen2",
    ],
    ["DIU below 2", { "adls-migration:migration": migration({ copy: { dataIntegrationUnits: 1 } }) }, "adls-migration:migration.copy.dataIntegrationUnits: 1 is below the minimum 2"],
    ["DIU above 256", { "adls-migration:migration": migration({ copy: { dataIntegrationUnits: 300 } }) }, "adls-migration:migration.copy.dataIntegrationUnits: 300 is above the maximum 256"],
    [
      "a tumbling window below 15 minutes",
      { "adls-migration:migration": migration({ schedule: { ...SCHEDULE, frequency: "Minute", interval: 5 } }) },
      "adls-migration:migration.schedule.interval: 5 minutes is below the tumbling window minimum of 15 minutes",
    ],
    [
      "a frequency tumbling windows do not have",
      {
        "adls-migration:pattern": "bidirectional-sync",
        "adls-migration:source": { accountName: "contosogen1", ...GEN1_LOCATION },
        "adls-migration:migration": migration({ schedule: { ...SCHEDULE, frequency: "Week" } }),
      },
      'adls-migration:migration.schedule.frequency: "Week" is not available for the tumbling window trigger of pattern bidirectional-sync; one of Minute, Hour, Month',
    ],
    ["a trigger pattern without schedule", { "adls-migration:migration": { folders: FOLDERS } }, "adls-migration:migration.schedule: is required for pattern incremental"],
    [
      "dual-pipeline without ingest",
      { "adls-migration:pattern": "dual-pipeline", "adls-migration:source": { accountName: "contosogen1", ...GEN1_LOCATION } },
      "adls-migration:migration.ingest: is required for pattern dual-pipeline",
    ],
    [
      "a Gen1 sink without the Gen1 account's subscription",
      {
        "adls-migration:pattern": "bidirectional-sync",
        "adls-migration:source": { accountName: "contosogen1", resourceGroupName: "contoso-gen1" },
        "adls-migration:migration": migration(),
      },
      "adls-migration:source.subscriptionId: is required when pattern bidirectional-sync writes to Gen1",
    ],
    ["a relative Gen1 path", { "adls-migration:migration": migration({ folders: [{ source: "raw", filesystem: "raw", target: "x" }] }) }, 'adls-migration:migration.folders[0].source: "raw" is not valid'],
    ["an unknown auth", { "adls-migration:source": { accountName: "contosogen1", auth: "key" } }, 'adls-migration:source.auth: "key" is not one of managedIdentity, servicePrincipal'],
    [
      "a service principal without its vault",
      { "adls-migration:source": { accountName: "contosogen1", auth: "servicePrincipal", clientId: "11111111-2222-3333-4444-555555555555", tenantId: "66666666-7777-8888-9999-000000000000", secretName: "s" } },
      "adls-migration:source.keyVault: is required",
    ],
    [
      "an existing vault without its resource group",
      {
        "adls-migration:source": {
          accountName: "contosogen1",
          auth: "servicePrincipal",
          clientId: "11111111-2222-3333-4444-555555555555",
          tenantId: "66666666-7777-8888-9999-000000000000",
          secretName: "s",
          keyVault: { name: "kv-x1" },
        },
      },
      "adls-migration:source.keyVault.resourceGroup: is required for an existing vault",
    ],
  ])("rejects %s", (_label, overrides, message) => {
    const problems = configProblems(overrides);
    expect(problems).toEqual([expect.stringContaining(message)]);
  });

  it("says source and migration are required for every pattern", () => {
    expect(configProblems({ "adls-migration:source": undefined, "adls-migration:migration": undefined })).toEqual([
      expect.stringMatching(/^adls-migration:source: is required for every pattern/),
      expect.stringMatching(/^adls-migration:migration: is required for every pattern/),
    ]);
  });

  it("accepts the issue's documented shape as written", () => {
    const cfg = parseStackConfig(
      toPulumiValues({
        ...BASE_CONFIG,
        "adls-migration:migration": {
          folders: [{ source: "/raw/sales", filesystem: "raw", target: "sales", writer: "gen1" }],
          copy: { dataIntegrationUnits: 32, preserve: ["ACL", "Owner", "Group"] },
          schedule: { frequency: "Hour", interval: 1, startTime: "2026-12-01T00:00:00Z", allowBackfill: true },
        },
      }),
    );
    expect(cfg.migration.copy).toMatchObject({ dataIntegrationUnits: 32, validateDataConsistency: true, folderConcurrency: 4 });
    expect(cfg.source).toEqual({ accountName: "contosogen1", auth: "managedIdentity" });
  });
});
