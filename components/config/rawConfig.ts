import { PROJECT } from "./project";
import { closest } from "./primitives";

/**
 * The step before the schema: sorts the flat Pulumi config map into the keys
 * this program reads and reports the ones it would otherwise ignore (a key
 * without namespace, a misspelt namespace) and YAML nulls, each naming its key.
 */

/**
 * Config namespaces the program (or a provider it uses) reads. Pulumi keys are
 * `<namespace>:<name>`; a stack file key without a namespace is refused by the
 * Pulumi CLI itself (pkg/resource/config/key.go ParseKey: "configuration keys
 * should be of the form `<namespace>:<name>`"), and `pulumi config set name`
 * stores it as `<project>:name`. Provider keys are validated by the provider.
 * `pulumi:` holds engine settings such as pulumi:disable-default-providers.
 */
export const READ_NAMESPACES = [PROJECT, "azure-native", "azuread", "pulumi"] as const;

export interface RawConfig {
  /** `adls-migration:*` values by key without namespace, structured values parsed from JSON. */
  raw: Record<string, unknown>;
  /** Problems found before the schema runs. */
  problems: string[];
  /** Config keys (as configKey spells them) holding a null; schema messages under them are redundant. */
  nullKeys: string[];
}

export function readRawConfig(values: Record<string, string>, knownKeys: readonly string[]): RawConfig {
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const colon = key.indexOf(":");
    const namespace = colon < 0 ? undefined : key.slice(0, colon);
    const name = colon < 0 ? key : key.slice(colon + 1);
    if (namespace === PROJECT) raw[name] = decode(value);
    else if (namespace === undefined) problems.push(`${key}: has no namespace, so Pulumi does not pass it to the program (keys are <namespace>:<name>)${suggestKey(name, knownKeys)}`);
    else if (!(READ_NAMESPACES as readonly string[]).includes(namespace)) {
      const near = closest(namespace, READ_NAMESPACES);
      problems.push(
        `${key}: namespace "${namespace}" is not read by this program (it reads ${READ_NAMESPACES.join(", ")})` +
          (near === PROJECT ? suggestKey(name, knownKeys) : near ? `; did you mean ${near}:${name}?` : ""),
      );
    }
  }
  if (raw.location === undefined && values["azure-native:location"] !== undefined) {
    raw.location = decode(values["azure-native:location"]);
  }
  const nullKeys = findNulls(raw, []);
  for (const key of nullKeys) problems.push(`${key}: is null (YAML null, ~ or a key with no value); give it a value or remove the key`);
  return { raw, problems, nullKeys };
}

/** "; did you mean adls-migration:<known>?" when `name` is (close to) a known key. */
export function suggestKey(name: string, knownKeys: readonly string[]): string {
  const near = closest(name, knownKeys);
  return near ? `; did you mean ${PROJECT}:${near}?` : "";
}

/**
 * The engine hands scalar values over as strings, so a YAML null arrives as
 * the text "null" (no key of this program has "null" as a meaningful value);
 * structured values arrive as JSON, where a null stays a null.
 */
function decode(value: string): unknown {
  if (value === "null") return null;
  const trimmed = value.trimStart();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function findNulls(value: unknown, path: PropertyKey[]): string[] {
  if (value === null) return [configKey(path)];
  if (typeof value !== "object") return [];
  const entries: [PropertyKey, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => findNulls(v, [...path, k]));
}

/** `["filesystems", 1, "name"]` → `adls-migration:filesystems[1].name` */
export function configKey(path: readonly PropertyKey[]): string {
  let key = PROJECT;
  path.forEach((part, i) => {
    if (typeof part === "number") key += `[${part}]`;
    else key += i === 0 ? `:${String(part)}` : `.${String(part)}`;
  });
  return key;
}

/** Whether a problem message is about `key` or something inside it. */
export function isUnder(problem: string, key: string): boolean {
  return problem.startsWith(key) && /^[:.[]/.test(problem.slice(key.length));
}
