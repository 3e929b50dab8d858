import type { DataFactoryManagementClient } from "@azure/arm-datafactory";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import type { StackOutputs } from "../lib/stackOutputs";
import { type ClientOptions, type FactoryTarget, factoryClient, factoryTarget } from "./target";

export type TriggerAction = "start" | "stop";

export interface TriggerOutcome {
  name: string;
  /** Runtime state before the call: Started, Stopped or Disabled. */
  before: string;
  /** Runtime state afterwards, or "failed". */
  after: string;
  error?: string;
}

const WANTED: Record<TriggerAction, string> = { start: "Started", stop: "Stopped" };

/**
 * Starts or stops every trigger of the stack. ARM creates triggers stopped
 * and rejects updates to started ones, so deployments are bracketed by
 * `stop` before and `start` after. Triggers already in the wanted state are
 * left alone; a failure on one trigger does not stop the others.
 */
export async function setTriggerStates(
  client: DataFactoryManagementClient,
  target: FactoryTarget,
  action: TriggerAction,
  log: (line: string) => void = () => undefined,
): Promise<TriggerOutcome[]> {
  const outcomes: TriggerOutcome[] = [];
  for (const name of target.triggers) {
    let before = "unknown";
    try {
      const trigger = await client.triggers.get(target.resourceGroupName, target.factoryName, name);
      before = trigger.properties.runtimeState ?? "unknown";
      if (before === WANTED[action]) {
        log(`${name}: already ${before.toLowerCase()}`);
        outcomes.push({ name, before, after: before });
        continue;
      }
      if (action === "start") await client.triggers.beginStartAndWait(target.resourceGroupName, target.factoryName, name, { updateIntervalInMs: 1000 });
      else await client.triggers.beginStopAndWait(target.resourceGroupName, target.factoryName, name, { updateIntervalInMs: 1000 });
      log(`${name}: ${before.toLowerCase()} -> ${WANTED[action].toLowerCase()}`);
      outcomes.push({ name, before, after: WANTED[action] });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log(`${name}: ${action} failed: ${message}`);
      outcomes.push({ name, before, after: "failed", error: message });
    }
  }
  return outcomes;
}

/**
 * Starts all triggers of a deployed stack from its outputs: the post-deploy
 * step. Signs in with DefaultAzureCredential unless a credential is given.
 */
export async function startStackTriggers(opts: {
  outputs: StackOutputs;
  credential?: TokenCredential;
  log?: (line: string) => void;
} & ClientOptions): Promise<TriggerOutcome[]> {
  const target = factoryTarget(opts.outputs);
  const client = factoryClient(target, opts.credential ?? new DefaultAzureCredential(), opts);
  return setTriggerStates(client, target, "start", opts.log);
}
