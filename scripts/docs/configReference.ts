import { parseDocument } from "yaml";
import { z } from "zod";
import { PROJECT } from "../../components/config/load";
import { stackSections } from "../../components/config/schema";

/**
 * The config reference, derived from the zod schema (descriptions from its
 * `.meta({ description, example })`), so docs/config.md and the declarations
 * in Pulumi.yaml cannot drift from what the loader accepts.
 */

type JsonSchema = {
  type?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  default?: unknown;
  description?: string;
  example?: unknown;
};

export interface ConfigRow {
  /** Path below the project namespace: `migration.copy.dataIntegrationUnits`, `filesystems[].name`. */
  key: string;
  type: string;
  /** The Pulumi.yaml type of a scalar key; undefined for structured ones. */
  scalar?: "string" | "boolean" | "integer";
  /** JSON of the default, when the schema has one. */
  default?: string;
  required: boolean;
  description: string;
  example?: string;
}

/** Keys the loader fills from elsewhere when absent, so Pulumi must not require them. */
const FILLED_BY_LOADER: Record<string, string> = { location: "azure-native:location" };

/**
 * One section as JSON Schema. Input shape first (defaults, what a user
 * writes); a section whose input is a preprocess step (no shape) is read
 * from its output side.
 */
const JSON_OPTIONS = { unrepresentable: "any", reused: "inline", cycles: "ref", override: keepDefault } as const;

/**
 * zod leaves out the default of a value whose schema transforms (flag(),
 * integer() accept "true"/"30" as Pulumi passes scalars); it is put back.
 */
function keepDefault(ctx: { zodSchema: unknown; jsonSchema: Record<string, unknown> }): void {
  const def = (ctx.zodSchema as { _zod: { def: { type: string; defaultValue?: unknown } } })._zod.def;
  if (def.type === "default" && ctx.jsonSchema.default === undefined) ctx.jsonSchema.default = def.defaultValue;
}

function sectionSchema(schema: z.ZodType): JsonSchema {
  const opts = JSON_OPTIONS;
  const input = z.toJSONSchema(schema, { ...opts, io: "input" }) as JsonSchema;
  const shaped = input.type !== undefined || input.anyOf !== undefined || input.enum !== undefined;
  return shaped ? input : (z.toJSONSchema(schema, { ...opts, io: "output" }) as JsonSchema);
}

/** Every key of the stack config, parents before children, in schema order. */
export function configRows(): ConfigRow[] {
  const rows: ConfigRow[] = [];
  const top = z.toJSONSchema(z.object(stackSections), { ...JSON_OPTIONS, io: "input" }) as JsonSchema;
  for (const [key, section] of Object.entries(stackSections)) {
    walk(key, sectionSchema(section), (top.required ?? []).includes(key), rows);
  }
  return rows;
}

function walk(key: string, node: JsonSchema, required: boolean, rows: ConfigRow[]): void {
  const merged = mergeUnion(node);
  rows.push({
    key,
    type: typeOf(merged),
    scalar: scalarOf(merged),
    default: merged.default === undefined ? undefined : JSON.stringify(merged.default),
    required,
    description: merged.description ?? "",
    example: merged.example === undefined ? undefined : JSON.stringify(merged.example),
  });
  const object = merged.type === "array" && merged.items ? mergeUnion(merged.items) : merged;
  const prefix = merged.type === "array" ? `${key}[]` : key;
  for (const [child, schema] of Object.entries(object.properties ?? {})) {
    walk(`${prefix}.${child}`, schema, (object.required ?? []).includes(child), rows);
  }
}

/** A union of objects (the two `source.auth` shapes) reads as one object with every key of either. */
function mergeUnion(node: JsonSchema): JsonSchema {
  const branches = (node.anyOf ?? node.oneOf ?? []).filter((b) => b.properties !== undefined);
  if (branches.length === 0) return node;
  const properties = Object.assign({}, ...branches.map((b) => b.properties)) as Record<string, JsonSchema>;
  const required = Object.keys(properties).filter((k) => branches.every((b) => (b.required ?? []).includes(k)));
  return { ...node, type: "object", properties, required };
}

function scalarOf(node: JsonSchema): ConfigRow["scalar"] {
  const t = typeOf(node);
  if (t === "boolean" || t === "integer") return t;
  return node.type === "string" ? "string" : undefined;
}

function typeOf(node: JsonSchema): string {
  if (node.enum) return node.enum.map((v) => String(v)).join(" | ");
  const types = node.anyOf?.map((b) => b.type) ?? [node.type];
  if (types.includes("boolean")) return "boolean";
  if (types.includes("number") || types.includes("integer")) return "integer";
  if (node.type === "array") return node.items?.enum ? `list of ${typeOf(node.items)}` : `list of ${node.items?.type ?? "any"}`;
  if (node.type === "object" && node.additionalProperties && typeof node.additionalProperties === "object") return "map of string";
  return node.type ?? "any";
}

/** docs/config.md. */
export function renderConfigMarkdown(rows: readonly ConfigRow[]): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const lines = [
    "# Stack configuration reference",
    "",
    "<!-- Generated from the zod schema in components/config/ by `npm run docs:config`; do not edit by hand. -->",
    "",
    `Every key lives in the \`${PROJECT}:\` namespace of \`Pulumi.<stack>.yaml\` (\`${PROJECT}:redundancy: LRS\`);`,
    "nested keys are paths inside a structured value (`migration.copy.dataIntegrationUnits`), `[]` marks a list item.",
    "Values are checked when the stack loads (`npm run plan`, `pulumi up`): every problem is reported with its key, exit 2.",
    "",
    "| key | type | default | description |",
    "| --- | --- | --- | --- |",
    ...rows.map((r) => {
      const fallback = FILLED_BY_LOADER[r.key];
      const def = r.default !== undefined ? `\`${r.default}\`` : r.required ? (fallback ? `— (required, or \`${fallback}\`)` : "— (required)") : "none";
      const example = r.example !== undefined ? ` Example: \`${r.example}\`.` : "";
      return `| \`${r.key}\` | ${cell(r.type)} | ${cell(def)} | ${cell(r.description)}${cell(example)} |`;
    }),
    "",
  ];
  return lines.join("\n");
}

export interface PulumiDeclaration {
  type: "string" | "boolean" | "integer";
  description: string;
  default?: string | boolean | number;
}

/**
 * What Pulumi.yaml declares: the top-level scalar keys that have a default or
 * are required. Optional keys without a default stay undeclared, since
 * Pulumi requires a value for a declared key without a default.
 */
export function pulumiDeclarations(rows: readonly ConfigRow[]): Record<string, PulumiDeclaration> {
  const out: Record<string, PulumiDeclaration> = {};
  for (const r of rows) {
    if (r.key.includes(".") || FILLED_BY_LOADER[r.key] !== undefined) continue;
    if (!r.scalar || (r.default === undefined && !r.required)) continue;
    const values = r.type.includes(" | ") ? ` (${r.type.split(" | ").join(", ")})` : "";
    const decl: PulumiDeclaration = { type: r.scalar, description: `${r.description}${values}` };
    if (r.default !== undefined) decl.default = JSON.parse(r.default) as string | boolean | number;
    out[r.key] = decl;
  }
  return out;
}

/** Pulumi.yaml with its `config:` declarations replaced (everything else kept as written). */
export function withDeclarations(pulumiYaml: string, declarations: Record<string, PulumiDeclaration>): string {
  const doc = parseDocument(pulumiYaml);
  doc.set("config", declarations);
  return doc.toString({ lineWidth: 0 });
}
