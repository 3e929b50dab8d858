import { Gen2Options, Gen2Reader } from "../../scripts/sources/gen2";
import { PathEntry } from "../../scripts/sources/types";
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME, DfsServer, startDfsServer } from "../../emulators/dfs/server";

async function paths(it: AsyncIterable<PathEntry>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of it) out.push(`${e.type[0]} ${e.path} ${e.size}`);
  return out;
}

/** Nested folders, an empty one, and folders of 2-5 entries so that pages of 2 end inside them. */
function seed(server: DfsServer): void {
  server.createFilesystem("raw");
  server.createPath("raw", "lake/empty", { isDir: true });
  for (const top of ["a", "b", "c", "d", "e"]) {
    for (let i = 0; i < 3; i++) server.createPath("raw", `lake/${top}/f${i}.csv`, { content: Buffer.from("x".repeat(i)) });
    for (const sub of ["x", "y"]) for (let i = 0; i < 5; i++) server.createPath("raw", `lake/${top}/${sub}/deep/g${i}`);
  }
  server.createPath("raw", "lake/top.txt", { content: Buffer.from("top") });
}

describe("Gen2 listing by directory (real SDK, DFS test server)", () => {
  let server: DfsServer;
  beforeAll(async () => {
    server = await startDfsServer();
    seed(server);
  });
  afterAll(() => server.close());

  const reader = (opts: Partial<Gen2Options>) =>
    new Gen2Reader({
      accountUrl: server.url,
      filesystem: "raw",
      root: "lake",
      credential: { accountName: DEV_ACCOUNT_NAME, accountKey: DEV_ACCOUNT_KEY },
      describe: "abfss://raw@acct.dfs.core.windows.net/lake",
      maxTries: 1,
      ...opts,
    });

  it.each([1, 2, 5000])("lists the same entries as the recursive listing, pages of %i", async (pageSize) => {
    const recursive = await paths(reader({ listing: "recursive", pageSize }).list());
    server.resetStats();
    const byDirectory = await paths(reader({ listing: "by-directory", pageSize, maxConcurrency: 4 }).list());
    expect(recursive).toHaveLength(1 + 1 + 5 * (1 + 3 + 2 + 2 + 10));
    expect(byDirectory).toHaveLength(recursive.length);
    expect([...byDirectory].sort()).toEqual([...recursive].sort());
    expect(byDirectory).toContain("d empty 0");
    expect(byDirectory).toContain("f c/f2.csv 2");
    // One listing (at least one page) per directory: the root, empty, 5 tops, 10 subs, 10 deeps.
    expect(server.stats.byOperation["GET listPaths"]).toBeGreaterThanOrEqual(27);
  });

  it.each(["recursive", "by-directory"] as const)("a %s listing stopped by its caller ends the request in flight, with the caller's reason", async (listing) => {
    server.faults = { latencyMs: 20_000 };
    try {
      const stop = new AbortController();
      const started = Date.now();
      setTimeout(() => stop.abort(new Error("stopped by the test")), 200);
      await expect(paths(reader({ listing }).list({ signal: stop.signal }))).rejects.toThrow("stopped by the test");
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      server.faults = {};
    }
  });

  it("auto lists by directory when the root holds 4 or more folders", async () => {
    server.resetStats();
    const got = await paths(reader({}).list());
    expect(got).toHaveLength(92);
    expect(server.stats.byOperation["GET listPaths"]).toBe(27);
  });

  it("auto falls back to one recursive listing when the root is one page of 1-3 folders", async () => {
    server.resetStats();
    const got = await paths(reader({ root: "lake/a" }).list());
    expect(got).toHaveLength(17);
    // The probe of the root, then one recursive page.
    expect(server.stats.byOperation["GET listPaths"]).toBe(2);
  });

  it("rides out 503 ServerBusy from an account at its capacity, with the same entries", async () => {
    const recursive = await paths(reader({ listing: "recursive" }).list());
    server.faults.capacityPathsPerSecond = 20;
    server.resetStats();
    try {
      const got = await paths(reader({ listing: "by-directory", maxTries: 20, pageSize: 5 }).list());
      expect([...got].sort()).toEqual([...recursive].sort());
      expect(server.stats.throttled).toBeGreaterThan(0);
    } finally {
      delete server.faults.capacityPathsPerSecond;
    }
  }, 20_000);
});

describe("Gen2 listing by directory: a continuation token handed out again", () => {
  it("ends with an error instead of listing forever", async () => {
    const server = await startDfsServer({ repeatContinuation: true });
    try {
      seed(server);
      const reader = new Gen2Reader({
        accountUrl: server.url,
        filesystem: "raw",
        root: "lake",
        credential: { accountName: DEV_ACCOUNT_NAME, accountKey: DEV_ACCOUNT_KEY },
        describe: "abfss://raw@acct.dfs.core.windows.net/lake",
        pageSize: 2,
        maxTries: 1,
        listing: "by-directory",
      });
      await expect(paths(reader.list())).rejects.toThrow(
        "abfss://raw@acct.dfs.core.windows.net/lake: listPaths: the service returned a token it returned before; stopped instead of listing forever",
      );
    } finally {
      server.close();
    }
  }, 10_000);
});
