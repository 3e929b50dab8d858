import * as path from "path";
import { Command, Option } from "commander";
import { AclSpec } from "../components/config/acls";
import { parseStackConfig } from "../components/config/load";
import { EXIT_FAILED, EXIT_OK, UsageError } from "./lib/cli";
import { defineCommand, runMain } from "./lib/command";
import { readStackConfig } from "./lib/stackFile";
import type { StackOutputs } from "./lib/stackOutputs";
import { fromSdk, formatAces } from "./acl/aclModel";
import { ApplyEvents, ApplySummary, RuleSummary, DEFAULT_MAX_CONCURRENCY, DEFAULT_RETRY, MAX_BATCH, MAX_CONCURRENCY, applyAcls, applyProgress } from "./acl/apply";
import { CHECKPOINT_DEFAULT_HELP, checkpointFile } from "./acl/checkpointFile";
import type { AclIo } from "./acl/io";
import type { RuleDiff } from "./acl/diff";
import { dataLakeClient, lazyOutputs, resolveAccountUrl } from "./acl/client";
import { Principals, ResolvedRule, loadPrincipalsFile, loadSpecFile, principalsFrom, resolveSpec } from "./acl/spec";

/**
 * `npm run acl -- apply|diff|show ...`: folder ACLs on the Gen2 account, the
 * post-deploy step no IaC tool can do (ACLs are not ARM resources).
 * Exit codes: 0 done, 1 failures (apply) or pending changes (diff), 2 bad input,
 * 130/143/129 stopped by SIGINT (Ctrl-C)/SIGTERM/SIGHUP (the checkpoint holds the position).
 */

const projectDir = path.resolve(__dirname, "..");

interface CommonFlags {
  stack?: string;
  outputs?: string;
  accountUrl?: string;
  principals?: string;
  json?: boolean;
}

interface ApplyFlags extends CommonFlags {
  spec?: string;
  dryRun?: boolean;
  concurrency?: number;
  maxConcurrency: number;
  batchSize: number;
  checkpoint?: string;
  resume?: boolean;
  full?: boolean;
  verbose?: boolean;
}

const parseConcurrency = (flag: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) throw new UsageError(`${flag} ${v}: must be a whole number between 1 and ${MAX_CONCURRENCY}`);
  return n;
};

function parseBatchSize(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_BATCH) throw new UsageError(`--batch-size ${v}: must be a whole number between 1 and ${MAX_BATCH}`);
  return n;
}

function targetOptions(cmd: Command): Command {
  return cmd
    .option("-s, --stack <name>", "stack whose outputs give dfsEndpoint and principals (uses the Pulumi CLI)")
    .option("--outputs <file>", "stack outputs saved by `pulumi stack output --json`, instead of asking the Pulumi CLI")
    .option("--account-url <url>", "dfs endpoint, e.g. https://<account>.dfs.core.windows.net (default: the stack's dfsEndpoint)")
    .option("--principals <file>", "JSON object of principal name → object id (default: the stack's principals output)")
    .option("--json", "print one JSON document on stdout");
}

function applyLike(program: Command, name: string, description: string, dryRunOnly: boolean): void {
  const cmd = targetOptions(program.command(name).description(description))
    .option("--spec <file>", "ACL spec (YAML); default: the stack config key adls-migration:acls of --stack")
    .addOption(new Option("--concurrency <n>", `a fixed number of subtrees in parallel (1-${MAX_CONCURRENCY}); default: adaptive`).argParser(parseConcurrency("--concurrency")))
    .addOption(
      new Option("--max-concurrency <n>", `upper bound of the adaptive concurrency (1-${MAX_CONCURRENCY})`).default(DEFAULT_MAX_CONCURRENCY).argParser(parseConcurrency("--max-concurrency")),
    )
    .addOption(new Option("--batch-size <n>", "paths per recursive ACL request (1-2000; smaller = finer checkpoints)").default(MAX_BATCH).argParser(parseBatchSize))
    .option("--full", "apply every subtree, also those whose top path already has the entries (after copies, or when unsure)")
    .option("--verbose", "dry runs: list every path that would change, and what would change there (--json always includes the list)");
  if (!dryRunOnly) {
    cmd
      .option("--dry-run", "read and report what would change; write nothing")
      .option("--checkpoint <file>", `resume journal, one line appended per batch, locked while a run uses it (default: ${CHECKPOINT_DEFAULT_HELP})`)
      .option("--resume", "continue the run recorded in the checkpoint");
  }
}

export const main = defineCommand<ApplyFlags, AclIo>(
  (program) => {
    program.name("acl").description("Apply, preview and show ADLS Gen2 folder ACLs");
    applyLike(program, "apply", "apply the spec: every path below each rule gets its entries", false);
    applyLike(program, "diff", "what apply would change (a dry run); exit 1 when something would change", true);
    targetOptions(program.command("show").description("print the ACL of <filesystem>/<path>").argument("<path>", "e.g. raw/sales"));
    return program;
  },
  (flags, io, cmd) => {
    if (cmd.name() === "show") return runShow(cmd.args[0], flags, io);
    const isDiff = cmd.name() === "diff";
    return runApply({ ...flags, dryRun: isDiff || flags.dryRun }, io, isDiff);
  },
);

async function loadPrincipals(flags: CommonFlags, outputs: () => Promise<StackOutputs | undefined>): Promise<Principals> {
  if (flags.principals) return loadPrincipalsFile(flags.principals);
  const out = await outputs();
  return out ? principalsFrom(out.principals, `stack output "principals"`) : {};
}

/** The spec from --spec, or the stack config's `acls` key. Static validation only: no request is made. */
function loadSpec(flags: ApplyFlags): AclSpec {
  if (flags.spec) return loadSpecFile(flags.spec);
  if (!flags.stack) throw new UsageError("pass --spec <file>, or --stack <name> to use the stack config key adls-migration:acls");
  const config = readStackConfig({ stack: flags.stack, projectDir });
  const acls = parseStackConfig(config.values, config.secretKeys).acls;
  if (!acls) throw new UsageError(`--stack ${flags.stack}: Pulumi.${flags.stack}.yaml has no adls-migration:acls; pass --spec <file>`);
  return acls;
}

async function resolveRules(flags: ApplyFlags, outputs: () => Promise<StackOutputs | undefined>): Promise<ResolvedRule[]> {
  const spec = loadSpec(flags);
  const principals = await loadPrincipals(flags, outputs);
  const { rules, problems } = resolveSpec(spec, principals);
  if (problems.length > 0) throw new UsageError(`invalid ACL spec${flags.spec ? ` ${flags.spec}` : ""}`, problems);
  return rules;
}

async function runApply(flags: ApplyFlags, io: AclIo, isDiff: boolean): Promise<number> {
  const outputs = lazyOutputs(flags);
  const rules = await resolveRules(flags, outputs);
  const accountUrl = await resolveAccountUrl(flags, outputs);
  if (flags.resume && flags.dryRun) throw new UsageError("--resume and --dry-run cannot be combined");
  const cpFile = checkpointFile({ flag: flags.checkpoint, stack: flags.stack, accountUrl, env: io.env, dryRun: flags.dryRun });
  const listPaths = (flags.dryRun ?? false) && (flags.verbose || flags.json) === true;
  const progress = quietDiff(applyProgress({ tty: io.tty, write: (line) => io.err(`${line}\n`) }), isDiff && !flags.verbose);
  let summary: ApplySummary;
  try {
    summary = await applyAcls({
      service: dataLakeClient(accountUrl, io.env),
      accountUrl,
      rules,
      dryRun: flags.dryRun ?? false,
      concurrency: flags.concurrency,
      maxConcurrency: flags.maxConcurrency,
      batchSize: flags.batchSize,
      checkpointFile: cpFile,
      resume: flags.resume ?? false,
      full: flags.full ?? false,
      retry: io.retry ?? DEFAULT_RETRY,
      signal: io.signal,
      events: progress,
      listPaths,
    });
  } catch (err) {
    if (!flags.dryRun) io.err(`checkpoint: ${cpFile}\n`);
    throw err;
  } finally {
    progress.stop();
  }
  if (summary.failures > 0 && !flags.dryRun) io.err(`checkpoint: ${cpFile}\n`);
  if (flags.json) {
    io.out(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    const names = await idNames(flags, outputs);
    io.out(renderSummary(summary, flags.dryRun ?? false, names));
  }
  if (isDiff) return summary.changed ? EXIT_FAILED : EXIT_OK;
  return summary.failures > 0 ? EXIT_FAILED : EXIT_OK;
}

/** diff without --verbose: the plan's per-path notes stay out of the output (the counts say it all); warnings and progress stay. */
function quietDiff<E extends ApplyEvents>(events: E, quiet: boolean): E {
  if (!quiet) return events;
  return { ...events, note: (line: string) => (line.startsWith("concurrency:") ? events.note?.(line) : undefined) };
}

/** Object id → principal name, from --principals or the stack output (empty without either). */
async function idNames(flags: CommonFlags, outputs: () => Promise<StackOutputs | undefined>): Promise<Map<string, string>> {
  const principals = await loadPrincipals(flags, outputs);
  return new Map(Object.entries(principals).map(([name, id]) => [id.toLowerCase(), name]));
}

/** ACL text with each known object id followed by its principal name: group:<id>(dl-readers):r-x */
function named(text: string, names: Map<string, string>): string {
  return text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, (id) => (names.has(id.toLowerCase()) ? `${id}(${names.get(id.toLowerCase())})` : id));
}

/** A dry run's figures for one rule: counts first, then what set would remove, then (--verbose) each path. */
function renderDiff(r: RuleSummary, d: RuleDiff, names: Map<string, string>): string[] {
  const trusted = d.trusted > 0 ? `, ${d.trusted} subtree${d.trusted === 1 ? "" : "s"} trusted from the journal's last finished run (paths below not read)` : "";
  const verdict = r.changed ? "would change" : "no change";
  const lines = [`${r.path} (${r.mode}): ${verdict}: ${d.checked} paths checked, ${d.wouldChange} would change, ${d.alreadyRight} already right${trusted}`];
  if (d.removes.length > 0) {
    lines.push(`  mode set would remove entries present now:`);
    for (const e of d.removes) lines.push(`    ${named(e.entry, names)} on ${e.paths} path${e.paths === 1 ? "" : "s"}`);
  }
  for (const p of d.paths ?? []) lines.push(`  ${p.path}: ${named(p.change, names)}`);
  return lines;
}

function renderSummary(s: ApplySummary, dryRun: boolean, names: Map<string, string>): string {
  const lines: string[] = [];
  for (const r of s.rules) {
    if (r.diff) {
      lines.push(...renderDiff(r, r.diff, names));
      continue;
    }
    const parts: string[] = [];
    if (r.traversed.length > 0) parts.push(`--x on ${r.traversed.length} parent${r.traversed.length === 1 ? "" : "s"}`);
    if (r.subtrees > 0) parts.push(`${r.subtrees} subtree${r.subtrees === 1 ? "" : "s"} ${dryRun ? "to apply" : "applied"}`);
    if (r.unchanged > 0) parts.push(`${r.unchanged} already right`);
    // Say how "right" was established: every path read, or trusted from the journal's last finished run.
    const how = [r.checked > 0 ? `${r.checked} paths below read` : "", r.trusted > 0 ? `${r.trusted} subtrees trusted from the journal` : ""].filter(Boolean).join(", ");
    lines.push(`${r.path} (${r.mode}): ${r.changed ? parts.join(", ") : "no change"}${how ? ` (${how})` : ""}`);
  }
  if (!s.changed) lines.push("No change: every rule is already applied.");
  else if (dryRun) lines.push("Dry run: nothing was written.");
  else lines.push(`Applied: ${s.directories} directories, ${s.files} files, ${s.failures} failures.`);
  if (s.failures > 0) {
    lines.push("Failed paths:");
    for (const f of s.failedEntries.slice(0, 20)) lines.push(`  ${f.path}: ${f.reason}`);
    if (s.failures > 20) lines.push(`  ... and ${s.failures - 20} more (--json lists up to ${s.failedEntries.length})`);
    lines.push("Fix the cause and run again with --resume to redo the subtrees that had failures.");
  }
  return `${lines.join("\n")}\n`;
}

async function runShow(target: string, flags: CommonFlags, io: AclIo): Promise<number> {
  const [fs, ...rest] = target.split("/").filter((s) => s !== "");
  if (!fs) throw new UsageError(`show ${target}: expected <filesystem>/<path>, e.g. raw/sales`);
  const outputs = lazyOutputs(flags);
  const accountUrl = await resolveAccountUrl(flags, outputs);
  const principals = await loadPrincipals(flags, outputs);
  const names = new Map(Object.entries(principals).map(([name, id]) => [id.toLowerCase(), name]));
  const dirPath = rest.join("/");
  const client = dataLakeClient(accountUrl, io.env).getFileSystemClient(fs).getDirectoryClient(dirPath === "" ? "/" : dirPath);
  let acl;
  try {
    acl = await client.getAccessControl();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) throw new UsageError(`show ${target}: the path does not exist`);
    throw err;
  }
  const aces = fromSdk(acl.acl);
  if (flags.json) {
    io.out(`${JSON.stringify({ path: target, owner: acl.owner, group: acl.group, acl: formatAces(aces), entries: aces.map((a) => ({ ...a, name: names.get(a.id) })) }, null, 2)}\n`);
    return EXIT_OK;
  }
  const lines = [`# ${target}`, `# owner: ${acl.owner}`, `# group: ${acl.group}`];
  for (const a of aces) {
    const name = names.get(a.id);
    lines.push(`${a.scope === "default" ? "default:" : ""}${a.type}:${a.id}:${a.perms}${name ? `    # ${name}` : ""}`);
  }
  io.out(`${lines.join("\n")}\n`);
  return EXIT_OK;
}

if (require.main === module) runMain(main, { interruptible: true });
