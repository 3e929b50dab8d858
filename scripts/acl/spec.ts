import { readFileSync } from "fs";
import { parse } from "yaml";
import { z } from "zod";
import { AclMode, AclSpec, aclSpecSchema } from "../../components/config/acls";
import { UsageError } from "../lib/cli";
import type { Ace } from "./aclModel";

/** A spec rule with every principal resolved to an object id: what the applier executes. */
export interface ResolvedRule {
  /** Position in the spec, for messages ("rules[2]"). */
  index: number;
  /** As written: <filesystem>/<directory path>. */
  path: string;
  filesystem: string;
  /** Directory path inside the filesystem; "" is its root. */
  directory: string;
  mode: AclMode;
  /** Named entries only (the spec cannot name base entries or the mask). */
  entries: Ace[];
  traverse: boolean;
}

/** Name → object id, as the stack output `principals` holds it. */
export type Principals = Record<string, string>;

/** `rules[1].entries[0].permissions` from a zod issue path. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

function describe(issue: z.core.$ZodIssue): string[] {
  if (issue.code === "unrecognized_keys") return issue.keys.map((k) => `${issuePath([...issue.path, k])}: unknown key`);
  let message = issue.message;
  if (issue.code === "invalid_type" && message.startsWith("Invalid input")) {
    message = message.includes("received undefined") ? `is required (${issue.expected})` : `must be ${issue.expected === "array" ? "a list" : `a ${issue.expected}`}`;
  }
  const where = issuePath(issue.path);
  return [where ? `${where}: ${message}` : message];
}

/** Validates an already parsed spec document; every problem is listed, none thrown one by one. */
export function validateSpec(doc: unknown): { spec?: AclSpec; problems: string[] } {
  const result = aclSpecSchema.safeParse(doc);
  if (result.success) return { spec: result.data, problems: [] };
  return { problems: result.error.issues.flatMap(describe) };
}

/** Reads a YAML (or JSON) spec file and validates it; bad input throws UsageError listing every problem. */
export function loadSpecFile(file: string): AclSpec {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`--spec ${file}: cannot read the ACL spec: ${(err as Error).message}`);
  }
  const { spec, problems } = validateSpec(doc);
  if (!spec) throw new UsageError(`--spec ${file}: invalid ACL spec`, problems);
  return spec;
}

/**
 * Resolves group and user names through the principals map. Unknown names
 * are problems (reported together), never guessed.
 */
export function resolveSpec(spec: AclSpec, principals: Principals): { rules: ResolvedRule[]; problems: string[] } {
  const problems: string[] = [];
  const known = Object.keys(principals).sort();
  const rules = spec.rules.map((rule, i): ResolvedRule => {
    const entries: Ace[] = [];
    rule.entries.forEach((e, j) => {
      let id = e.objectId;
      const type = e.group !== undefined ? "group" : e.user !== undefined ? "user" : e.type!;
      const name = e.group ?? e.user;
      if (name !== undefined) {
        // Own keys only: a name such as "constructor" must not find an Object.prototype member.
        id = Object.hasOwn(principals, name) ? principals[name] : undefined;
        if (id === undefined) {
          problems.push(
            `rules[${i}].entries[${j}].${type}: "${name}" is not a known principal (${known.length > 0 ? `known: ${known.join(", ")}` : "the principals map is empty"}); use a name from the stack output "principals", pass --principals <file.json>, or give objectId + type`,
          );
          return;
        }
      }
      entries.push({ scope: e.default ? "default" : "access", type, id: id!.toLowerCase(), perms: e.permissions });
    });
    const [filesystem, ...rest] = rule.path.split("/");
    return { index: i, path: rule.path, filesystem, directory: rest.join("/"), mode: rule.mode, entries, traverse: rule.traverse };
  });
  return { rules, problems };
}

/** Reads `--principals <file.json>`: a JSON object of name → object id. */
export function loadPrincipalsFile(file: string): Principals {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(`--principals ${file}: cannot read JSON: ${(err as Error).message}`);
  }
  return principalsFrom(doc, `--principals ${file}`);
}

/** Checks a principals value (file or stack output) is a map of strings. */
export function principalsFrom(doc: unknown, source: string): Principals {
  const parsed = z.record(z.string(), z.string().min(1)).safeParse(doc);
  if (!parsed.success) throw new UsageError(`${source}: must be a JSON object mapping principal names to object ids`);
  return parsed.data;
}
