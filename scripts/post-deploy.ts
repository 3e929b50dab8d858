import * as path from "path";
import type { TokenCredential } from "@azure/identity";
import type { DataLakeServiceClient } from "@azure/storage-file-datalake";
import { parseStackConfig } from "../components/config/load";
import type { StackConfig } from "../components/config/schema";
import { EXIT_FAILED, EXIT_OK, UsageError } from "./lib/cli";
import { defineCommand, runMain } from "./lib/command";
import { readStackConfig } from "./lib/stackFile";
import type { StackOutputs } from "./lib/stackOutputs";
import { DEFAULT_RETRY, applyAcls, applyProgress } from "./acl/apply";
import { CHECKPOINT_DEFAULT_HELP, checkpointFile } from "./acl/checkpointFile";
import { dataLakeClient, lazyOutputs, resolveAccountUrl } from "./acl/client";
import { RetryOptions, errorReason, withRetry } from "./lib/retry";
import { Principals, ResolvedRule, loadPrincipalsFile, principalsFrom, resolveSpec } from "./acl/spec";
import type { AclIo } from "./acl/io";
import { ARM_TOKEN_ENV, emulatorCredential } from "./lib/emulatorAuth";
import { startStackTriggers } from "./factory/triggers";
import type { ClientOptions } from "./factory/target";

/**
 * `npm run post-deploy -- --stack <s>`: the data-plane steps `pulumi up`
 * cannot do, in order. Each step is idempotent, so the whole command can be
 * re-run after a failure or after every deployment.
 */

const projectDir = path.resolve(__dirname, "..");

export interface PostDeployIo extends AclIo {
  /** Test hook: ARM credential and client options for the trigger step (default: DefaultAzureCredential). */
  arm?: { credential?: TokenCredential; clientOptions?: ClientOptions["clientOptions"] };
}

interface Flags {
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
}

/** What every step gets: validated config, lazily read stack outputs, one Data Lake client. */
export interface StepContext {
  stack: string;
  config: StackConfig;
  outputs: () => Promise<StackOutputs | undefined>;
  service: () => Promise<{ client: DataLakeServiceClient; accountUrl: string }>;
  flags: Flags;
  io: PostDeployIo;
  retry: RetryOptions;
  /** The stack's `acls` spec resolved against the principals before any step ran; undefined without the key. */
  acls?: ResolvedRule[];
}

export interface Step {
  name: string;
  /** Returns a one-line result; throws UsageError for bad input, anything else for a failure. */
  run(ctx: StepContext): Promise<{ ok: boolean; message: string }>;
}

/** Step 1: directories declared under filesystems[].folders (ARM cannot create directories). */
export const createFolders: Step = {
  name: "folders",
  async run(ctx) {
    const { client } = await ctx.service();
    let created = 0;
    let existing = 0;
    const failed: string[] = [];
    for (const fs of ctx.config.filesystems) {
      for (const folder of fs.folders) {
        const dir = client.getFileSystemClient(fs.name).getDirectoryClient(folder);
        try {
          // exists() first so that a re-run sends no write at all.
          if (await withRetry((abortSignal) => dir.exists({ abortSignal }), { ...ctx.retry, signal: ctx.io.signal })) {
            existing += 1;
            continue;
          }
          if (ctx.flags.dryRun) {
            created += 1;
            ctx.io.err(`would create ${fs.name}/${folder}\n`);
            continue;
          }
          const res = await withRetry((abortSignal) => dir.createIfNotExists({ abortSignal }), { ...ctx.retry, signal: ctx.io.signal });
          if (res.succeeded) {
            created += 1;
            ctx.io.err(`created ${fs.name}/${folder}\n`);
          } else existing += 1;
        } catch (err) {
          if (ctx.io.signal?.aborted) throw err;
          const code = (err as { details?: { errorCode?: string } }).details?.errorCode;
          failed.push(
            code === "FilesystemNotFound" || code === "ContainerNotFound"
              ? `${fs.name}: the filesystem does not exist; run \`pulumi up\` for this stack first`
              : `${fs.name}/${folder}: ${errorReason(err)}`,
          );
        }
      }
    }
    const verb = ctx.flags.dryRun ? "to create" : "created";
    const message = `${created} ${verb}, ${existing} already present${failed.length > 0 ? `; failed:\n    ${failed.join("\n    ")}` : ""}`;
    return { ok: failed.length === 0, message };
  },
};

/**
 * Step 2: start the Data Factory triggers. ARM creates them stopped and
 * azure-native has no property to start them; already-started triggers are
 * left alone, so re-running is harmless.
 */
export const startTriggers: Step = {
  name: "triggers",
  async run(ctx) {
    const outputs = await ctx.outputs();
    if (!outputs) return { ok: true, message: "no stack outputs (pass --stack or --outputs); skipped" };
    const triggers = outputs.triggers;
    if (triggers.length === 0) return { ok: true, message: "the stack's pattern has no triggers; skipped" };
    if (ctx.flags.dryRun) return { ok: true, message: `would start ${triggers.join(", ")} (unless already started)` };
    const outcomes = await startStackTriggers({
      outputs,
      credential: ctx.io.arm?.credential ?? emulatorCredential(ctx.io.env, ARM_TOKEN_ENV, ctx.flags.armEndpoint),
      endpoint: ctx.flags.armEndpoint,
      clientOptions: ctx.io.arm?.clientOptions,
      log: (line) => ctx.io.err(`${line}\n`),
    });
    const failed = outcomes.filter((o) => o.after === "failed");
    const started = outcomes.filter((o) => o.after === "Started" && o.before !== "Started").length;
    const already = outcomes.filter((o) => o.before === "Started").length;
    return {
      ok: failed.length === 0,
      message: `${started} started, ${already} already running${failed.map((f) => `\n    ${f.name}: ${f.error ?? "failed"}`).join("")}`,
    };
  },
};

/** Step 3: the stack's `acls` spec, as `npm run acl -- apply` would apply it. */
export const applyStackAcls: Step = {
  name: "acls",
  async run(ctx) {
    const rules = ctx.acls;
    if (!rules) return { ok: true, message: "no adls-migration:acls in the stack config; skipped" };
    const { client, accountUrl } = await ctx.service();
    const cpFile = checkpointFile({ flag: ctx.flags.checkpoint, stack: ctx.stack, accountUrl, env: ctx.io.env, dryRun: ctx.flags.dryRun });
    const progress = applyProgress({ tty: ctx.io.tty, write: (line) => ctx.io.err(`${line}\n`) });
    try {
      const s = await applyAcls({
        service: client,
        accountUrl,
        rules,
        dryRun: ctx.flags.dryRun ?? false,
        checkpointFile: cpFile,
        resume: ctx.flags.resume ?? false,
        full: ctx.flags.full ?? false,
        retry: ctx.retry,
        signal: ctx.io.signal,
        events: progress,
      });
      if (!s.changed) return { ok: true, message: "no change" };
      const failures = s.failedEntries.slice(0, 20).map((f) => `\n    ${f.path}: ${f.reason}`).join("");
      if (s.failures > 0 && !ctx.flags.dryRun) ctx.io.err(`checkpoint: ${cpFile}\n`);
      return {
        ok: s.failures === 0,
        message: `${ctx.flags.dryRun ? "would change" : "applied"} ${s.rules.filter((r) => r.changed).length} rule(s): ${s.directories} directories, ${s.files} files, ${s.failures} failures${failures}`,
      };
    } catch (err) {
      if (!ctx.flags.dryRun) ctx.io.err(`checkpoint: ${cpFile}\n`);
      throw err;
    } finally {
      progress.stop();
    }
  },
};

/**
 * The stack's `acls` spec with its principals resolved (no storage request);
 * throws UsageError listing every unknown name. Undefined without the key.
 */
async function resolveStackAcls(config: StackConfig, flags: Flags, outputs: StepContext["outputs"]): Promise<ResolvedRule[] | undefined> {
  if (!config.acls) return undefined;
  let principals: Principals = {};
  if (flags.principals) principals = loadPrincipalsFile(flags.principals);
  else {
    const out = await outputs();
    if (out) principals = principalsFrom(out.principals, `stack output "principals"`);
  }
  const { rules, problems } = resolveSpec(config.acls, principals);
  if (problems.length > 0) throw new UsageError("adls-migration:acls: invalid ACL spec", problems.map((p) => `adls-migration:acls.${p}`));
  return rules;
}

/** The post-deploy steps in order. */
export const STEPS: Step[] = [createFolders, startTriggers, applyStackAcls];

export const main = defineCommand<Flags, PostDeployIo>(
  (program) =>
    program
      .name("post-deploy")
      .description("Data-plane steps after `pulumi up`: create declared folders, start triggers, apply folder ACLs")
      .option("-s, --stack <name>", "stack: reads Pulumi.<name>.yaml and, for dfsEndpoint/principals, its outputs via the Pulumi CLI")
      .option("-c, --config-file <path>", "stack config file instead of Pulumi.<stack>.yaml")
      .option("--outputs <file>", "stack outputs saved by `pulumi stack output --json`, instead of asking the Pulumi CLI")
      .option("--account-url <url>", "dfs endpoint (default: the stack's dfsEndpoint output)")
      .option("--principals <file>", "JSON object of principal name → object id (default: the stack's principals output)")
      .option("--checkpoint <file>", `ACL resume state (default: ${CHECKPOINT_DEFAULT_HELP})`)
      .option("--resume", "continue an interrupted ACL run")
      .option("--full", "ACL step: apply every subtree, also those whose top path already has the entries (after copies, or when unsure)")
      .option("--dry-run", "report what would change; write nothing")
      .option("--arm-endpoint <url>", "Azure Resource Manager endpoint for the trigger step (default: public cloud)"),
  async (flags, io) => {
    if (!flags.stack && !flags.configFile) throw new UsageError("pass --stack <name> (or --config-file <path>)");
    const stackValues = readStackConfig({ stack: flags.stack, configFile: flags.configFile, projectDir });
    const config = parseStackConfig(stackValues.values, stackValues.secretKeys);
    const outputs = lazyOutputs({ stack: flags.stack, outputs: flags.outputs });
    let service: Promise<{ client: DataLakeServiceClient; accountUrl: string }> | undefined;
    const ctx: StepContext = {
      stack: stackValues.stack,
      config,
      outputs,
      service: () =>
        (service ??= resolveAccountUrl(flags, outputs).then((accountUrl) => ({ client: dataLakeClient(accountUrl, io.env), accountUrl }))),
      flags,
      io,
      retry: io.retry ?? DEFAULT_RETRY,
      // Before step 1: a bad ACL spec must stop the command before it creates or starts anything.
      acls: await resolveStackAcls(config, flags, outputs),
    };
    let ok = true;
    for (const step of STEPS) {
      const result = await step.run(ctx);
      io.out(`${result.ok ? "ok  " : "FAIL"} ${step.name}: ${result.message}\n`);
      ok &&= result.ok;
    }
    return ok ? EXIT_OK : EXIT_FAILED;
  },
);

if (require.main === module) runMain(main, { interruptible: true });
