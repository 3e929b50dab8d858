import { PROJECT } from "./project";
import { configKey } from "./rawConfig";

/**
 * Config values that are credentials. Pulumi keeps a value encrypted in the
 * stack file (`secure: <ciphertext>`) and in state only when it was set with
 * `pulumi config set --secret`; the engine then lists the top-level key in
 * PULUMI_CONFIG_SECRET_KEYS (read by @pulumi/pulumi's runtime isConfigSecret),
 * and with `--path` the whole top-level key counts as secret.
 */
export const SECRET_PATHS: readonly (readonly string[])[] = [["source", "keyVault", "secretValue"]];

/** A problem for each secret-bearing key whose top-level key is not a Pulumi secret. */
export function plaintextSecrets(raw: Record<string, unknown>, secretKeys: readonly string[]): string[] {
  return SECRET_PATHS.filter((path) => valueAt(raw, path) !== undefined && !secretKeys.includes(`${PROJECT}:${path[0]}`)).map((path) => {
    const key = configKey(path);
    return `${key}: is a secret written in clear text; remove it from the stack file and run: pulumi config set --secret --path '${key}' <value>`;
  });
}

function valueAt(raw: Record<string, unknown>, path: readonly string[]): unknown {
  let current: unknown = raw;
  for (const part of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
