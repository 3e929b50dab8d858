import { DEFAULT_RETRY, applyProgress, prepareApply } from "../acl/apply";
import { checkpointFile } from "../acl/checkpointFile";
import { Principals, ResolvedRule, loadPrincipalsFile, principalsFrom, resolveSpec } from "../acl/spec";
import { UsageError } from "../lib/cli";
import type { StackConfig } from "../../components/config/schema";
import type { PostDeployFlags, ReadyStep, Step, StepContext } from "./steps";

/**
 * The stack's `acls` spec with its principals resolved (no storage request);
 * throws UsageError listing every unknown name. Undefined without the key.
 */
export async function resolveStackAcls(config: StackConfig, flags: PostDeployFlags, outputs: StepContext["outputs"]): Promise<ResolvedRule[] | undefined> {
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

/**
 * Step 3: the stack's `acls` spec, as `npm run acl -- apply` would apply it.
 * The check validates the rules against the lake as the folders step will
 * leave it (a dry run on a fresh deploy plans the folders it would create)
 * and takes the journal's lock.
 */
export const applyStackAcls: Step = {
  name: "acls",
  async check(ctx): Promise<ReadyStep> {
    const rules = await resolveStackAcls(ctx.config, ctx.flags, ctx.outputs);
    const counts = { rules: 0, directories: 0, files: 0, failures: 0 };
    if (!rules) return { run: async () => ({ ok: true, message: "no adls-migration:acls in the stack config; skipped", counts }) };
    const { client, accountUrl } = await ctx.service();
    const cpFile = checkpointFile({ flag: ctx.flags.checkpoint, stack: ctx.stack, accountUrl, env: ctx.io.env, dryRun: ctx.flags.dryRun });
    const progress = applyProgress({ tty: ctx.io.tty, write: (line) => ctx.io.err(`${line}\n`) });
    const dryRun = ctx.flags.dryRun ?? false;
    let prepared;
    try {
      prepared = await prepareApply({
        service: client,
        accountUrl,
        rules,
        dryRun,
        checkpointFile: cpFile,
        resume: ctx.flags.resume ?? false,
        full: ctx.flags.full ?? false,
        retry: ctx.io.retry ?? DEFAULT_RETRY,
        signal: ctx.io.signal,
        events: progress,
        newDirectories: ctx.newDirectories,
      });
    } catch (err) {
      progress.stop();
      throw err;
    }
    const ready = prepared;
    return {
      release: () => {
        ready.release();
        progress.stop();
      },
      async run() {
        try {
          const s = await ready.run();
          const changedRules = s.rules.filter((r) => r.changed).length;
          const wouldChange = s.rules.reduce((n, r) => n + (r.diff?.wouldChange ?? 0), 0);
          const figures = { rules: changedRules, directories: s.directories, files: s.files, failures: s.failures, ...(dryRun ? { wouldChange } : {}) };
          if (!s.changed) return { ok: true, message: "no change", counts: figures };
          const failures = s.failedEntries.slice(0, 20).map((f) => `\n    ${f.path}: ${f.reason}`).join("");
          if (s.failures > 0 && !dryRun) ctx.io.err(`checkpoint: ${cpFile}\n`);
          const what = dryRun
            ? `would change ${changedRules} rule(s): ${s.rules.filter((r) => r.changed).map((r) => `${r.path} ${r.diff?.wouldChange ?? 0} of ${r.diff?.checked ?? 0} paths`).join(", ")}` : `applied ${changedRules} rule(s): ${s.directories} directories, ${s.files} files, ${s.failures} failures`;
          return { ok: s.failures === 0, message: `${what}${failures}`, counts: figures };
        } catch (err) {
          if (!dryRun) ctx.io.err(`checkpoint: ${cpFile}\n`);
          throw err;
        } finally {
          progress.stop();
        }
      },
    };
  },
};
