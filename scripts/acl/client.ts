import { DefaultAzureCredential } from "@azure/identity";
import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { UsageError } from "../lib/cli";
import { StackOutputs, readStackOutputs } from "../lib/stackOutputs";

/**
 * The Data Lake client the ACL tools use. Auth: shared key when
 * AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY are set (the variables the
 * Azure CLI reads), Entra ID through DefaultAzureCredential otherwise. The
 * SDK's retry policy is off: scripts/lib/retry.ts retries, 429 included.
 */
export function dataLakeClient(accountUrl: string, env: NodeJS.ProcessEnv): DataLakeServiceClient {
  const account = env.AZURE_STORAGE_ACCOUNT;
  const key = env.AZURE_STORAGE_KEY;
  const credential = account && key ? new StorageSharedKeyCredential(account, key) : new DefaultAzureCredential();
  return new DataLakeServiceClient(accountUrl, credential, { retryOptions: { maxTries: 1 } });
}

export interface TargetFlags {
  stack?: string;
  outputs?: string;
  accountUrl?: string;
}

/** Stack outputs, read at most once, only when a flag needs them. */
export function lazyOutputs(flags: TargetFlags): () => Promise<StackOutputs | undefined> {
  let cached: Promise<StackOutputs | undefined> | undefined;
  return () => {
    if (!flags.stack && !flags.outputs) return Promise.resolve(undefined);
    cached ??= readStackOutputs({ stack: flags.stack, outputsFile: flags.outputs });
    return cached;
  };
}

/** --account-url, else the stack's dfsEndpoint output. */
export async function resolveAccountUrl(flags: TargetFlags, outputs: () => Promise<StackOutputs | undefined>): Promise<string> {
  if (flags.accountUrl) {
    try {
      const u = new URL(flags.accountUrl);
      if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error("not http(s)");
    } catch {
      throw new UsageError(`--account-url ${flags.accountUrl}: not an http(s) URL such as https://<account>.dfs.core.windows.net`);
    }
    return flags.accountUrl.replace(/\/+$/, "");
  }
  const out = await outputs();
  if (!out) throw new UsageError("pass --account-url <url>, or --stack <name> / --outputs <file> to use the stack's dfsEndpoint output");
  return out.dfsEndpoint.replace(/\/+$/, "");
}
