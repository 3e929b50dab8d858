import type { TokenCredential } from "@azure/core-auth";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { main as assessMain } from "../../scripts/assess";
import { assess } from "../../scripts/assess/analyze";
import { Gen1Reader } from "../../scripts/sources/gen1";
import { runScriptAsync } from "../support/cli";
import { startWebHdfsServer } from "../../emulators/gen1/server";

const DAY = 86_400_000;
const NOW = Date.parse("2026-01-01T00:00:00Z");
const named = (n: number, scope = "") => Array.from({ length: n }, (_, i) => `${scope}user:oid-${i}:r-x`);

describe("assess", () => {
  it("a stop while Gen1 is listing exits 130 at once with no report written, its requests aborted", async () => {
    // Every request takes 20 s: the listing is mid-request when the stop comes.
    const server = await startWebHdfsServer({ entries: [{ path: "/raw/a.csv", size: 1 }], latencyMs: 20_000 });
    try {
      const out = path.join(mkdtempSync(path.join(tmpdir(), "assess-stop-")), "report");
      const stop = new AbortController();
      let err = "";
      const running = assessMain(["--source", "adl://lake.azuredatalakestore.net/raw", "--account-url", server.url, "--out", out], {
        out: () => undefined,
        err: (s) => (err += s),
        env: { ADLS_MIGRATION_GEN1_TOKEN: server.token },
        tty: false,
        signal: stop.signal,
      });
      await new Promise((r) => setTimeout(r, 300));
      const stopped = Date.now();
      stop.abort(new Error("interrupted"));
      expect(await running).toBe(130);
      expect(Date.now() - stopped).toBeLessThan(5_000);
      expect(err).toContain("assess: interrupted; no report was written: run it again");
      expect(existsSync(`${out}.json`)).toBe(false);
    } finally {
      await server.close();
    }
  });

  it("finds names Gen2 rejects and ACLs over 28 named entries in a live Gen1 listing, with folder totals, ages and largest files", async () => {
    const server = await startWebHdfsServer({
      entries: [
        { path: "/raw/a.csv", size: 1000, modified: NOW - 10 * DAY },
        { path: "/raw/old.csv", size: 5000, modified: NOW - 3 * 365 * DAY },
        { path: "/raw/trailing.", size: 1, modified: NOW - 40 * DAY },
        { path: "/raw/has:colon/x", size: 2, modified: NOW - 40 * DAY },
        { path: "/raw/   /y", size: 3, modified: NOW - 40 * DAY },
        { path: "/curated/ok28", size: 10, modified: NOW - DAY, acl: ["user::rwx", ...named(28), "group::r-x", "mask::rwx", "other::---"] },
        { path: "/curated/too-many", size: 20, modified: NOW - DAY, acl: ["user::rwx", ...named(29), "group::r-x", "mask::rwx", "other::---"] },
        { path: "/curated/defaults", type: "directory", acl: ["user::rwx", "group::r-x", "other::---", ...named(29, "default:")] },
        { path: "/top.txt", size: 7, modified: NOW - DAY },
      ],
    });
    try {
      const reader = new Gen1Reader({
        accountUrl: server.url,
        root: "/",
        credential: { getToken: async () => ({ token: server.token, expiresOnTimestamp: Date.now() + 3_600_000 }) } as TokenCredential,
        describe: "adl://lake.azuredatalakestore.net/",
      });
      const a = await assess(reader.describe, reader.list({ acls: true }), { acls: true, throughput: 1000, top: 2, examples: 10, now: NOW });
      expect(a).toMatchObject({ files: 8, bytes: 6043, estimatedCopySeconds: 6.043 });
      expect(a.topLevel).toEqual([
        { folder: "raw", files: 5, directories: 2, bytes: 6006 },
        { folder: "curated", files: 2, directories: 1, bytes: 30 },
        { folder: "(root files)", files: 1, directories: 0, bytes: 7 },
      ]);
      expect(a.largest).toEqual([
        { path: "raw/old.csv", size: 5000 },
        { path: "raw/a.csv", size: 1000 },
      ]);
      expect(a.ages.find((b) => b.bucket === "< 30 days")).toEqual({ bucket: "< 30 days", files: 4, bytes: 1037 });
      expect(a.ages.find((b) => b.bucket === "2-5 years")).toEqual({ bucket: "2-5 years", files: 1, bytes: 5000 });
      expect(a.badNames["trailing-dot"]).toEqual({ count: 1, examples: ["raw/trailing."] });
      expect(a.badNames.colon).toEqual({ count: 2, examples: ["raw/has:colon", "raw/has:colon/x"] });
      expect(a.badNames["only-spaces"]).toEqual({ count: 2, examples: ["raw/   ", "raw/   /y"] });
      expect(a.largeAcls).toEqual({
        count: 2,
        examples: [
          { path: "curated/defaults", detail: "0 named access entries, 29 named default entries" },
          { path: "curated/too-many", detail: "29 named access entries, 0 named default entries" },
        ],
      });
    } finally {
      await server.close();
    }
  });

  it("CLI: Markdown and JSON reports from an inventory, '//' in paths, and a clear error for a bad --throughput", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "assess-"));
    const inv = path.join(dir, "inv.csv");
    writeFileSync(inv, "path,type,size,modified\nraw,directory,0,\nraw/a.csv,file,4000000000,2025-12-01T00:00:00Z\nraw//b.csv,file,10,2025-12-01T00:00:00Z\n");
    const out = path.join(dir, "report");
    const r = await runScriptAsync("assess", ["--source", inv, "--throughput", "2GB/s", "--out", out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Estimated copy time at 2.0 GB/s: **2.0 s**");
    expect(r.stdout).toContain("- path contains '//': 1\n  - `raw//b.csv`");
    const json = JSON.parse(readFileSync(`${out}.json`, "utf8"));
    expect(json).toMatchObject({ files: 2, bytes: 4000000010, badNames: { "empty-segment": { count: 1 } } });
    expect(readFileSync(`${out}.md`, "utf8")).toBe(r.stdout);

    const bad = await runScriptAsync("assess", ["--source", inv, "--throughput", "fast"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--throughput "fast": expected a rate such as 2GB/s or 500MB/s');
  });
});
