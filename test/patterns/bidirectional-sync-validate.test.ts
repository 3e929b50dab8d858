import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { stringify } from "yaml";
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME } from "../../emulators/dfs/server";
import { writeGen1Inventory } from "../../emulators/gen1/inventory";
import type { Gen1Seed } from "../../emulators/gen1/server";
import { main as validateMain } from "../../scripts/validate";
import { type FactoryRig, startFactoryRig } from "../support/factoryRig";
import { BASE_CONFIG, planWith } from "../support/plan";

/**
 * validate --stack on a flipped bidirectional-sync stack, in the emulators:
 * a folder with `writer: gen2` is compared the way Data Factory copies it,
 * Gen2 (source) → Gen1 (target). After the Gen2 → Gen1 window the stack
 * validates to exit 0, although every file Data Factory copied (either
 * way) is newer on the side it was copied to; a Gen2 change after the
 * window is `stale`, a Gen2-only file `missing`, a Gen1-only one `extra`.
 */

const S = Date.parse("2026-12-01T00:00:00Z");
const H = 3_600_000;
const M = 60_000;
/** sales flips: its Gen1 writer stopped in the first window, which ran at S + 1 h; Gen2 writes from here. */
const WRITER_SINCE = S + H + 5 * M;

const SALES = { source: "/raw/sales", filesystem: "raw", target: "sales" };
const OTHER = { source: "/raw/other", filesystem: "raw", target: "other" };
/** Written on Gen2 from the start: no writerSince, so schedule.startTime bounds it. */
const FINANCE = { source: "/raw/finance", filesystem: "curated", target: "finance" };

function config(salesWriter: object): Record<string, unknown> {
  return {
    "adls-migration:pattern": "bidirectional-sync",
    "adls-migration:filesystems": [{ name: "raw" }, { name: "curated" }],
    "adls-migration:source": { accountName: "contosogen1", auth: "managedIdentity", subscriptionId: "11111111-2222-3333-4444-555555555555", resourceGroupName: "gen1-rg" },
    "adls-migration:migration": {
      folders: [{ ...SALES, ...salesWriter }, { ...OTHER, writer: "gen1" }, { ...FINANCE, writer: "gen2" }],
      copy: { preserve: ["ACL", "Owner", "Group"] },
      schedule: { frequency: "Hour", interval: 1, startTime: new Date(S).toISOString(), maxConcurrency: 1, retry: { count: 1, intervalInSeconds: 60 }, allowBackfill: true },
    },
  };
}
const flipped = () => config({ writer: "gen2", writerSince: new Date(WRITER_SINCE).toISOString() });

const LAKE: Gen1Seed[] = ["/raw/sales", "/raw/other", "/raw/finance"].map((p) => ({ path: p, type: "directory", owner: "etl-oid", group: "etl-group", permission: "750" }));
const gen1File = (rig: FactoryRig, p: string, text: string) => rig.gen1.tree.createFile(p, Buffer.from(text), { overwrite: false, permission: "640", owner: "etl-oid" });

interface Section {
  folder: { source: string; direction?: { from: string; to: string; writerSince: string | null; staleFrom: string } };
  source: { uri: string; paths: number };
  target: { uri: string; paths: number };
  matched: number;
  counts: Record<string, number>;
  differences: { kind: string; path: string; source?: string; target?: string }[];
  compared: { acls: string | false };
}

let rig: FactoryRig;
let dir: string;
let configFile: string;
beforeAll(async () => {
  const before = await planWith(config({ writer: "gen1" }));
  const after = await planWith(flipped());
  rig = await startFactoryRig(before, LAKE, { clock: new Date(S) });
  dir = mkdtempSync(path.join(tmpdir(), "bidi-validate-"));
  configFile = path.join(dir, "Pulumi.bidi.yaml");
  writeFileSync(configFile, stringify({ config: { ...BASE_CONFIG, ...flipped() } }));
  for (const t of ["sync-gen1-to-gen2-window", "sync-gen2-to-gen1-window"]) rig.factory.trigger(t)!.runtimeState = "Started";

  // First window: sales and other written on Gen1, finance on Gen2; each copied away from its writer.
  await rig.factory.advanceTo(new Date(S + 10 * M));
  gen1File(rig, "/raw/sales/s0.csv", "sales 0");
  gen1File(rig, "/raw/sales/s1.csv", "sales 1");
  gen1File(rig, "/raw/other/o0.csv", "other 0");
  rig.dfs.tree.writeFile("curated", "finance/f0.csv", "finance 0");
  await rig.factory.advanceTo(new Date(S + H));
  // The flip (docs/patterns.md, "Writer flip"): the covering window ran; writerSince after it; pulumi up; Gen2 writes.
  await rig.factory.advanceTo(new Date(WRITER_SINCE));
  rig.redeploy(after);
  await rig.factory.advanceTo(new Date(WRITER_SINCE + 5 * M));
  rig.dfs.tree.writeFile("raw", "sales/g0.csv", "first gen2 write");
  await rig.factory.advanceTo(new Date(S + 2 * H));
}, 30_000);
afterAll(async () => {
  await rig.close();
  rmSync(dir, { recursive: true, force: true });
});

async function validate(extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const env = { AZURE_STORAGE_ACCOUNT: DEV_ACCOUNT_NAME, AZURE_STORAGE_KEY: DEV_ACCOUNT_KEY, ADLS_MIGRATION_GEN1_TOKEN: rig.gen1.token, ADLS_MIGRATION_STATE_DIR: path.join(dir, "state") };
  const code = await validateMain(["--config-file", configFile, "--account-url", rig.dfs.url, "--acls", "--acl-mode", "source-subset", ...extra], {
    out: (s) => void (stdout += s),
    err: (s) => void (stderr += s),
    env,
    tty: false,
  });
  return { code, stdout, stderr };
}
const live = () => ["--source-account-url", rig.gen1.url];
const bySource = (doc: { folders: Section[] }) => new Map(doc.folders.map((s) => [s.folder.source, s]));

describe("validate --stack on a flipped bidirectional-sync stack", () => {
  it("exits 0 after the Gen2 → Gen1 window: the writer: gen2 folders are compared Gen2 → Gen1, the others as before", async () => {
    const r = await validate([...live(), "--json"]);
    // Progress names each side where it is listed: Gen2 is the source of the flipped folder.
    expect(r.stderr).toMatch(/^listing source raw\/sales: 3 paths/m);
    const doc = JSON.parse(r.stdout) as { ok: boolean; counts: Record<string, number>; folders: Section[] };
    expect({ code: r.code, ok: doc.ok, counts: doc.counts }).toEqual({ code: 0, ok: true, counts: { missing: 0, extra: 0, type: 0, size: 0, stale: 0, acl: 0 } });
    const sections = bySource(doc);
    const sales = sections.get("/raw/sales")!;
    expect(sales.folder.direction).toEqual({ from: "gen2", to: "gen1", writerSince: "2026-12-01T01:05:00.000Z", staleFrom: "2026-12-01T01:05:00.000Z" });
    // s0, s1 (copied to Gen2 before the flip) and g0 (copied to Gen1 after it): each newer where it was copied to.
    expect(sales).toMatchObject({ source: { uri: expect.stringMatching(/^abfss:\/\/raw@[a-z0-9]+\.dfs\.core\.windows\.net\/sales$/), paths: 3 }, target: { uri: "adl://contosogen1.azuredatalakestore.net/raw/sales", paths: 3 }, matched: 3 });
    expect(sales.compared.acls).toBe(false);
    expect(sections.get("/raw/finance")!.folder.direction).toEqual({ from: "gen2", to: "gen1", writerSince: null, staleFrom: "2026-12-01T00:00:00.000Z" });
    // A folder still written on Gen1 keeps the report's shape: no direction, Gen1 the source, ACLs compared.
    const other = sections.get("/raw/other")!;
    expect(other.folder).toEqual(OTHER);
    expect(other).toMatchObject({ source: { uri: "adl://contosogen1.azuredatalakestore.net/raw/other" }, matched: 1, compared: { acls: "source-subset" } });

    const md = await validate(live());
    expect(md.code).toBe(0);
    expect(md.stdout).toContain("## raw/sales → /raw/sales (Gen2 → Gen1, writer: gen2)\n");
    expect(md.stdout).toContain("- Direction: source: Gen2 (writer: gen2 since 2026-12-01T01:05:00.000Z), target: Gen1 (the copies of sync-gen2-to-gen1)");
    expect(md.stdout).toContain("- Direction: source: Gen2 (writer: gen2 since schedule.startTime 2026-12-01T00:00:00.000Z)");
    expect(md.stdout).toContain("owner, group and ACLs (Data Factory's Gen2 → Gen1 copy does not preserve them)");
    expect(md.stdout).toContain("## /raw/other → raw/other\n");
  });

  it("after the window: a changed Gen2 file is stale, a Gen2-only file missing, a file only Gen1 still has extra (from a Gen1 inventory too)", async () => {
    await rig.factory.advanceTo(new Date(S + 2 * H + 10 * M));
    // Same size, so only the time tells: the Gen2 writer rewrote it after its copy to Gen1.
    rig.dfs.tree.writeFile("raw", "sales/g0.csv", "FIRST GEN2 WRITE");
    rig.dfs.tree.writeFile("raw", "sales/g1.csv", "not copied yet");
    rig.dfs.tree.delete("raw", "sales/s1.csv");
    const inventory = path.join(dir, "gen1.jsonl");
    writeGen1Inventory(rig.gen1.tree, "/", inventory);
    for (const source of [live(), ["--source", inventory]]) {
      const r = await validate([...source, "--json"]);
      const sales = bySource(JSON.parse(r.stdout) as { folders: Section[] }).get("/raw/sales")!;
      expect({ source, code: r.code, counts: sales.counts }).toEqual({ source, code: 1, counts: { missing: 1, extra: 1, type: 0, size: 0, stale: 1, acl: 0 } });
      expect(sales.differences.map((d) => [d.kind, d.path, d.source, d.target])).toEqual([
        ["missing", "g1.csv", undefined, undefined],
        ["extra", "s1.csv", undefined, undefined],
        // Gen2's time (the source) after Gen1's copy, made by the window at 02:00.
        ["stale", "g0.csv", "2026-12-01T02:10:00.000Z", "2026-12-01T02:00:00.000Z"],
      ]);
    }
    const md = await validate(live());
    expect(md.stdout).toMatch(/### Stale copy \(source modified after the target copy\)\n\n\| path \| source \| target \|\n\| --- \| --- \| --- \|\n\| `g0\.csv` \| 2026-12-01T02:10:00\.000Z \| 2026-12-01T02:00:00\.000Z \|/);
  });
});
