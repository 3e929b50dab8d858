import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { WebHdfsServer, startWebHdfsServer } from "../../emulators/gen1/server";
import { main as assessMain } from "../../scripts/assess";
import type { Io } from "../../scripts/lib/command";
import { LISTING_COUNTS_FILE, ListingCounts, MAX_REMEMBERED } from "../../scripts/lib/listingCounts";
import { startProgress } from "../../scripts/lib/progress";
import { main as validateMain } from "../../scripts/validate";
import { PROJECT_DIR } from "../support/cli";
import { writeRun } from "../support/inventoryRun";

const dir = mkdtempSync(path.join(tmpdir(), "listing-progress-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => path.join(dir, `${name}-${n++}`);

describe("progress lines on a non-terminal writer", () => {
  const LINE = /^(listing \w+): (\d+)( \/ (\d+))? paths \((\d+)\/s, \d+\.\d s(, ETA (\d+) s)?\)$/;

  it("show rate and ETA once a total is known, no ETA without one, and count over total when the total was short", () => {
    const lines: string[] = [];
    const progress = startProgress({ tty: false, write: (l) => lines.push(l) }, { every: 10 });
    const open = progress.counter("listing source");
    const known = progress.counter("listing target", { total: 25, from: "the run of 2026-01-01 10:00 UTC" });
    for (let i = 0; i < 30; i++) {
      open.increment();
      known.increment();
    }
    progress.stop();
    expect(lines[0]).toBe("listing target: ≈ 25 paths expected (total from the run of 2026-01-01 10:00 UTC)");
    const parsed = lines.slice(1).map((l) => {
      const m = LINE.exec(l);
      if (!m) throw new Error(`not a progress line: ${l}`);
      return { label: m[1], count: Number(m[2]), total: m[4], eta: m[6] };
    });
    expect(parsed.filter((p) => p.label === "listing source")).toEqual(
      [10, 20, 30, 30].map((count) => ({ label: "listing source", count, total: undefined, eta: undefined })),
    );
    const target = parsed.filter((p) => p.label === "listing target");
    expect(target.map((p) => [p.count, p.total])).toEqual([[10, "25"], [20, "25"], [30, "25"], [30, "25"]]);
    // Below the total an ETA; past it (the estimate was short) and in the final line none, never a negative one.
    expect(target.map((p) => p.eta !== undefined)).toEqual([true, true, false, false]);
  });

  it("a total that arrives mid-way (the other side's inventory loaded) shows from then on; a slow count still gets a line", async () => {
    const lines: string[] = [];
    const progress = startProgress({ tty: false, write: (l) => lines.push(l) }, { every: 10, intervalMs: 100 });
    const c = progress.counter("listing source");
    for (let i = 0; i < 10; i++) c.increment();
    c.expect({ total: 40, from: "the target inventory:/runs#raw/sales" });
    for (let i = 0; i < 13; i++) c.increment();
    await new Promise((r) => setTimeout(r, 250));
    progress.stop();
    expect(lines[0]).toMatch(/^listing source: 10 paths \(\d+\/s, [\d.]+ s\)$/);
    expect(lines[1]).toBe("listing source: ≈ 40 paths expected (total from the target inventory:/runs#raw/sales)");
    expect(lines[2]).toMatch(/^listing source: 20 \/ 40 paths \(\d+\/s, [\d.]+ s, ETA \d+ s\)$/);
    // 23 is no multiple of 10: this line is the clock's, one only though the count stood still for two intervals.
    expect(lines.slice(3, -1)).toEqual([expect.stringMatching(/^listing source: 23 \/ 40 paths \(\d+\/s, [\d.]+ s, ETA \d+ s\)$/)]);
    expect(lines[lines.length - 1]).toMatch(/^listing source: 23 \/ 40 paths \(\d+\/s, [\d.]+ s\)$/);
  });
});

describe("the count of an earlier listing", () => {
  it("is kept per source in the state directory, newest first, at most MAX_REMEMBERED, whichever way the URI is written", () => {
    const state = fresh("state");
    const file = path.join(state, LISTING_COUNTS_FILE);
    const counts = new ListingCounts({ ADLS_MIGRATION_STATE_DIR: state });
    expect(counts.file).toBe(file);
    counts.remember("adl://lake.azuredatalakestore.net/raw/", 10, new Date("2026-01-01T10:00:00Z"));
    expect(counts.expected("https://LAKE.azuredatalakestore.net/webhdfs/v1//raw")).toEqual({ total: 10, from: "the run of 2026-01-01 10:00 UTC" });
    expect(counts.expected("adl://lake.azuredatalakestore.net/raw/sales")).toBeUndefined();
    // A prefix view lists fewer paths than its folder: a key of its own.
    expect(counts.expected("adl://lake.azuredatalakestore.net/raw [sales → /]")).toBeUndefined();
    // Inventory files and runs are never kept: they are read whole.
    counts.remember(path.join(dir, "x.jsonl"), 5);
    expect(Object.keys(JSON.parse(readFileSync(file, "utf8")).counts)).toEqual(["adl://lake.azuredatalakestore.net/raw"]);

    const old = Object.fromEntries(
      Array.from({ length: MAX_REMEMBERED }, (_, i) => [`abfss://fs@acct.dfs.core.windows.net/d${i}`, { paths: i + 1, at: new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString() }]),
    );
    writeFileSync(file, JSON.stringify({ counts: old }));
    counts.remember("abfs://fs@ACCT.dfs.core.windows.net/new/", 7);
    const kept = JSON.parse(readFileSync(file, "utf8")).counts;
    expect(Object.keys(kept)).toHaveLength(MAX_REMEMBERED);
    expect(kept["abfss://fs@acct.dfs.core.windows.net/new"]).toMatchObject({ paths: 7 });
    expect(kept["abfss://fs@acct.dfs.core.windows.net/d0"]).toBeUndefined(); // the oldest went
    expect(kept[`abfss://fs@acct.dfs.core.windows.net/d${MAX_REMEMBERED - 1}`]).toBeDefined();

    // An empty listing forgets the source's count; a damaged file counts as empty and is replaced.
    counts.remember("abfss://fs@acct.dfs.core.windows.net/new", 0);
    expect(counts.expected("abfss://fs@acct.dfs.core.windows.net/new")).toBeUndefined();
    writeFileSync(file, "{ not json");
    expect(counts.expected("abfss://fs@acct.dfs.core.windows.net/d5")).toBeUndefined();
    expect(counts.remember("abfss://fs@acct.dfs.core.windows.net/d5", 3)).toBeUndefined();
    expect(counts.expected("abfss://fs@acct.dfs.core.windows.net/d5")).toMatchObject({ total: 3 });
  });
});

describe("validate and assess show n / total from an earlier run or the other side's inventory", () => {
  const ENTRIES = [{ path: "/lake/2024/a.csv", size: 1 }, { path: "/lake/b.csv", size: 2 }];
  let server: WebHdfsServer;
  let slow: WebHdfsServer;
  beforeAll(async () => {
    server = await startWebHdfsServer({ entries: ENTRIES });
    // Every request takes 0.4 s: an inventory side (read by DuckDB in a fraction of that) is loaded long before this listing ends.
    slow = await startWebHdfsServer({ entries: ENTRIES, latencyMs: 400, token: server.token });
  });
  afterAll(() => Promise.all([server.close(), slow.close()]));

  const SOURCE = "adl://lake.azuredatalakestore.net/lake";
  async function run(main: typeof validateMain, args: string[], state: string): Promise<{ code: number; err: string }> {
    let err = "";
    const io: Io = { out: () => undefined, err: (s) => void (err += s), env: { ADLS_MIGRATION_GEN1_TOKEN: server.token, ADLS_MIGRATION_STATE_DIR: state }, tty: false };
    return { code: await main(args, io), err };
  }
  const target = () => {
    const file = `${fresh("target")}.jsonl`;
    const rows = [{ path: "2024", type: "directory" }, { path: "2024/a.csv", size: 1 }, { path: "b.csv", size: 2 }];
    writeFileSync(file, rows.map((r) => JSON.stringify({ type: "file", size: 0, ...r })).join("\n"));
    return file;
  };

  it("the second validate of a live source expects the first one's count; assess of the same source too; the count is kept outside the work tree", async () => {
    const state = fresh("state");
    const args = ["--source", SOURCE, "--source-account-url", server.url, "--target", target()];
    const first = await run(validateMain, args, state);
    expect(first.code).toBe(0);
    expect(first.err).toMatch(/^listing source: 3 (\/ 3 )?paths \(\d+\/s, [\d.]+ s\)$/m);
    expect(first.err).not.toContain("run of");

    const second = await run(validateMain, args, state);
    expect(second.code).toBe(0);
    expect(second.err).toMatch(/^listing source: ≈ 3 paths expected \(total from the run of \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/m);
    expect(second.err).toMatch(/^listing source: 3 \/ 3 paths \(\d+\/s, [\d.]+ s\)$/m);
    // The JSONL target is read whole and keeps no count of its own.
    expect(second.err).toMatch(/^listing target: 3 paths /m);

    const assessed = await run(assessMain, ["--source", `https://lake.azuredatalakestore.net/webhdfs/v1/lake/`, "--account-url", server.url], state);
    expect(assessed.code).toBe(0);
    expect(assessed.err).toMatch(/^listing: 3 \/ 3 paths /m);

    expect(JSON.parse(readFileSync(path.join(state, LISTING_COUNTS_FILE), "utf8")).counts).toEqual({ [SOURCE]: { paths: 3, at: expect.any(String) } });
    expect(existsSync(path.join(PROJECT_DIR, LISTING_COUNTS_FILE))).toBe(false);
    expect(existsSync(path.join(process.cwd(), LISTING_COUNTS_FILE))).toBe(false);
  });

  it("a live side without an earlier run expects the path count of the inventory it is compared with (the subtree's, not the run's)", async () => {
    const T = Date.parse("2026-11-30T10:00:00Z");
    const manifest = await writeRun(fresh("run"), {
      format: "csv",
      rows: [
        { Name: "raw/sales", "Content-Length": 0, "Last-Modified": T, hdi_isfolder: "true" },
        { Name: "raw/other.csv", "Content-Length": 1, "Last-Modified": T },
        { Name: "raw/sales/2024", "Content-Length": 0, "Last-Modified": T, hdi_isfolder: "true" },
        { Name: "raw/sales/2024/a.csv", "Content-Length": 1, "Last-Modified": T },
        { Name: "raw/sales/b.csv", "Content-Length": 2, "Last-Modified": T },
      ],
    });
    const inventory = `inventory:${manifest}#raw/sales`;
    const r = await run(validateMain, ["--source", SOURCE, "--source-account-url", slow.url, "--target", inventory], fresh("state"));
    expect(r.code).toBe(0);
    expect(r.err).toContain(`listing source: ≈ 3 paths expected (total from the target ${inventory})`);
    expect(r.err).toMatch(/^listing source: 3 \/ 3 paths /m);
    // The inventory side is read by DuckDB, not listed: no count line of its own.
    expect(r.err).not.toContain("listing target");
  });

  it("a state directory it cannot write says so and changes nothing else", async () => {
    const blocked = fresh("not-a-dir");
    writeFileSync(blocked, "");
    const r = await run(validateMain, ["--source", SOURCE, "--source-account-url", server.url, "--target", target()], blocked);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`validate: cannot keep the path count of ${SOURCE} in ${path.join(blocked, LISTING_COUNTS_FILE)} (the next listing of it shows no ETA): `);
  });
});
