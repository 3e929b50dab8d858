import { readFileSync } from "fs";
import { generatedContent as gen1Content } from "../../emulators/gen1/tree";
import { EXIT_FAILED, EXIT_OK } from "../../scripts/lib/cli";
import { LAKE, T } from "../support/lake";
import { type ReconcileEnv, catchUpRuns, journalFile, reconcileCli, setUp, tearDown, validateJson } from "../support/reconcileRig";

/**
 * A Succeeded catch-up run is not proof that its files reached Gen2: the
 * Copy activity skips a listed file Gen1 no longer has (skipErrorFile
 * fileMissing, on by default) and still succeeds. Reconcile reads each
 * listed file back from Gen2 and counts only those there with the size
 * validate saw (and, for a stale file, rewritten since validate); the rest
 * are listed with why, exit 1, and a --resume does not claim them either.
 */

const file = (path: string, size: number) => ({ path, size, modified: T + 5000, owner: "etl-oid", group: "sales-group", permission: "640" });
const H = 3_600_000;

describe("reconcile reads the catch-up's files back from Gen2", () => {
  let e: ReconcileEnv;
  let fullCopyAt: Date;
  beforeAll(async () => {
    e = await setUp();
    fullCopyAt = e.rig.factory.now();
    // New on Gen1 since the full copy: validate lists them missing on Gen2.
    e.rig.gen1.tree.put(file("/raw/sales/2026/02/kept.txt", 5));
    e.rig.gen1.tree.put(file("/raw/sales/2026/02/gone.txt", 7));
    e.rig.gen1.tree.put(file("/raw/sales/2026/02/grown.txt", 4));
    e.rig.gen1.tree.put(file("/raw/finance/q1/y.bin", 9));
    // Rewritten on Gen1 an hour later at the same size: validate lists them stale.
    await e.rig.factory.advanceBy(H);
    for (const p of ["/raw/sales/2026/01/a.csv", "/raw/sales/2026/02/c.csv"]) e.rig.gen1.tree.put({ ...LAKE.find((s) => s.path === p)!, modified: e.rig.factory.now().getTime() });
  });
  afterAll(() => tearDown(e));

  it("files deleted or changed on Gen1 after validate, skipped or rewritten by a Succeeded run: not fixed, exit 1, and --resume does not claim them", async () => {
    const before = await validateJson(e);
    expect(before.report.counts).toMatchObject({ missing: 6, size: 0, stale: 2, acl: 0 });
    // After validate: a missing and a stale file are deleted, one grows.
    e.rig.gen1.tree.delete("/raw/sales/2026/02/gone.txt");
    e.rig.gen1.tree.delete("/raw/sales/2026/02/c.csv");
    e.rig.gen1.tree.put(file("/raw/sales/2026/02/grown.txt", 11));

    const first = await reconcileCli(e, ["--report", before.file, "--json"]);
    expect(first.code).toBe(EXIT_FAILED);
    const result = JSON.parse(first.stdout);
    const runId = catchUpRuns(e)[0].runId;
    expect(result).toMatchObject({
      ok: false,
      done: { mkdir: 2, copy: 3 },
      catchUp: { runId, status: "Succeeded", files: 6, lists: 2, confirmed: 3, copyActivities: { copies: 2, filesRead: 4, filesWritten: 4, filesSkipped: 2 } },
    });
    const after = `after catch-up run ${runId}, whose Copy activities skipped 2 file(s) (filesSkipped)`;
    const oldTime = new Date(Math.floor(fullCopyAt.getTime() / 1000) * 1000).toISOString();
    expect(result.unfixable.map((u: { kind: string; filesystem: string; gen2Path: string; reason: string }) => [u.kind, `${u.filesystem}/${u.gen2Path}`, u.reason]).sort()).toEqual([
      ["copy", "raw/sales/2026/02/c.csv", `not rewritten on Gen2 ${after}: its Last-Modified is still ${oldTime} (validate saw ${oldTime}), so it holds the old bytes; Gen1 no longer has it (deleted since validate listed it): validate again`],
      ["copy", "raw/sales/2026/02/gone.txt", `not on Gen2 ${after}; Gen1 no longer has it (deleted since validate listed it): validate again`],
      ["copy", "raw/sales/2026/02/grown.txt", `11 bytes on Gen2 ${after}, not the 4 bytes validate saw on Gen1: changed on Gen1 since, or skipped by the copy; validate again`],
    ]);

    // What a user sees on Gen2, over HTTP: the copied files with their new bytes, the skipped missing one absent.
    const raw = e.rig.gen2.getFileSystemClient("raw");
    const bytes = (p: string) => raw.getFileClient(p).readToBuffer();
    expect((await bytes("sales/2026/02/kept.txt")).equals(gen1Content("raw/sales/2026/02/kept.txt", 5, T + 5000))).toBe(true);
    expect((await bytes("sales/2026/01/a.csv")).equals(gen1Content("raw/sales/2026/01/a.csv", 300, fullCopyAt.getTime() + H))).toBe(true);
    expect((await e.rig.gen2.getFileSystemClient("curated").getFileClient("finance/q1/y.bin").getProperties()).contentLength).toBe(9);
    expect(await raw.getFileClient("sales/2026/02/gone.txt").exists()).toBe(false);

    // The journal names the exceptions; the run's Succeeded `copied` record stands for the files it confirmed (no record per copied file).
    const records = () => readFileSync(journalFile(e), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { t: string; id?: string; runId?: string; status?: string });
    const ids = (t: string, run?: string) => records().filter((r) => r.t === t && r.id?.startsWith("copy:") && (!run || r.runId === run)).map((r) => r.id!).sort();
    const notCopied = ["copy:0:2026/02/c.csv", "copy:0:2026/02/gone.txt", "copy:0:2026/02/grown.txt"];
    expect(records().filter((r) => r.t === "copied")).toEqual([{ t: "copied", runId, status: "Succeeded" }]);
    expect(ids("done")).toEqual([]);
    expect(ids("notCopied")).toEqual(notCopied);

    const resumed = await reconcileCli(e, ["--resume"]);
    expect(resumed.code).toBe(EXIT_FAILED);
    const second = catchUpRuns(e)[1].runId;
    expect(resumed.out).toContain("  files copied by catch-up: 0 of 6\n");
    expect(resumed.out).toContain(`  catch-up run ${second}: Succeeded, 3 files in 1 list(s)\n    its Copy activities: 1 files read, 1 written, 2 skipped; 0 of 3 files confirmed on Gen2\n`);
    expect(resumed.out).toContain(`    copy raw/sales/2026/02/gone.txt: not on Gen2 after catch-up run ${second}, whose Copy activities skipped 2 file(s) (filesSkipped); Gen1 no longer has it`);
    // Only the three went to the second run, and none is claimed: still not copied, none done.
    expect(ids("notCopied", second)).toEqual(notCopied);
    expect(ids("done")).toEqual([]);

    // Gen1 holds the size validate saw again: a third run copies it, journals it done, and lists it no more.
    e.rig.gen1.tree.put(file("/raw/sales/2026/02/grown.txt", 4));
    const third = await reconcileCli(e, ["--resume"]);
    expect(third.code).toBe(EXIT_FAILED);
    const thirdRun = catchUpRuns(e)[2].runId;
    expect(third.out).toContain(`  catch-up run ${thirdRun}: Succeeded, 3 files in 1 list(s)\n`);
    expect(third.out).toContain("; 1 of 3 files confirmed on Gen2\n");
    expect(ids("done")).toEqual(["copy:0:2026/02/grown.txt"]);
    expect(ids("notCopied", thirdRun)).toEqual(["copy:0:2026/02/c.csv", "copy:0:2026/02/gone.txt"]);
    const fourth = await reconcileCli(e, ["--resume"]);
    expect(fourth.out).toContain(`, 2 files in 1 list(s)\n`);
    e.rig.gen1.tree.put(file("/raw/sales/2026/02/grown.txt", 11));

    // The runs ended with leftovers: a fresh validate → reconcile starts over without --resume and converges.
    const again = await validateJson(e);
    const fresh = await reconcileCli(e, ["--report", again.file, "--delete"]);
    expect(fresh.out).not.toContain("unfinished reconcile");
    expect(fresh.code).toBe(EXIT_OK);
    expect((await raw.getFileClient("sales/2026/02/grown.txt").getProperties()).contentLength).toBe(11);
  }, 90_000);
});
