import { z } from "zod";
import { PROJECT } from "../../components/config/load";
import { deriveAccountName } from "../../components/config/naming";
import type { StackConfig } from "../../components/config/schema";
import { UsageError } from "../lib/cli";
import { relativePath } from "../sources/types";

/**
 * Gen1 folder → Gen2 location, the same shape as the stack's
 * `adls-migration:migration` folders plus the two account names.
 */
const account = z.string().regex(/^[a-z0-9]{3,24}$/, "3-24 lowercase letters and digits");
const folder = z.strictObject({
  /** Gen1 folder, e.g. /raw/sales ("/" for the whole account). */
  source: z.string().startsWith("/", "an absolute Gen1 path such as /raw/sales"),
  filesystem: z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, "3-63 lowercase letters, digits and single hyphens"),
  /** Directory inside the filesystem ("/" or absent: its root). */
  target: z.string().default("/"),
  gen1Account: account.optional(),
  gen2Account: account.optional(),
});
export const mapFileSchema = z.strictObject({
  gen1Account: account.optional(),
  gen2Account: account.optional(),
  folders: z.array(folder).min(1, "list at least one folder"),
});
export type MapFile = z.infer<typeof mapFileSchema>;

export interface FolderRule {
  gen1Account: string;
  /** Relative Gen1 folder, "" for the account root. */
  source: string;
  filesystem: string;
  gen2Account: string;
  /** Relative directory in the filesystem, "" for its root. */
  target: string;
}

/** Validates a map file's content; every problem names its key. */
export function rulesFromMap(flag: string, raw: unknown): FolderRule[] {
  const parsed = mapFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(
      `${flag}: not a valid folder map`,
      parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`),
    );
  }
  const problems: string[] = [];
  const rules = parsed.data.folders.map((f, i) => {
    const gen1Account = f.gen1Account ?? parsed.data.gen1Account;
    const gen2Account = f.gen2Account ?? parsed.data.gen2Account;
    if (!gen1Account) problems.push(`folders.${i}.gen1Account: required here or at the top level`);
    if (!gen2Account) problems.push(`folders.${i}.gen2Account: required here or at the top level`);
    return { gen1Account: gen1Account ?? "", source: relativePath(f.source), filesystem: f.filesystem, gen2Account: gen2Account ?? "", target: relativePath(f.target) };
  });
  if (problems.length > 0) throw new UsageError(`${flag}: not a valid folder map`, problems);
  return rules;
}

/**
 * Builds the map from a validated stack config: the folders of
 * `adls-migration:migration`, the Gen1 account of `adls-migration:source`,
 * and the Gen2 account the stack deploys (explicit `accountName`, or the name
 * the stack derives, unless `--account` overrides it).
 */
export function rulesFromStack(config: StackConfig, stack: string, gen2AccountFlag?: string): FolderRule[] {
  const gen2Account =
    gen2AccountFlag ??
    config.accountName ??
    deriveAccountName({ project: PROJECT, stack, namePrefix: config.namePrefix, environment: config.environment });
  return rulesFromMap("--stack", {
    gen1Account: config.source.accountName,
    gen2Account,
    folders: config.migration.folders.map((f) => ({ source: f.source, filesystem: f.filesystem, target: f.target })),
  });
}
