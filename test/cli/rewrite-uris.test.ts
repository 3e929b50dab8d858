import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { rulesFromMap } from "../../scripts/rewrite/mapping";
import { rewriteText } from "../../scripts/rewrite/rewrite";
import { stringify } from "yaml";
import { deriveAccountName } from "../../components/config/naming";
import { runScriptAsync } from "../support/cli";

const MAP = {
  gen1Account: "lake1",
  gen2Account: "newacct",
  folders: [
    { source: "/raw", filesystem: "raw", target: "/" },
    { source: "/raw/sales", filesystem: "sales", target: "/landing" },
  ],
};

describe("rewriteText", () => {
  const rules = rulesFromMap("--map", MAP);

  it("rewrites mapped adl:// and webhdfs URIs by the longest matching folder and leaves everything else byte for byte", () => {
    const text = [
      'spark.read.csv("adl://lake1.azuredatalakestore.net/raw/events/2024/")',
      "path: adl://lake1.azuredatalakestore.net/raw/sales/q1.parquet",
      "url = 'https://lake1.azuredatalakestore.net/webhdfs/v1/raw/sales'",
      "other = adl://lake2.azuredatalakestore.net/raw/x.csv",
      "unmapped = adl://lake1.azuredatalakestore.net/curated/x.csv",
      "rest = https://lake1.azuredatalakestore.net/webhdfs/v1/raw/x?op=OPEN",
      "prefix-only = adl://lake1.azuredatalakestore.net/rawdata/x",
      "abfss://raw@newacct.dfs.core.windows.net/already",
    ].join("\n");
    const r = rewriteText(text, rules);
    expect(r.text.split("\n")).toEqual([
      'spark.read.csv("abfss://raw@newacct.dfs.core.windows.net/events/2024/")',
      "path: abfss://sales@newacct.dfs.core.windows.net/landing/q1.parquet",
      "url = 'abfss://sales@newacct.dfs.core.windows.net/landing'",
      "other = adl://lake2.azuredatalakestore.net/raw/x.csv",
      "unmapped = adl://lake1.azuredatalakestore.net/curated/x.csv",
      "rest = https://lake1.azuredatalakestore.net/webhdfs/v1/raw/x?op=OPEN",
      "prefix-only = adl://lake1.azuredatalakestore.net/rawdata/x",
      "abfss://raw@newacct.dfs.core.windows.net/already",
    ]);
    expect(r.rewrites.map((w) => w.line)).toEqual([1, 2, 3]);
    expect(r.unmapped.map((u) => [u.line, u.reason])).toEqual([
      [4, "no folder in the map covers it"],
      [5, "no folder in the map covers it"],
      [6, "WebHDFS REST call (has a query): port it to the Gen2 SDK or REST API by hand"],
      [7, "no folder in the map covers it"],
    ]);
  });

  it.each([
    ["a shell placeholder", "adl://lake1.azuredatalakestore.net/raw/events/${DATE}/x.csv", "abfss://raw@newacct.dfs.core.windows.net/events/${DATE}/x.csv"],
    ["a brace placeholder", 'f"adl://lake1.azuredatalakestore.net/raw/sales/{day}/part-{0}.csv"', 'f"abfss://sales@newacct.dfs.core.windows.net/landing/{day}/part-{0}.csv"'],
    ["a printf placeholder", 'fmt = "adl://lake1.azuredatalakestore.net/raw/sales/%s/%d.csv"', 'fmt = "abfss://sales@newacct.dfs.core.windows.net/landing/%s/%d.csv"'],
    ["a non-ASCII name", "adl://lake1.azuredatalakestore.net/raw/données/été.csv", "abfss://raw@newacct.dfs.core.windows.net/données/été.csv"],
    ["a colon", "adl://lake1.azuredatalakestore.net/raw/logs/12:00:00.json", "abfss://raw@newacct.dfs.core.windows.net/logs/12:00:00.json"],
    ["an encoded slash", "adl://lake1.azuredatalakestore.net/raw/a%2Fb", "abfss://raw@newacct.dfs.core.windows.net/a%2Fb"],
    ["an encoded space in the mapped folder", "adl://lake1.azuredatalakestore.net/r%61w/sales/x%20y.csv", "abfss://sales@newacct.dfs.core.windows.net/landing/x%20y.csv"],
    ["the :443 port", "adl://lake1.azuredatalakestore.net:443/raw/sales/q1", "abfss://sales@newacct.dfs.core.windows.net/landing/q1"],
    ["an uppercase scheme and host", "ADL://LAKE1.AzureDataLakeStore.NET/raw/x", "abfss://raw@newacct.dfs.core.windows.net/x"],
    ["an uppercase https WebHDFS URI with a port", "HTTPS://Lake1.azuredatalakestore.net:443/webhdfs/v1/raw/sales/", "abfss://sales@newacct.dfs.core.windows.net/landing/"],
  ])("copies the path text verbatim with %s", (_label, from, to) => {
    const r = rewriteText(`x = ${from}\n`, rules);
    expect(r.unmapped).toEqual([]);
    expect(r.text).toBe(`x = ${to}\n`);
  });

  it("leaves a folder name that only starts like a mapped one, another port and a longer host alone, even under a whole-account rule", () => {
    const text = "adl://lake1.azuredatalakestore.net/raw%20x/y adl://lake1.azuredatalakestore.net:8443/raw/y adl://lake1.azuredatalakestore.network/raw/y";
    expect(rewriteText(text, rules).text).toBe(text);
    const whole = rulesFromMap("--map", { gen1Account: "lake1", gen2Account: "newacct", folders: [{ source: "/", filesystem: "all" }] });
    const r = rewriteText(text, whole);
    expect(r.text).toBe(
      "abfss://all@newacct.dfs.core.windows.net/raw%20x/y adl://lake1.azuredatalakestore.net:8443/raw/y adl://lake1.azuredatalakestore.network/raw/y",
    );
  });

  it("rejects a map with missing accounts or bad names, naming each key", () => {
    expect(() => rulesFromMap("--map m.yaml", { folders: [{ source: "raw", filesystem: "Bad_Name" }] })).toThrow(
      /folders\.0\.source: an absolute Gen1 path[\s\S]*folders\.0\.filesystem: 3-63 lowercase/,
    );
    expect(() => rulesFromMap("--map m.yaml", { folders: [{ source: "/raw", filesystem: "raw" }] })).toThrow(/folders\.0\.gen1Account: required/);
  });
});

describe("rewrite-uris CLI", () => {
  function project(): string {
    const dir = mkdtempSync(path.join(tmpdir(), "rewrite-"));
    mkdirSync(path.join(dir, "src", "node_modules", "lib"), { recursive: true });
    mkdirSync(path.join(dir, ".git"));
    const code = 'df = spark.read.parquet("adl://lake1.azuredatalakestore.net/raw/sales/q1")\nkeep = "adl://lake1.azuredatalakestore.net/curated/x"\n';
    writeFileSync(path.join(dir, "src", "job.py"), code);
    writeFileSync(path.join(dir, "src", "node_modules", "lib", "dep.js"), code);
    writeFileSync(path.join(dir, ".git", "config"), code);
    writeFileSync(path.join(dir, "src", "blob.bin"), Buffer.concat([Buffer.from(code), Buffer.from([0, 1, 2])]));
    writeFileSync(path.join(dir, "map.json"), JSON.stringify(MAP));
    return dir;
  }

  it("prints a unified diff by default and changes nothing", async () => {
    const dir = project();
    const r = await runScriptAsync("rewrite-uris", ["src", ".git", "--map", "map.json"], {}, dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--- src/job.py");
    expect(r.stdout).toContain('-df = spark.read.parquet("adl://lake1.azuredatalakestore.net/raw/sales/q1")');
    expect(r.stdout).toContain('+df = spark.read.parquet("abfss://sales@newacct.dfs.core.windows.net/landing/q1")');
    expect(r.stdout).not.toMatch(/node_modules|blob\.bin|\.git/);
    expect(r.stderr).toContain("src/job.py:2: left unchanged: adl://lake1.azuredatalakestore.net/curated/x (no folder in the map covers it)");
    expect(r.stderr).toContain("1 URIs in 1 files would be rewritten");
    expect(readFileSync(path.join(dir, "src", "job.py"), "utf8")).toContain("adl://lake1.azuredatalakestore.net/raw/sales/q1");
  });

  it("--write edits only mapped URIs, and skips node_modules, .git and binary files", async () => {
    const dir = project();
    const r = await runScriptAsync("rewrite-uris", [".", "--map", "map.json", "--write"], {}, dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(readFileSync(path.join(dir, "src", "job.py"), "utf8")).toBe(
      'df = spark.read.parquet("abfss://sales@newacct.dfs.core.windows.net/landing/q1")\nkeep = "adl://lake1.azuredatalakestore.net/curated/x"\n',
    );
    for (const untouched of ["src/node_modules/lib/dep.js", ".git/config", "src/blob.bin"]) {
      expect(readFileSync(path.join(dir, untouched), "utf8")).toContain("adl://lake1.azuredatalakestore.net/raw/sales/q1");
    }
  });

  it("skips and reports files that are not valid UTF-8 instead of writing U+FFFD over their bytes, and keeps a UTF-8 BOM", async () => {
    const dir = project();
    const latin1 = Buffer.from('# caf\xe9\npath = "adl://lake1.azuredatalakestore.net/raw/sales/q1"\n', "latin1");
    writeFileSync(path.join(dir, "src", "latin1.py"), latin1);
    const bom = '\ufeffx = "adl://lake1.azuredatalakestore.net/raw/sales/q1"\n';
    writeFileSync(path.join(dir, "src", "bom.py"), bom);
    const r = await runScriptAsync("rewrite-uris", ["src", "--map", "map.json", "--write"], {}, dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${path.join("src", "latin1.py")}: skipped: not valid UTF-8`);
    expect(r.stderr).toContain("1 files skipped because they are not valid UTF-8");
    expect(readFileSync(path.join(dir, "src", "latin1.py"))).toEqual(latin1);
    expect(readFileSync(path.join(dir, "src", "bom.py"), "utf8")).toBe('\ufeffx = "abfss://sales@newacct.dfs.core.windows.net/landing/q1"\n');
  });

  it.each([
    ["an explicit accountName", "devlake01", "devlake01"],
    ["the account name the stack derives", undefined, deriveAccountName({ project: "adls-migration", stack: "dev", namePrefix: "contoso", environment: "dev" })],
  ])("takes the folder map from a stack's migration config, with %s", async (_label, accountName, expected) => {
    const dir = project();
    writeFileSync(path.join(dir, "Pulumi.yaml"), "name: adls-migration\nruntime: nodejs\n");
    const config: Record<string, unknown> = {
      "azure-native:location": "westeurope",
      "adls-migration:environment": "dev",
      "adls-migration:pattern": "lift-and-shift",
      "adls-migration:namePrefix": "contoso",
      "adls-migration:filesystems": [{ name: "sales" }],
      "adls-migration:source": { accountName: "lake1" },
      "adls-migration:migration": { folders: [{ source: "/raw/sales", filesystem: "sales", target: "incoming" }] },
    };
    if (accountName) config["adls-migration:accountName"] = accountName;
    writeFileSync(path.join(dir, "Pulumi.dev.yaml"), stringify({ config }));
    const r = await runScriptAsync("rewrite-uris", ["src", "--stack", "dev"], {}, dir);
    expect(r.stderr).not.toMatch(/error|invalid/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`+df = spark.read.parquet("abfss://sales@${expected}.dfs.core.windows.net/incoming/q1")`);
  });

  it("a stack folder without target (the filesystem root) maps to the root: no empty segment, no slash doubled", async () => {
    const dir = project();
    writeFileSync(path.join(dir, "Pulumi.yaml"), "name: adls-migration\nruntime: nodejs\n");
    const config = {
      "azure-native:location": "westeurope",
      "adls-migration:environment": "dev",
      "adls-migration:pattern": "lift-and-shift",
      "adls-migration:namePrefix": "contoso",
      "adls-migration:accountName": "devlake01",
      "adls-migration:filesystems": [{ name: "sales" }, { name: "logs" }],
      "adls-migration:source": { accountName: "lake1" },
      "adls-migration:migration": { folders: [{ source: "/raw/sales", filesystem: "sales" }], copy: { logFilesystem: "logs" } },
    };
    writeFileSync(path.join(dir, "Pulumi.dev.yaml"), stringify({ config }));
    const r = await runScriptAsync("rewrite-uris", ["src", "--stack", "dev"], {}, dir);
    expect(r.stderr).not.toMatch(/error|invalid/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('+df = spark.read.parquet("abfss://sales@devlake01.dfs.core.windows.net/q1")');
  });

  it("exits 2 without a map, or with a path that does not exist", async () => {
    const dir = project();
    const noMap = await runScriptAsync("rewrite-uris", ["src"], {}, dir);
    expect(noMap.code).toBe(2);
    expect(noMap.stderr).toContain("a folder map is required: --map <file> or --stack <name>");
    const missing = await runScriptAsync("rewrite-uris", ["nope", "--map", "map.json"], {}, dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("rewrite-uris: paths not found\n  - nope");
  });
});
