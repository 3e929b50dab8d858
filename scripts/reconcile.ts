import { existsSync, mkdirSync } from "fs";
import * as path from "path";
import type { TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential } from "@azure/identity";
import { Option } from "commander";
import { parseStackConfig } from "../components/config/load";
import type { StackConfig } from "../components/config/schema";
import { dataLakeClient } from "./acl/client";
import { loadPrincipalsFile } from "./acl/spec";
import { factoryClient, factoryTarget } from "./factory/target";
import { EXIT_FAILED, EXIT_OK, UsageError } from "./lib/cli";
import { ARM_TOKEN_ENV, GEN1_TOKEN_ENV, emulatorCredential, runPollIntervalMs } from "./lib/emulatorAuth";
import { type Io, defineCommand, runMain } from "./lib/command";
import { startProgress } from "./lib/progress";
import { readStackConfig } from "./lib/stackFile";
import { type StackOutputs, readStackOutputs } from "./lib/stackOutputs";
import { stateDir } from "./lib/stateDir";
import { gen1FileLists } from "./reconcile/gen1Lists";
import { refuseUnfinished } from "./reconcile/journal";
import { type Report, type ReportFolder, keepBesideJournal, readReport } from "./reconcile/report";
import { formatResult } from "./reconcile/output";
import { DEFAULT_CONCURRENCY, DEFAULT_LIST_FOLDER, DEFAULT_MAX_DELETE, type ReconcileResult, reconcile } from "./reconcile/run";
import { validateReport } from "./reconcile/validateFirst";
import { createScratch, removeScratch } from "./lib/scratch";
import { listingDisplay } from "./validate/listingProgress";
import { folderPairs } from "./validate/stack";
import { readPrincipalMap } from "./validate/settings";

/**
 * `npm run reconcile`: make Gen2 converge on Gen1, difference kind by
 * difference kind, from a validate JSON report (--report) or from a validate
 * it runs itself (--stack / --config-file, ACLs included). Files are copied
 * by the stack's `catch-up` pipeline, never by this process.
 */

const projectDir = path.resolve(__dirname, "..");

/** reconcile's Io: the process's, plus test hooks. */
export interface ReconcileIo extends Io {
  /** Test hook: credentials for ARM and Gen1 (default DefaultAzureCredential). */
  credential?: TokenCredential;
  /** Test hook: catch-up status poll interval in ms (default 15 000). */
  pollIntervalMs?: number;
  /** Test hook: told when the catch-up run was accepted. */
  onCopyStarted?: (runId: string) => void;
}

interface Flags {
  report?: string;
  stack?: string;
  configFile?: string;
  outputs?: string;
  source?: string;
  principals?: string;
  principalMap?: string;
  aclMode?: string;
  allowEmpty?: boolean;
  accountUrl?: string;
  sourceAccountUrl?: string;
  endpoint?: string;
  delete: boolean;
  maxDelete: string;
  force: boolean;
  dryRun: boolean;
  json: boolean;
  resume: boolean;
  journal?: string;
  concurrency: string;
  retries: string;
  listFolder: string;
}

export const main = defineCommand<Flags, ReconcileIo>(
  (program) =>
    program
      .name("reconcile")
      .description("Make Gen2 converge on Gen1 from a validate report: create missing directories, copy missing/changed files through the catch-up pipeline, set ACLs, delete extras (with --delete). Exit 0 when nothing is left to do.")
      .option("--report <file>", "validate JSON report (validate --stack --acls --json, every difference listed); without it reconcile runs validate itself")
      .addOption(new Option("-s, --stack <name>", "the stack (Pulumi.<name>.yaml; its outputs through the pulumi CLI unless --outputs)").conflicts("configFile"))
      .option("-c, --config-file <path>", "like --stack, from any stack config file (needs --outputs)")
      .option("-o, --outputs <file>", "stack outputs saved with `pulumi stack output --json`")
      .option("--source <inventory>", "validate: a saved Gen1 inventory of the whole account instead of listing Gen1")
      .option("--principals <file>", "JSON name → object id to resolve the stack's acls rules (default: the stack output `principals`)")
      .option("--principal-map <file>", "YAML/JSON source principal id → target id, applied to what is set from the source")
      .addOption(new Option("--acl-mode <mode>", "validate's ACL mode").choices(["exact", "source-subset"]).default("source-subset"))
      .option("--allow-empty", "validate: a side listing no path is not a failure", false)
      .option("--account-url <url>", "Gen2 endpoint (default: the stack output dfsEndpoint)")
      .option("--source-account-url <url>", "Gen1 endpoint (default https://<source.accountName>.azuredatalakestore.net)")
      .option("--endpoint <url>", "Azure Resource Manager endpoint (default https://management.azure.com)")
      .option("--delete", "delete paths only the target has (default: list them)", false)
      .addOption(new Option("--max-delete <n>", "refuse --delete when more paths would go (exit 2, nothing changed)").default(String(DEFAULT_MAX_DELETE)))
      .option("--force", "delete even above --max-delete", false)
      .option("--dry-run", "print what would be done, per kind with counts; change nothing", false)
      .option("--json", "print the result as JSON", false)
      .option("--resume", "continue the journal's unfinished run (its saved report)", false)
      .option("--journal <file>", "journal file (default: <state dir>/reconcile/<stack>.jsonl)")
      .addOption(new Option("--concurrency <n>", "Gen2 requests in flight, 1-64").default(String(DEFAULT_CONCURRENCY)))
      .addOption(new Option("--retries <n>", "retries per request (throttling, timeouts), 0-20").default("4"))
      .addOption(new Option("--list-folder <gen1 path>", "Gen1 folder the catch-up file lists are written to; outside every migrated folder").default(DEFAULT_LIST_FOLDER)),
  run,
);

function whole(flag: string, value: string, min: number, max: number, problems: string[]): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) problems.push(`${flag} ${JSON.stringify(value)}: a whole number from ${min} to ${max}`);
  return n;
}

async function run(f: Flags, io: ReconcileIo): Promise<number> {
  const problems: string[] = [];
  const maxDelete = whole("--max-delete", f.maxDelete, 0, 10_000_000, problems);
  const concurrency = whole("--concurrency", f.concurrency, 1, 64, problems);
  const retries = whole("--retries", f.retries, 0, 20, problems);
  if (!f.stack && !f.configFile) problems.push("--stack <name> or --config-file <file> is required (folders, acls rules, soft-delete retention)");
  if (f.configFile && !f.outputs) problems.push("--config-file needs --outputs <file> (the stack outputs: factory, dfsEndpoint, principals)");
  if (f.report && (f.source || f.allowEmpty)) problems.push("--source/--allow-empty are validate's: not with --report");
  if (!f.listFolder.startsWith("/")) problems.push(`--list-folder ${f.listFolder}: an absolute Gen1 path`);
  if (problems.length > 0) throw new UsageError("reconcile: bad arguments", problems);

  const values = readStackConfig({ stack: f.stack, configFile: f.configFile, projectDir });
  const config = parseStackConfig(values.values, values.secretKeys);
  for (const folder of config.migration.folders) {
    const src = folder.source.replace(/\/+$/, "");
    if (f.listFolder === src || f.listFolder.startsWith(`${src}/`) || src === "") problems.push(`--list-folder ${f.listFolder} is inside migrated folder ${folder.source}: its lists would be copied as data`);
  }
  const outputs = await readStackOutputs({ stack: f.stack, outputsFile: f.outputs });
  const journal = f.journal ?? path.join(stateDir(io.env), "reconcile", `${values.stack}.jsonl`);
  const principals = f.principals ? loadPrincipalsFile(f.principals) : outputs.principals;
  const keep = new Map(folderPairs(config, { stack: values.stack, compareAcls: true, principals }).map((p) => [p.folder.filesystem, new Set(p.stackPrincipals)]));
  const sourceAccountUrl = f.sourceAccountUrl ?? `https://${config.source.accountName}.azuredatalakestore.net`;
  // The emulator tokens (npm run emulators / demo) are honoured for loopback endpoints only; emulatorCredential refuses them elsewhere.
  let signIn: TokenCredential | undefined;
  const azure = (): TokenCredential => (signIn ??= new DefaultAzureCredential());
  const armCredential = io.credential ?? emulatorCredential(io.env, ARM_TOKEN_ENV, f.endpoint) ?? azure();
  const gen1Credential = io.credential ?? emulatorCredential(io.env, GEN1_TOKEN_ENV, sourceAccountUrl) ?? azure();
  // Last before the try below, which removes a validate's scratch folder whatever happens.
  const { report, scratch } = await reportToActOn(f, journal, problems, io);
  const retry = { maxAttempts: retries + 1 };
  const progress = startProgress({ tty: io.tty, write: (line) => io.err(`${line}\n`) });
  const counter = progress.counter("reconciled");
  let result: ReconcileResult;
  try {
    // Inside the try: a refusal here still removes a validate's scratch folder.
    const folders = writtenOnGen1(report.folders, config, io);
    result = await reconcile({ folders, list: report.list }, {
      gen2: dataLakeClient((f.accountUrl ?? outputs.dfsEndpoint).replace(/\/+$/, ""), io.env),
      factory: factoryConnection(outputs, armCredential, f.endpoint),
      fileLists: gen1FileLists({ accountUrl: sourceAccountUrl, credential: gen1Credential, retry }),
      listFolder: f.listFolder,
      principalMap: f.principalMap ? readPrincipalMap(f.principalMap) : undefined,
      keepPrincipals: keep,
      delete: f.delete,
      maxDelete,
      force: f.force,
      dryRun: f.dryRun,
      journalFile: journal,
      resume: f.resume,
      concurrency,
      retry,
      pollIntervalMs: io.pollIntervalMs ?? runPollIntervalMs(f.endpoint, 15_000),
      abortSignal: io.signal,
      onProgress: () => counter.increment(),
      onCopyStarted: io.onCopyStarted,
    });
  } finally {
    progress.stop();
    if (scratch) removeScratch(scratch);
  }
  io.out(f.json ? `${JSON.stringify({ ...result, softDeleteDays: config.softDeleteDays, journal }, null, 2)}\n` : formatResult(result, { softDeleteDays: config.softDeleteDays, journal }));
  return result.ok ? EXIT_OK : EXIT_FAILED;
}

/**
 * The reported folders reconcile acts on. bidirectional-sync: a folder
 * written on Gen2 holds its truth there. Reconcile copies Gen1 → Gen2 and
 * deletes what Gen1 lacks, so acting on such a folder would overwrite or
 * delete Gen2's own writes: skipped. A section validate compared Gen2 →
 * Gen1 for a folder the stack writes on Gen1 now (flipped back since) has
 * mirrored kinds, and its Gen1 → Gen2 differences are unknown: refused.
 */
function writtenOnGen1(reported: ReportFolder[], config: StackConfig, io: Io): ReportFolder[] {
  const gen2Written = new Set(config.migration.folders.filter((x) => x.writer === "gen2").map((x) => x.source));
  const outdated = reported.filter((s) => s.gen2ToGen1 && !gen2Written.has(s.source));
  if (outdated.length > 0) {
    throw new UsageError(
      "reconcile: the report compared folders Gen2 → Gen1 that the stack no longer writes on Gen2",
      outdated.map((s) => `${s.source} → ${s.filesystem}/${s.target}: validated with writer: gen2 (Gen2 as the source); validate again with the stack as it is now`),
    );
  }
  for (const s of reported) {
    if (gen2Written.has(s.source)) io.err(`skipped ${s.source} → ${s.filesystem}/${s.target}: written on Gen2 (writer: gen2); reconcile copies Gen1 → Gen2 only and would overwrite or delete Gen2's writes\n`);
  }
  return reported.filter((s) => !gen2Written.has(s.source));
}

function factoryConnection(outputs: StackOutputs, credential: TokenCredential, endpoint: string | undefined) {
  const target = factoryTarget(outputs);
  if (!target.pipelines.includes("catch-up")) throw new UsageError(`the stack's factory ${target.factoryName} has no catch-up pipeline; deploy this version of the stack first (pulumi up)`);
  return { target, client: factoryClient(target, credential, { endpoint }) };
}

/**
 * The report to act on: --report, the one saved beside the journal
 * (--resume), or a fresh validate's, written to `scratch` (removed when the
 * run ends). Saved beside the journal, full list included, for a resume.
 */
async function reportToActOn(f: Flags, journal: string, problems: string[], io: Io): Promise<{ report: Report; scratch?: string }> {
  const saved = `${journal}.report.json`;
  if (problems.length > 0) throw new UsageError("reconcile: bad arguments", problems);
  if (!f.resume && !f.dryRun) refuseUnfinished(journal);
  if (f.report) return besideJournal(f, journal, f.report, `--report ${f.report}`);
  if (f.resume && existsSync(saved)) return besideJournal(f, journal, saved, saved);
  const scratch = createScratch("reconcile");
  try {
    const file = await validateReport(
      { stack: f.stack, configFile: f.configFile, source: f.source, principals: f.principals, principalMap: f.principalMap, aclMode: f.aclMode, allowEmpty: f.allowEmpty, accountUrl: f.accountUrl, sourceAccountUrl: f.sourceAccountUrl },
      projectDir,
      scratch,
      listingDisplay(io, "reconcile"),
      io.env,
      io.signal,
    );
    return { ...besideJournal(f, journal, file, "validate"), scratch };
  } catch (err) {
    removeScratch(scratch);
    throw err;
  }
}

/** The report at `file`, saved beside the journal unless this is a dry run or a resume. */
function besideJournal(f: Flags, journal: string, file: string, from: string): { report: Report } {
  const { raw, report } = readReport(file, from);
  if (f.dryRun) return { report };
  mkdirSync(path.dirname(journal), { recursive: true });
  return { report: f.resume ? report : keepBesideJournal(raw, report, journal) };
}

if (require.main === module) runMain(main, { interruptible: true });
