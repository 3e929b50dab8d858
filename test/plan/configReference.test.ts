import { readFileSync } from "fs";
import * as path from "path";
import { parse } from "yaml";
import { stackSections } from "../../components/config/schema";
import { configRows, pulumiDeclarations, renderConfigMarkdown, withDeclarations } from "../../scripts/docs/configReference";
import { PROJECT_DIR, runScript } from "../support/cli";

const read = (file: string) => readFileSync(path.join(PROJECT_DIR, file), "utf8");

describe("the config reference follows the schema", () => {
  const rows = configRows();

  it("docs/config.md is what `npm run docs:config` generates", () => {
    expect(read("docs/config.md")).toBe(renderConfigMarkdown(rows));
  });

  it("docs/config.md names every schema key with its default", () => {
    const doc = read("docs/config.md");
    for (const key of Object.keys(stackSections)) expect(doc).toContain(`| \`${key}\` |`);
    expect(doc).toMatch(/\| `redundancy` \| [^|]*(\\\|[^|]*)* \| `"ZRS"` \|/);
    expect(doc).toContain("| `softDeleteDays` | integer | `7` |");
    expect(doc).toContain("| `migration.copy.dataIntegrationUnits` | integer | `32` |");
  });

  it("Pulumi.yaml declares the scalar keys with the schema's defaults", () => {
    const declared = (parse(read("Pulumi.yaml")) as { config: Record<string, { type: string; default?: unknown }> }).config;
    expect(declared).toEqual(
      Object.fromEntries(Object.entries(pulumiDeclarations(rows)).map(([k, d]) => [k, expect.objectContaining(d.default === undefined ? { type: d.type } : { type: d.type, default: d.default })])),
    );
    expect(declared.softDeleteDays.default).toBe(7);
    expect(read("Pulumi.yaml")).toBe(withDeclarations(read("Pulumi.yaml"), pulumiDeclarations(rows)));
  });

  it("a changed default makes the check fail", () => {
    const changed = rows.map((r) => (r.key === "redundancy" ? { ...r, default: '"LRS"' } : r));
    expect(renderConfigMarkdown(changed)).not.toBe(read("docs/config.md"));
    expect(withDeclarations(read("Pulumi.yaml"), pulumiDeclarations(changed))).not.toBe(read("Pulumi.yaml"));
  });

  it("npm run docs:config -- --check exits 0 on the repository", () => {
    const res = runScript("docs-config.ts", ["--check"]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
  });
});
