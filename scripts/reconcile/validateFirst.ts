import { InputError, SourceError } from "../sources/types";
import { validate } from "../validate/compare";
import { type ListingDisplay, comparisonProgress } from "../validate/listingProgress";
import { type FolderSection, toJson } from "../validate/report";
import { type ValidateFlags, settingsFrom } from "../validate/settings";
import { CliError, EXIT_FAILED, EXIT_USAGE, Interrupted } from "../lib/cli";

/** Every difference, however many: reconcile acts on all of them, not on examples. */
const ALL = "1000000000";

/**
 * Runs validate over the stack's folders, as `validate --stack ... --acls
 * --json` would, with every difference listed, and returns its JSON report.
 * ACLs are always read: directories and ACL fixes need the source's owner,
 * group and entries. An unreadable side, or a stop by `signal`, ends
 * reconcile before any change.
 */
export async function validateReport(flags: ValidateFlags, projectDir: string, display: ListingDisplay, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<unknown> {
  const settings = await settingsFrom({ ...flags, acls: true, maxListed: ALL }, projectDir, env);
  const sections: FolderSection[] = [];
  const started = Date.now();
  try {
    for (const pair of settings.pairs) {
      const shown = comparisonProgress(display, pair);
      try {
        const result = await validate(pair.source, pair.target, { acls: pair.acls, staleFrom: pair.staleFrom, runSize: settings.runSize, maxListed: settings.maxListed, allowEmpty: settings.allowEmpty, tmpDir: settings.tmpDir, ...shown.hooks, signal });
        sections.push(pair.folder ? { folder: pair.folder, ...result } : result);
      } catch (err) {
        if (signal?.aborted) throw new Interrupted("reconcile: interrupted during its validate; nothing was changed: run it again");
        if (err instanceof SourceError) throw new CliError(`reconcile: validate: ${err.message}`, err instanceof InputError ? EXIT_USAGE : EXIT_FAILED);
        throw err;
      } finally {
        shown.done();
      }
    }
  } finally {
    display.progress.stop();
  }
  return JSON.parse(toJson({ sections, seconds: (Date.now() - started) / 1000 }));
}
