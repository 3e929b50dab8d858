import * as path from "path";
import { DataFactoryManagementClient, type DataFactoryManagementClientOptionalParams } from "@azure/arm-datafactory";
import { createHttpHeaders } from "@azure/core-rest-pipeline";
import { readStackConfig } from "../../scripts/lib/stackFile";
import type { Plan, PlannedResource } from "../../scripts/plan/runtime";
import { ofType, planValues } from "../support/plan";

/**
 * Sends every Data Factory object of every example stack through the real
 * ARM SDK client. Its HTTP client records the request instead of sending it,
 * so the assertions see the exact ARM body the service would receive: the
 * SDK's serializer moves fields into `typeProperties` by the service models.
 */

type HttpClient = NonNullable<DataFactoryManagementClientOptionalParams["httpClient"]>;
interface Recorded {
  method: string;
  url: string;
  body: Json;
}
// ARM bodies are free-form JSON; the assertions below are what check their shape.
type Json = Record<string, any>;

function recordingClient(): { client: DataFactoryManagementClient; requests: Recorded[] } {
  const requests: Recorded[] = [];
  const httpClient: HttpClient = {
    async sendRequest(request) {
      const text = typeof request.body === "string" ? request.body : "{}";
      requests.push({ method: request.method, url: request.url, body: JSON.parse(text) as Json });
      // Echo the body back, as ARM does for a PUT, so the SDK's deserializer has something valid.
      return { request, status: 200, headers: createHttpHeaders({ "content-type": "application/json" }), bodyAsText: text };
    },
  };
  const credential = { getToken: async () => ({ token: "recorded-test-token", expiresOnTimestamp: Date.now() + 3_600_000 }) };
  return { client: new DataFactoryManagementClient(credential, "00000000-0000-0000-0000-000000000000", { httpClient }), requests };
}

const STACKS = ["dev", "lift-and-shift", "incremental", "dual-pipeline", "bidirectional-sync"];
const projectDir = path.resolve(__dirname, "../..");

async function planStack(stack: string): Promise<Plan> {
  const { values, secretKeys } = readStackConfig({ stack, projectDir });
  return planValues(values, { stack, secretKeys });
}

/** Replays the planned ADF resources through the SDK; returns the recorded request per resource. */
async function replay(plan: Plan): Promise<{ resource: PlannedResource; request: Recorded }[]> {
  const { client, requests } = recordingClient();
  const out: { resource: PlannedResource; request: Recorded }[] = [];
  const send = async (resource: PlannedResource, call: () => Promise<unknown>) => {
    const before = requests.length;
    await call();
    expect(requests.length).toBe(before + 1);
    out.push({ resource, request: requests[before] });
  };
  for (const r of ofType(plan, "azure-native:datafactory:LinkedService")) {
    const { resourceGroupName, factoryName, linkedServiceName, properties } = r.inputs as Json;
    await send(r, () => client.linkedServices.createOrUpdate(resourceGroupName, factoryName, linkedServiceName, { properties }));
  }
  for (const r of ofType(plan, "azure-native:datafactory:Dataset")) {
    const { resourceGroupName, factoryName, datasetName, properties } = r.inputs as Json;
    await send(r, () => client.datasets.createOrUpdate(resourceGroupName, factoryName, datasetName, { properties }));
  }
  for (const r of ofType(plan, "azure-native:datafactory:Pipeline")) {
    // azure-native's Pipeline is flattened: everything but the addressing inputs is the pipeline.
    const { resourceGroupName, factoryName, pipelineName, ...pipeline } = r.inputs as Json;
    await send(r, () => client.pipelines.createOrUpdate(resourceGroupName, factoryName, pipelineName, pipeline));
  }
  for (const r of ofType(plan, "azure-native:datafactory:Trigger")) {
    const { resourceGroupName, factoryName, triggerName, properties } = r.inputs as Json;
    await send(r, () => client.triggers.createOrUpdate(resourceGroupName, factoryName, triggerName, { properties }));
  }
  return out;
}

function copiesIn(activities: Json[]): Json[] {
  return activities.flatMap((a) => (a.type === "ForEach" ? copiesIn(a.typeProperties.activities) : a.type === "Copy" ? [a] : []));
}

describe.each(STACKS)("stack %s: every ADF object as the ARM body the SDK sends", (stack) => {
  let sent: { resource: PlannedResource; request: Recorded }[];
  let plan: Plan;
  beforeAll(async () => {
    plan = await planStack(stack);
    sent = await replay(plan);
  });

  it("PUTs every linked service, dataset, pipeline and trigger to its ARM path", () => {
    const factory = String(plan.outputs.factoryName);
    expect(sent.length).toBeGreaterThanOrEqual(5);
    for (const { resource, request } of sent) {
      const kind = resource.type.split(":")[2];
      const segment = { LinkedService: "linkedservices", Dataset: "datasets", Pipeline: "pipelines", Trigger: "triggers" }[kind];
      const name = (resource.inputs as Json)[`${kind.charAt(0).toLowerCase()}${kind.slice(1)}Name`];
      expect(request.method).toBe("PUT");
      expect(request.url).toContain(`/providers/Microsoft.DataFactory/factories/${factory}/${segment}/${name}?api-version=2018-06-01`);
    }
  });

  it("pipelines: Copy activities carry BinarySource/BinarySink store settings under typeProperties, preserve only Gen1 → Gen2, expressions intact", () => {
    const pipelines = sent.filter((s) => s.resource.type.endsWith(":Pipeline"));
    expect(pipelines.map((p) => p.resource.inputs.pipelineName).sort()).toEqual([...(plan.outputs.pipelines as string[])].sort());
    for (const { request, resource } of pipelines) {
      const props = request.body.properties;
      const catchUp = resource.inputs.pipelineName === "catch-up";
      const items = catchUp ? "@pipeline().parameters.lists" : "@pipeline().parameters.folders";
      expect(props.activities[0]).toMatchObject({ type: "ForEach", typeProperties: { items: { type: "Expression", value: items } } });
      const copies = copiesIn(props.activities);
      expect(copies.length).toBeGreaterThan(0);
      for (const copy of copies) {
        const tp = copy.typeProperties;
        expect(tp.source.type).toBe("BinarySource");
        expect(tp.sink.type).toBe("BinarySink");
        // catch-up names its files in a list; recursive does not apply beside one (and is not sent).
        if (catchUp) expect(tp.source.storeSettings).toEqual({ type: "AzureDataLakeStoreReadSettings", fileListPath: { type: "Expression", value: "@item().fileListPath" } });
        else expect(tp.source.storeSettings.recursive).toBe(true);
        expect(tp.sink.storeSettings.copyBehavior).toBe("PreserveHierarchy");
        expect(tp.dataIntegrationUnits).toBeGreaterThanOrEqual(2);
        expect(tp.validateDataConsistency).toBe(true);
        const gen1ToGen2 = tp.source.storeSettings.type === "AzureDataLakeStoreReadSettings" && tp.sink.storeSettings.type === "AzureBlobFSWriteSettings";
        if (gen1ToGen2) expect(tp.preserve).toEqual(["ACL", "Owner", "Group"]);
        else expect(tp).not.toHaveProperty("preserve");
        if (props.parameters.windowStart) {
          // bidirectional-sync bounds each folder's window below by its flip (`since`).
          const start = plan.outputs.pattern === "bidirectional-sync" ? expect.stringMatching(/^@if\(less\(ticks\(pipeline\(\)\.parameters\.windowStart\), ticks\(item\(\)\.since\)\)/) : "@pipeline().parameters.windowStart";
          expect(tp.source.storeSettings.modifiedDatetimeStart).toEqual({ type: "Expression", value: start });
          expect(tp.source.storeSettings.modifiedDatetimeEnd).toEqual({ type: "Expression", value: "@pipeline().parameters.windowEnd" });
        }
        for (const ref of [...copy.inputs, ...copy.outputs]) {
          expect(ref.type).toBe("DatasetReference");
          for (const v of Object.values(ref.parameters as Json)) expect(v).toMatchObject({ type: "Expression", value: expect.stringMatching(/^@item\(\)\.|^[a-z0-9-]+$/) });
        }
      }
    }
  });

  it("triggers reference a pipeline of the stack and pass the window through as expressions", () => {
    const triggers = sent.filter((s) => s.resource.type.endsWith(":Trigger"));
    expect(triggers.map((t) => t.resource.inputs.triggerName).sort()).toEqual([...(plan.outputs.triggers as string[])].sort());
    for (const { request } of triggers) {
      const p = request.body.properties;
      // ARM keeps a tumbling window's `pipeline` (and a schedule's `pipelines`) beside typeProperties, not in it.
      const refs: Json[] = p.type === "TumblingWindowTrigger" ? [p.pipeline] : p.pipelines;
      expect(p.type === "TumblingWindowTrigger" ? p.typeProperties : p.typeProperties.recurrence).toMatchObject({
        frequency: expect.any(String),
        interval: expect.any(Number),
        startTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      });
      for (const ref of refs) {
        expect(plan.outputs.pipelines).toContain(ref.pipelineReference.referenceName);
        expect(ref.pipelineReference.type).toBe("PipelineReference");
        expect(ref.parameters.windowStart).toMatch(/^@/);
        expect(ref.parameters.windowEnd).toMatch(/^@trigger\(\)\./);
      }
    }
  });

  it("datasets and linked services: Binary on ADLS locations, Gen2 by managed identity, Gen1 secret only as a Key Vault reference", () => {
    for (const { resource, request } of sent.filter((s) => s.resource.type.endsWith(":Dataset"))) {
      const p = request.body.properties;
      expect(p.type).toBe("Binary");
      expect(p.typeProperties.location.type).toBe(resource.inputs.datasetName === "Gen1Binary" ? "AzureDataLakeStoreLocation" : "AzureBlobFSLocation");
      expect(p.typeProperties.location.folderPath).toEqual({ type: "Expression", value: "@dataset().folderPath" });
    }
    const ls = Object.fromEntries(sent.filter((s) => s.resource.type.endsWith(":LinkedService")).map((s) => [s.resource.inputs.linkedServiceName, s.request.body.properties]));
    expect(ls.Gen2Store).toEqual({ type: "AzureBlobFS", description: expect.any(String), typeProperties: { url: expect.stringMatching(/^https:\/\/[a-z0-9]+\.dfs\.core\.windows\.net\/$/) } });
    expect(ls.Gen1Store.type).toBe("AzureDataLakeStore");
    expect(ls.Gen1Store.typeProperties.dataLakeStoreUri).toMatch(/^https:\/\/[a-z0-9]+\.azuredatalakestore\.net\/webhdfs\/v1$/);
    if (ls.KeyVault) {
      expect(ls.Gen1Store.typeProperties.servicePrincipalKey).toEqual({
        type: "AzureKeyVaultSecret",
        store: { type: "LinkedServiceReference", referenceName: "KeyVault" },
        secretName: expect.any(String),
      });
    } else {
      // No credential properties: the factory's own identity signs in.
      const { dataLakeStoreUri, subscriptionId: _s, resourceGroupName: _g, ...credentials } = ls.Gen1Store.typeProperties;
      expect({ dataLakeStoreUri, credentials }).toEqual({ dataLakeStoreUri: expect.any(String), credentials: {} });
    }
    // Gen1 as a copy sink needs the account's subscription and resource group.
    const writesGen1 = (plan.outputs.pipelines as string[]).some((p) => p === "ingest-dual" || p === "sync-gen2-to-gen1");
    if (writesGen1) {
      expect(ls.Gen1Store.typeProperties).toMatchObject({ subscriptionId: expect.stringMatching(/^[0-9a-f-]{36}$/), resourceGroupName: expect.any(String) });
    }
    const everything = JSON.stringify(sent.map((s) => s.request.body));
    expect(everything).not.toMatch(/accountKey|sasToken|SecureString|encryptedCredential/);
  });
});
