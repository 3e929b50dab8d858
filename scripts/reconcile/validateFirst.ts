import { writeFileSync } from "fs";
import * as path from "path";
import { InputError, SourceError } from "../sources/types";
import { validate } from "../validate/compare";
import { differencesPath, openDifferencesFile } from "../validate/differencesFile";
import { type ListingDisplay, comparisonProgress } from "../validate/listingProgress";
import { type FolderSection, toJson } from "../validate/report";
import { type ValidateFlags, settingsFrom } from "../validate/settings";
import { CliError, EXIT_FAILED, EXIT_USAGE, Interrupted } from "../lib/cli";

/**
 * Runs validate over the stack's folders, as `validate --stack ... --acls
 * --out <dir>/validation` would, and returns the path of its JSON report:
 * every difference is in the full list beside it, however many (the report
 * lists examples only). ACLs are always read: directories and ACL fixes
 * need the source's owner, group and entries. An unreadable side, or a stop
 * by `signal`, ends reconcile before any change.
 */
export async function validateReport(flags: ValidateFlags, projectDir: string, dir: string, display: ListingDisplay, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<string> {
  const settings = await settingsFrom({ ...flags, acls: true }, projectDir, env);
  const json = path.join(dir, "validation.json");
  const all = openDifferencesFile(differencesPath(json), "reconcile: validate");
  const sections: FolderSection[] = [];
  const started = Date.now();
  try {
    for (const pair of settings.pairs) {
      const shown = comparisonProgress(display, pair);
      try {
        const result = await validate(pair.source, pair.target, {
          acls: pair.acls,
          staleFrom: pair.staleFrom,
          runSize: settings.runSize,
          maxListed: settings.maxListed,
          allowEmpty: settings.allowEmpty,
          tmpDir: settings.tmpDir,
          ...shown.hooks,
          signal,
          allDifferences: all.section(sections.length),
        });
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
  writeFileSync(json, toJson({ sections, seconds: (Date.now() - started) / 1000, differencesFile: await all.finish() }));
  return json;
}
