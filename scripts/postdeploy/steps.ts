import type { TokenCredential } from "@azure/identity";
import type { DataLakeServiceClient } from "@azure/storage-file-datalake";
import type { StackConfig } from "../../components/config/schema";
import { UsageError } from "../lib/cli";
import { signInProblem } from "../lib/credentials";
import { RetryOptions, errorReason, withRetry } from "../lib/retry";
import type { StackOutputs } from "../lib/stackOutputs";
import type { AclIo } from "../acl/io";
import type { PlannedDirectory } from "../acl/plannedLake";
import type { ClientOptions } from "../factory/target";

/**
 * The post-deploy steps, each in two parts: `check` reads only (and throws
 * UsageError for bad input), `run` writes. The command checks every selected
 * step before it runs the first one, so exit 2 means nothing was changed.
 */

export interface PostDeployIo extends AclIo {
  /** Test hook: ARM credential and client options for the trigger step (default: DefaultAzureCredential). */
  arm?: { credential?: TokenCredential; clientOptions?: ClientOptions["clientOptions"] };
}

export interface PostDeployFlags {
  stack?: string;
  configFile?: string;
  outputs?: string;
  accountUrl?: string;
  principals?: string;
  dryRun?: boolean;
  resume?: boolean;
  full?: boolean;
  checkpoint?: string;
  armEndpoint?: string;
  only?: StepName[];
  skip?: StepName[];
  json?: boolean;
}

/** What every step gets: validated config, lazily read stack outputs, one Data Lake client. */
export interface StepContext {
  stack: string;
  config: StackConfig;
  outputs: () => Promise<StackOutputs | undefined>;
  service: () => Promise<{ client: DataLakeServiceClient; accountUrl: string }>;
  flags: PostDeployFlags;
  io: PostDeployIo;
  retry: RetryOptions;
  /** Directories the folders step creates (known once it was checked; empty when it is not selected). */
  newDirectories: PlannedDirectory[];
}

export interface StepResult {
  ok: boolean;
  /** One line (failures may follow on indented lines). */
  message: string;
  /** The step's figures, for --json. */
  counts: Record<string, number>;
}

/** A step checked and ready: `run` does its writes (a dry run: reports them). */
export interface ReadyStep {
  run(): Promise<StepResult>;
  /** Releases what the check took (the ACL journal's lock) when the step will not run. */
  release?(): void;
}

export interface Step {
  name: StepName;
  check(ctx: StepContext): Promise<ReadyStep>;
}

export const STEP_NAMES = ["folders", "triggers", "acls"] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** A storage request's failure as one line; a failed sign-in becomes bad input (exit 2, nothing changed). */
export function storageFailure(err: unknown): string {
  const signIn = signInProblem(err, "the storage account");
  if (signIn) throw new UsageError(`${signIn}; or set AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY`);
  return errorReason(err);
}

/** withRetry with the run's options and signal. */
export function retried<T>(ctx: StepContext, fn: (abortSignal?: AbortSignal) => Promise<T>): Promise<T> {
  return withRetry(fn, { ...ctx.retry, signal: ctx.io.signal });
}
