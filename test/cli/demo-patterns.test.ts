import { runScriptAsync } from "../support/cli";

/**
 * `npm run demo -- --small --pattern <p>`: the road maps of the patterns
 * that write into Gen1, on the small built-in lake, as a child process.
 * The demo's own steps read the lakes back over HTTP (landed batches in
 * both lakes, the writes after a flip in the other lake, no copy back);
 * here the user's view: exit code and the --json steps and reports.
 */

interface DemoDoc {
  ok: boolean;
  lake: string;
  steps: { title: string; command: string; exitCode: number; expected: boolean; problem?: string; counts?: Record<string, number> }[];
  validations: { ok: boolean; counts: Record<string, number>; folders: { folder: { source: string; direction?: { from: string; to: string } } }[] }[];
}

/** "validate", "factory clock", … for commands; "#" for what the demo does or reads itself. */
const label = (command: string): string => {
  if (command.startsWith("#")) return "#";
  const [script, , first] = command.split(" ").slice(2);
  return first && !first.startsWith("-") ? `${script} ${first}` : script;
};
const counts = (c: Partial<Record<string, number>>) => ({ missing: 0, extra: 0, type: 0, size: 0, stale: 0, acl: 0, ...c });

async function demo(pattern: string): Promise<DemoDoc> {
  const r = await runScriptAsync("demo", ["--small", "--pattern", pattern, "--json"]);
  const doc = JSON.parse(r.stdout) as DemoDoc;
  // Every step's problem in the failure message, not only "expected 0, received 1".
  expect({ code: r.code, problems: doc.steps.filter((s) => !s.expected).map((s) => `${s.title}: ${s.problem}`) }).toEqual({ code: 0, problems: [] });
  expect(doc).toMatchObject({ ok: true, lake: "built-in small" });
  return doc;
}

describe("npm run demo --small", () => {
  it("dual-pipeline: landed batches reach both lakes through the window, the gate passes, Gen1's rename goes through catch-up, zero", async () => {
    const doc = await demo("dual-pipeline");
    expect(doc.steps.map((s) => label(s.command))).toEqual([
      "assess", "plan", "post-deploy", "factory run", "validate", "#", "factory clock", "#", "factory windows", "factory triggers", "validate", "reconcile", "validate",
    ]);
    expect(doc.steps[7].title).toMatch(/copied every landed batch into Gen1 and Gen2/);
    expect(doc.steps[8]).toMatchObject({ exitCode: 0, command: expect.stringMatching(/windows ingest-window .*--covering 2026-12-01T00:00:00.000Z /) });
    // After the window: the empty folders (3 per folder) and the renamed file missing; the deleted and the renamed file still on Gen2;
    // the landed files and their 2 new directories per folder with each lake's own owner and permissions (nothing preserved).
    expect(doc.validations.map((v) => v.counts)).toEqual([counts({ missing: 6 }), counts({ missing: 7, extra: 5, acl: 8 }), counts({})]);
    expect(doc.steps[11].counts).toEqual({ directories: 6, catchUp: 1, acls: 8, deletes: 5 });
  }, 60_000);

  it("bidirectional-sync: seed by reconcile, gate refuses then passes, zero, flip with writerSince after every Data Factory copy, nothing comes back", async () => {
    const doc = await demo("bidirectional-sync");
    expect(doc.steps.map((s) => label(s.command))).toEqual([
      "assess", "plan", "post-deploy", "validate", "reconcile", "validate",
      "#", "factory windows", "factory clock", "factory windows", "validate", "reconcile", "validate",
      "#", "plan", "factory triggers", "#", "factory triggers", "factory clock", "#", "factory clock", "#", "validate",
    ]);
    // The stack before the flip: the example's writer: gen2 folder still written on Gen1, under the example's stack name.
    expect(doc.steps[1].command).toMatch(/plan -- --config-file \S+\/Pulumi\.bidirectional-sync\.yaml /);
    expect(doc.steps[7]).toMatchObject({ exitCode: 1, expected: true, command: expect.stringMatching(/windows sync-gen1-to-gen2-window .*--covering 2026-12-01T00:25:00.000Z /) });
    expect(doc.steps[9]).toMatchObject({ exitCode: 0, expected: true });
    // Seed: every path missing (24 directories, 27 files), all created and copied; after the window the rename and deletes.
    expect(doc.validations.map((v) => v.counts)).toEqual([counts({ missing: 51 }), counts({}), counts({ missing: 1, extra: 6 }), counts({}), counts({})]);
    expect([doc.steps[4].counts, doc.steps[11].counts]).toEqual([
      { directories: 24, catchUp: 27, acls: 0, deletes: 0 },
      { directories: 0, catchUp: 1, acls: 0, deletes: 6 },
    ]);
    // writerSince 5 minutes after the clock stood at the covering window's run and the catch-up: the new trigger starts there.
    expect(doc.steps[13].command).toMatch(/writerSince 5 minutes ahead/);
    expect(doc.steps[14].command).toMatch(/plan -- --config-file \S+\/flipped\/Pulumi\.bidirectional-sync\.yaml /);
    expect(doc.steps[18].command).toMatch(/clock --to 2026-12-01T00:40:00.000Z /);
    expect(doc.steps[21]).toMatchObject({ exitCode: 0, expected: true, title: expect.stringMatching(/Gen2's writes reached Gen1, Gen1's still reach Gen2, nothing came back/) });
    // After the flip, zero again: the flipped folder compared Gen2 → Gen1, whose copies are newer on Gen1.
    expect(doc.steps[22]).toMatchObject({ exitCode: 0, expected: true });
    const flippedFolders = doc.validations[4].folders.filter((f) => f.folder.direction).map((f) => [f.folder.source, f.folder.direction]);
    expect(flippedFolders).toEqual([["/curated/finance", expect.objectContaining({ from: "gen2", to: "gen1" })]]);
  }, 60_000);
});
