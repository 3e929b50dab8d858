import { existsSync, readFileSync, readdirSync } from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT } from "../../components/config/load";
import { UsageError } from "./cli";

/** Placeholder for `secure:` values: offline tools cannot decrypt them and never print them. */
export const SECRET_PLACEHOLDER = "[secret]";

export interface StackConfigValues {
  /** Stack name (from `--stack`, or the file name for `--config-file`). */
  stack: string;
  /** Flat Pulumi config map as the engine passes it to the program. */
  values: Record<string, string>;
  /** Keys whose value (or part of it) is a `secure:` ciphertext. */
  secretKeys: string[];
}

/** A missing or unreadable stack file: a usage error (exit 2). */
export class StackFileError extends UsageError {}

/**
 * Reads the config the Pulumi CLI would hand to the program for a stack:
 * declared defaults from Pulumi.yaml overlaid with Pulumi.<stack>.yaml.
 */
export function readStackConfig(opts: { stack?: string; configFile?: string; projectDir: string }): StackConfigValues {
  const file = opts.configFile
    ? path.resolve(opts.configFile)
    : path.join(opts.projectDir, `Pulumi.${opts.stack ?? ""}.yaml`);
  if (!opts.configFile && !opts.stack) throw new StackFileError("either --stack <name> or --config-file <path> is required");
  if (!existsSync(file)) {
    throw new StackFileError(`stack config file not found: ${file} (stacks here: ${listStacks(opts.projectDir).join(", ") || "none"})`);
  }
  const stack = opts.stack ?? path.basename(file).replace(/^Pulumi\./, "").replace(/\.ya?ml$/, "");

  const values: Record<string, string> = {};
  const secretKeys = new Set<string>();
  const put = (key: string, value: unknown) => {
    const { text, secret } = encode(value);
    values[key] = text;
    if (secret) secretKeys.add(key);
    else secretKeys.delete(key);
  };

  const project = parseYaml(path.join(opts.projectDir, "Pulumi.yaml"));
  const declared = asRecord(project.config);
  for (const [key, decl] of Object.entries(declared)) {
    const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
    const d = asRecord(decl);
    if ("default" in d) put(fullKey, d.default);
    else if ("value" in d) put(fullKey, d.value);
    else if (typeof decl !== "object" || decl === null) put(fullKey, decl);
  }

  const stackDoc = parseYaml(file);
  for (const [key, value] of Object.entries(asRecord(stackDoc.config))) put(key, value);
  return { stack, values, secretKeys: [...secretKeys] };
}

/** Stack names that have a Pulumi.<name>.yaml in the project directory. */
export function listStacks(projectDir: string): string[] {
  return readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

function parseYaml(file: string): Record<string, unknown> {
  try {
    return asRecord(parse(readFileSync(file, "utf8")));
  } catch (err) {
    throw new StackFileError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Scalars stay plain strings; objects and arrays become JSON, as the engine sends them. */
function encode(value: unknown): { text: string; secret: boolean } {
  let secret = false;
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (typeof v === "object" && v !== null) {
      const rec = v as Record<string, unknown>;
      if (Object.keys(rec).length === 1 && typeof rec.secure === "string") {
        secret = true;
        return SECRET_PLACEHOLDER;
      }
      return Object.fromEntries(Object.entries(rec).map(([k, x]) => [k, strip(x)]));
    }
    return v;
  };
  const stripped = strip(value);
  const text = typeof stripped === "object" && stripped !== null ? JSON.stringify(stripped) : String(stripped);
  return { text, secret };
}
