import { mkdirSync } from "fs";
import * as path from "path";
import { stateDir } from "../lib/stateDir";

/** How --checkpoint defaults, for the help of every command that applies ACLs. */
export const CHECKPOINT_DEFAULT_HELP = "<state dir>/acl-checkpoint-<stack, or the account host>.json";

/**
 * The default checkpoint of an ACL apply, shared by `acl apply` and
 * `post-deploy` so that both resume the same run: one file per stack (or per
 * account when no stack is named) in the per-user state directory.
 * An explicit --checkpoint wins. The state directory is created unless
 * `dryRun` (dry runs write no checkpoint).
 */
export function checkpointFile(opts: { flag?: string; stack?: string; accountUrl: string; env: NodeJS.ProcessEnv; dryRun?: boolean }): string {
  if (opts.flag) return opts.flag;
  const key = opts.stack ?? new URL(opts.accountUrl).host;
  const dir = stateDir(opts.env);
  if (!opts.dryRun) mkdirSync(dir, { recursive: true });
  return path.join(dir, `acl-checkpoint-${key.replace(/[^A-Za-z0-9._-]/g, "_")}.json`);
}
