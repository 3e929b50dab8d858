import { DataFactoryManagementClient, type DataFactoryManagementClientOptionalParams } from "@azure/arm-datafactory";
import type { TokenCredential } from "@azure/identity";
import { UsageError } from "../lib/cli";
import { isLoopbackHost } from "../lib/emulatorAuth";
import type { StackOutputs } from "../lib/stackOutputs";

/** The deployed factory a command acts on, read from the stack outputs. */
export interface FactoryTarget {
  subscriptionId: string;
  resourceGroupName: string;
  factoryName: string;
  /** Pipeline names the stack deployed (output `pipelines`). */
  pipelines: string[];
  /** Trigger names the stack deployed (output `triggers`). */
  triggers: string[];
}

const FACTORY_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.DataFactory\/factories\/([^/]+)$/i;

export function factoryTarget(outputs: StackOutputs): FactoryTarget {
  const id = outputs.factoryId;
  const m = FACTORY_ID.exec(id);
  if (!m) throw new UsageError(`stack output "factoryId" is not a Data Factory resource id: ${id}`);
  return { subscriptionId: m[1], resourceGroupName: m[2], factoryName: m[3], pipelines: outputs.pipelines, triggers: outputs.triggers };
}

export interface ClientOptions {
  /** ARM endpoint, e.g. a sovereign cloud's; https://management.azure.com when absent. */
  endpoint?: string;
  /** Extra SDK client options (TLS settings, retry options). */
  clientOptions?: DataFactoryManagementClientOptionalParams;
}

export { isLoopbackHost } from "../lib/emulatorAuth";

const BEARER_POLICY = "bearerTokenAuthenticationPolicy";

export function factoryClient(target: FactoryTarget, credential: TokenCredential, opts: ClientOptions = {}): DataFactoryManagementClient {
  // The SDK builds request URLs from $host and token scopes from endpoint: both must move together.
  const endpoint = opts.endpoint?.replace(/\/+$/, "");
  const client = new DataFactoryManagementClient(credential, target.subscriptionId, {
    ...opts.clientOptions,
    ...(endpoint ? { endpoint, $host: endpoint } : {}),
  });
  const url = endpoint ? new URL(endpoint) : undefined;
  if (url?.protocol === "http:" && isLoopbackHost(url.hostname)) {
    // The SDK's bearer policy refuses plain HTTP outright; on loopback (an
    // emulator on this machine) the token is attached by this policy instead.
    client.pipeline.removePolicy({ name: BEARER_POLICY });
    client.pipeline.addPolicy(
      {
        name: "loopbackBearerToken",
        async sendRequest(request, next) {
          const token = await credential.getToken(`${endpoint}/.default`);
          if (token) request.headers.set("authorization", `Bearer ${token.token}`);
          // The HTTP client refuses http:// unless the request allows it.
          request.allowInsecureConnection = true;
          return next(request);
        },
      },
      { phase: "Sign" },
    );
  }
  return client;
}
