import { readFileSync } from "fs";
import { parse } from "yaml";
import { UsageError } from "./cli";

/** Reads a YAML or JSON file given by a flag (YAML is a superset of JSON); problems name the flag. */
export function readDataFile(flag: string, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`${flag} ${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${flag} ${file}: not valid YAML/JSON: ${(err as Error).message.split("\n")[0]}`);
  }
}

/** Writes report files for `--out <base>`: "<base>.md" and "<base>.json" (a given .md/.json extension is dropped). */
export function reportPaths(base: string): { md: string; json: string } {
  const stem = base.replace(/\.(md|json)$/i, "");
  return { md: `${stem}.md`, json: `${stem}.json` };
}
