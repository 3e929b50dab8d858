import { execFileSync } from "child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { Measured, ROOT, runMeasured, validateCommand } from "./measure";

/**
 * The comparison engine validate had before DuckDB (issue 15): the
 * hand-written external sort and merge, deleted by the commit that brought
 * the DuckDB engine. Its last tree is taken from git history into a temp dir
 * and run as its own package.json ran it, so the bench can give the ratio of
 * the two engines on the same input in one run.
 */

/** Deleted with the old engine; the commit before its deletion is the last tree that had it. */
const DELETED_WITH_ENGINE = "scripts/validate/externalSort.ts";

export type LegacyRun = { commit: string; run: Measured } | { unavailable: string };

class Unavailable extends Error {}

function git(args: string[]): string {
  try {
    return execFileSync("git", ["-C", ROOT, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const why = e.code === "ENOENT" ? "git is not installed" : (e.stderr ?? e.message).trim().split("\n")[0];
    throw new Unavailable(`git ${args[0]}: ${why}`);
  }
}

function shallowNote(): string {
  try {
    return git(["rev-parse", "--is-shallow-repository"]) === "true" ? " (shallow clone: `git fetch --unshallow` brings it)" : "";
  } catch {
    return "";
  }
}

/** The parent of the commit that deleted the external sort (a shallow clone cut above that commit does not see the deletion). */
function legacyCommit(): string {
  const deleting = git(["log", "-1", "--diff-filter=D", "--format=%H", "--", DELETED_WITH_ENGINE]);
  if (!deleting) throw new Unavailable(`no commit deleting ${DELETED_WITH_ENGINE} in this clone's history${shallowNote()}`);
  return git(["rev-parse", "--verify", `${deleting}^`]);
}

/** `git archive` of `commit` unpacked into `scratch`/tree, with the repo's node_modules linked in (the old tree's packages are a subset). */
function extract(commit: string, scratch: string): string {
  const tar = path.join(scratch, "tree.tar");
  const tree = path.join(scratch, "tree");
  mkdirSync(tree);
  git(["archive", "--format=tar", "-o", tar, commit]);
  try {
    execFileSync("tar", ["-xf", tar, "-C", tree], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    throw new Unavailable(`tar -x of ${commit.slice(0, 7)}: ${((err as { stderr?: Buffer }).stderr ?? "").toString().trim() || (err as Error).message}`);
  }
  symlinkSync(path.join(ROOT, "node_modules"), path.join(tree, "node_modules"), "dir");
  return tree;
}

/** Runs the old tree's validate with `args`; the tree is removed afterwards whatever happens. */
export async function measureLegacy(args: string[], env: NodeJS.ProcessEnv): Promise<LegacyRun> {
  let commit: string;
  try {
    commit = legacyCommit();
  } catch (err) {
    if (err instanceof Unavailable) return { unavailable: err.message };
    throw err;
  }
  const scratch = mkdtempSync(path.join(tmpdir(), "bench-legacy-"));
  try {
    const tree = extract(commit, scratch);
    return { commit, run: await runMeasured(validateCommand(tree), args, env, tree) };
  } catch (err) {
    if (err instanceof Unavailable) return { unavailable: err.message };
    throw err;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
