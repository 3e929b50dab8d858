import type { PlannedResource } from "../../scripts/plan/runtime";

/**
 * The factory the emulator runs: linked services, datasets, pipelines and
 * triggers as the offline plan holds them (the azure-native inputs, which
 * are the `@azure/arm-datafactory` models of components/factory/definitions.ts).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface FactoryCatalog {
  factoryName: string;
  resourceGroupName: string;
  linkedServices: Map<string, JsonObject>;
  datasets: Map<string, JsonObject>;
  /** A pipeline's properties: activities, parameters, description, and anything else it was given. */
  pipelines: Map<string, JsonObject>;
  triggers: Map<string, JsonObject>;
}

const TYPES = {
  factory: "azure-native:datafactory:Factory",
  linkedService: "azure-native:datafactory:LinkedService",
  dataset: "azure-native:datafactory:Dataset",
  pipeline: "azure-native:datafactory:Pipeline",
  trigger: "azure-native:datafactory:Trigger",
};

/** Resource-addressing inputs of a flattened azure-native Pipeline, not pipeline properties. */
const PIPELINE_ADDRESS = new Set(["factoryName", "resourceGroupName", "pipelineName"]);

export function catalogFromPlan(resources: PlannedResource[]): FactoryCatalog {
  const factories = resources.filter((r) => r.type === TYPES.factory);
  if (factories.length !== 1) throw new Error(`the plan holds ${factories.length} Data Factories; the emulator runs exactly one`);
  const f = factories[0].inputs as JsonObject;
  const catalog: FactoryCatalog = {
    factoryName: String(f.factoryName),
    resourceGroupName: String(f.resourceGroupName),
    linkedServices: new Map(),
    datasets: new Map(),
    pipelines: new Map(),
    triggers: new Map(),
  };
  for (const r of resources) {
    const inputs = r.inputs as JsonObject;
    if (r.type === TYPES.linkedService) catalog.linkedServices.set(String(inputs.linkedServiceName), inputs.properties as JsonObject);
    if (r.type === TYPES.dataset) catalog.datasets.set(String(inputs.datasetName), inputs.properties as JsonObject);
    if (r.type === TYPES.trigger) catalog.triggers.set(String(inputs.triggerName), inputs.properties as JsonObject);
    if (r.type === TYPES.pipeline) {
      // azure-native flattens the pipeline's properties beside its address.
      catalog.pipelines.set(String(inputs.pipelineName), Object.fromEntries(Object.entries(inputs).filter(([k]) => !PIPELINE_ADDRESS.has(k))) as JsonObject);
    }
  }
  return catalog;
}

/** Binds each linked service of the catalog to the emulated lake of its generation (AzureDataLakeStore → Gen1, AzureBlobFS → Gen2). */
export function bindLakes<S extends { generation: "gen1" | "gen2" }>(catalog: FactoryCatalog, lakes: { gen1?: S; gen2?: S }): Map<string, S> {
  const byType: Record<string, S | undefined> = { AzureDataLakeStore: lakes.gen1, AzureBlobFS: lakes.gen2 };
  const out = new Map<string, S>();
  for (const [name, ls] of catalog.linkedServices) {
    const lake = byType[String(ls.type)];
    if (lake) out.set(name, lake);
  }
  return out;
}
