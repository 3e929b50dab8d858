import { parseStackConfig } from "../../components/config/load";
import { pastWindows } from "../../components/config/windows";
import { renderTree } from "../../scripts/plan/render";
import type { Plan, PlannedResource } from "../../scripts/plan/runtime";
import { triggerNotes } from "../../scripts/plan/triggers";
import { BASE_CONFIG, configProblems, ofType, planWith, toPulumiValues } from "../support/plan";

/** Data a pattern could lose: overlapping folders, flips, skipped files, root targets (issue 11, items 1–5 and 10). */

const GEN1_LOCATION = { subscriptionId: "22222222-3333-4444-5555-666666666666", resourceGroupName: "contoso-gen1" };
const SOURCE = { accountName: "contosogen1", auth: "managedIdentity", ...GEN1_LOCATION };
/** Fixed past start dates: allowBackfill keeps the guard (which reads the clock) from refusing them as time passes. */
const SCHEDULE = { frequency: "Hour", interval: 1, startTime: "2026-12-01T00:00:00Z", allowBackfill: true };
const FILESYSTEMS = [{ name: "raw" }, { name: "curated" }, { name: "landing" }, { name: "logs" }];

function config(pattern: string, migration: Record<string, unknown>): Record<string, unknown> {
  return {
    "adls-migration:pattern": pattern,
    "adls-migration:filesystems": FILESYSTEMS,
    "adls-migration:source": SOURCE,
    "adls-migration:migration": { schedule: SCHEDULE, ...migration },
  };
}

type Json = Record<string, unknown>;
function copies(plan: Plan, name: string): Json[] {
  const p = ofType(plan, "azure-native:datafactory:Pipeline").find((r) => r.inputs.pipelineName === name);
  if (!p) throw new Error(`no pipeline ${name}`);
  const walk = (acts: Json[]): Json[] => acts.flatMap((a) => (a.type === "ForEach" ? walk(a.activities as Json[]) : a.type === "Copy" ? [a] : []));
  return walk(p.inputs.activities as Json[]);
}
function folderItems(plan: Plan, name: string): Json[] {
  const p = ofType(plan, "azure-native:datafactory:Pipeline").find((r) => r.inputs.pipelineName === name) as PlannedResource;
  return ((p.inputs.parameters as Json).folders as { defaultValue: Json[] }).defaultValue;
}
function triggerProps(plan: Plan, name: string): Json {
  const t = ofType(plan, "azure-native:datafactory:Trigger").find((r) => r.inputs.triggerName === name);
  if (!t) throw new Error(`no trigger ${name}`);
  return t.inputs.properties as Json;
}

describe("overlapping folders are refused, naming both keys", () => {
  it("a Gen1 source inside another (the issue's /raw and /raw/sales with different writers)", () => {
    const problems = configProblems(
      config("bidirectional-sync", {
        folders: [
          { source: "/raw", filesystem: "raw", target: "data", writer: "gen1" },
          { source: "/raw/sales", filesystem: "curated", target: "sales", writer: "gen2" },
        ],
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^adls-migration:migration\.folders\[1\]\.source: Gen1 folder "\/raw\/sales" is inside adls-migration:migration\.folders\[0\]\.source \(Gen1 folder "\/raw"\)/),
    ]);
  });

  it("a Gen2 target inside another in the same filesystem, and a root target containing every other one", () => {
    expect(
      configProblems(
        config("incremental", {
          folders: [
            { source: "/a", filesystem: "raw", target: "data" },
            { source: "/b", filesystem: "raw", target: "data/sales" },
          ],
        }),
      ),
    ).toEqual([expect.stringMatching(/^adls-migration:migration\.folders\[1\]\.target: target "raw\/data\/sales" is inside adls-migration:migration\.folders\[0\]\.target/)]);
    expect(
      configProblems(
        config("incremental", {
          folders: [
            { source: "/a", filesystem: "raw", target: "data" },
            { source: "/b", filesystem: "raw" },
          ],
          copy: { logFilesystem: "logs" },
        }),
      ),
    ).toEqual([expect.stringMatching(/^adls-migration:migration\.folders\[1\]\.target: target the root of filesystem raw contains adls-migration:migration\.folders\[0\]\.target/)]);
  });

  it("accepts the same directory name in two filesystems, and sibling folders", () => {
    const cfg = config("incremental", {
      folders: [
        { source: "/raw/sales", filesystem: "raw", target: "sales" },
        { source: "/raw/salesforce", filesystem: "raw", target: "salesforce" },
        { source: "/curated/sales", filesystem: "curated", target: "sales" },
      ],
    });
    expect(() => parseStackConfig(toPulumiValues({ ...BASE_CONFIG, ...cfg }))).not.toThrow();
  });

  it("dual-pipeline: two folders whose landing paths collide (raw/sales and curated/sales share incoming/sales)", () => {
    const problems = configProblems(
      config("dual-pipeline", {
        ingest: { filesystem: "landing", path: "incoming" },
        folders: [
          { source: "/raw/sales", filesystem: "raw", target: "sales" },
          { source: "/curated/sales", filesystem: "curated", target: "sales" },
        ],
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^adls-migration:migration\.folders\[1\]\.target: landing path "landing\/incoming\/sales" is the same as adls-migration:migration\.folders\[0\]\.target/),
    ]);
  });

  it("dual-pipeline: a landing zone inside a migrated target", () => {
    const problems = configProblems(
      config("dual-pipeline", { ingest: { filesystem: "raw", path: "sales/incoming" }, folders: [{ source: "/raw/sales", filesystem: "raw", target: "sales" }] }),
    );
    expect(problems).toEqual([expect.stringMatching(/^adls-migration:migration\.ingest\.path: landing zone "raw\/sales\/incoming" is inside adls-migration:migration\.folders\[0\]\.target/)]);
  });
});

describe("bidirectional writer flip: each direction starts at its flip, each folder copies nothing from before it", () => {
  const flipped = config("bidirectional-sync", {
    folders: [
      { source: "/raw/sales", filesystem: "raw", target: "sales", writer: "gen1" },
      { source: "/curated/finance", filesystem: "curated", target: "finance", writer: "gen2", writerSince: "2027-03-15T10:00:00Z" },
      { source: "/curated/hr", filesystem: "curated", target: "hr", writer: "gen2", writerSince: "2027-04-01T00:00:00Z" },
    ],
  });

  it("the new Gen2 -> Gen1 trigger starts at the earliest flip, not at schedule.startTime, so it does not backfill", async () => {
    const plan = await planWith(flipped);
    expect(triggerProps(plan, "sync-gen1-to-gen2-window").startTime).toBe("2026-12-01T00:00:00.000Z");
    expect(triggerProps(plan, "sync-gen2-to-gen1-window").startTime).toBe("2027-03-15T10:00:00.000Z");
  });

  it("every folder item carries its since, and the window start is the later of window and since", async () => {
    const plan = await planWith(flipped);
    expect(folderItems(plan, "sync-gen2-to-gen1")).toEqual([
      { source: "curated/finance", filesystem: "curated", target: "finance", since: "2027-03-15T10:00:00Z" },
      { source: "curated/hr", filesystem: "curated", target: "hr", since: "2027-04-01T00:00:00Z" },
    ]);
    expect(folderItems(plan, "sync-gen1-to-gen2")).toEqual([{ source: "raw/sales", filesystem: "raw", target: "sales", since: "2026-12-01T00:00:00Z" }]);
    for (const copy of [...copies(plan, "sync-gen2-to-gen1"), ...copies(plan, "sync-gen1-to-gen2")]) {
      expect(((copy.source as Json).storeSettings as Json).modifiedDatetimeStart).toEqual({
        type: "Expression",
        value: "@if(less(ticks(pipeline().parameters.windowStart), ticks(item().since)), item().since, pipeline().parameters.windowStart)",
      });
    }
  });

  it("writerSince outside bidirectional-sync is refused", () => {
    expect(configProblems(config("incremental", { folders: [{ source: "/raw/sales", filesystem: "raw", target: "sales", writerSince: "2027-01-01T00:00:00Z" }] }))).toEqual([
      expect.stringMatching(/^adls-migration:migration\.folders\[0\]\.writerSince: is for pattern bidirectional-sync only/),
    ]);
  });
});

describe("skipped files are never silent", () => {
  it("fileForbidden and invalidFileName reach every Copy (invalidFileName only into Gen2), with session logs on", async () => {
    const plan = await planWith(
      config("bidirectional-sync", {
        folders: [
          { source: "/raw/sales", filesystem: "raw", target: "sales", writer: "gen1" },
          { source: "/curated/finance", filesystem: "curated", target: "finance", writer: "gen2" },
        ],
        copy: { skipErrorFile: { fileForbidden: true, invalidFileName: true }, logFilesystem: "logs" },
      }),
    );
    const [toGen2] = copies(plan, "sync-gen1-to-gen2");
    const [toGen1] = copies(plan, "sync-gen2-to-gen1");
    expect(toGen2.skipErrorFile).toEqual({ fileMissing: true, fileForbidden: true, invalidFileName: true, dataInconsistency: true });
    // ADF honours invalidFileName only for binary copies into Gen2.
    expect(toGen1.skipErrorFile).toEqual({ fileMissing: true, fileForbidden: true, dataInconsistency: true });
    for (const c of [toGen1, toGen2]) {
      expect(c.logSettings).toEqual({
        enableCopyActivityLog: true,
        copyActivityLogSettings: { logLevel: "Warning", enableReliableLogging: false },
        logLocationSettings: { linkedServiceName: { type: "LinkedServiceReference", referenceName: "Gen2Store" }, path: "logs/adf-copy-logs" },
      });
    }
  });

  it("without logFilesystem the logs go to the first folder's filesystem, because fileMissing skips by default", async () => {
    const plan = await planWith(config("lift-and-shift", { folders: [{ source: "/raw/sales", filesystem: "raw", target: "sales" }] }));
    const [copy] = copies(plan, "full-copy");
    expect(copy.logSettings).toMatchObject({ enableCopyActivityLog: true, logLocationSettings: { path: "raw/adf-copy-logs" } });
  });

  it("no skip at all: no session log", async () => {
    const plan = await planWith(
      config("lift-and-shift", { folders: [{ source: "/raw/sales", filesystem: "raw", target: "sales" }], copy: { skipErrorFile: { fileMissing: false } } }),
    );
    expect(copies(plan, "full-copy")[0]).not.toHaveProperty("logSettings");
  });

  it("refuses a session log directory inside a migrated target (a root target takes the whole filesystem)", () => {
    expect(configProblems(config("incremental", { folders: [{ source: "/raw", filesystem: "raw" }] }))).toEqual([
      expect.stringMatching(/^adls-migration:migration\.copy\.logFilesystem: session log directory "raw\/adf-copy-logs" is inside adls-migration:migration\.folders\[0\]\.target/),
    ]);
  });
});

describe("full copies against live writers skip files that change during the copy", () => {
  const folders = [{ source: "/raw/sales", filesystem: "raw", target: "sales" }];
  it.each([
    ["incremental", true, {}],
    ["dual-pipeline", true, { ingest: { filesystem: "landing", path: "incoming" } }],
    ["lift-and-shift", false, {}],
  ])("%s full-copy: dataInconsistency %s by default", async (pattern, expected, extra) => {
    const plan = await planWith(config(pattern, { folders, ...extra }));
    expect(copies(plan, "full-copy")[0]).toMatchObject({ validateDataConsistency: true, skipErrorFile: { dataInconsistency: expected } });
  });

  it("an explicit false is kept, and no validation means nothing to skip", async () => {
    const explicit = await planWith(config("incremental", { folders, copy: { skipErrorFile: { dataInconsistency: false } } }));
    expect(copies(explicit, "full-copy")[0]).toMatchObject({ skipErrorFile: { dataInconsistency: false } });
    const unvalidated = await planWith(config("incremental", { folders, copy: { validateDataConsistency: false } }));
    expect(copies(unvalidated, "full-copy")[0]).toMatchObject({ validateDataConsistency: false, skipErrorFile: { dataInconsistency: false } });
  });
});

describe("copy into a filesystem root", () => {
  it("target omitted or \"\" is the root: config exposes \"\", sinks get an empty folder path, landing is ingest.path", async () => {
    const cfg = config("dual-pipeline", {
      ingest: { filesystem: "landing", path: "incoming" },
      folders: [{ source: "/raw", filesystem: "raw" }, { source: "/curated", filesystem: "curated", target: "" }],
      copy: { logFilesystem: "logs" },
    });
    expect(configProblems(cfg)).toEqual([
      expect.stringMatching(/^adls-migration:migration\.folders\[1\]\.target: landing path "landing\/incoming" is the same as adls-migration:migration\.folders\[0\]\.target/),
    ]);
    const single = config("incremental", { folders: [{ source: "/raw", filesystem: "raw" }], copy: { logFilesystem: "logs" } });
    expect(parseStackConfig(toPulumiValues({ ...BASE_CONFIG, ...single })).migration.folders).toEqual([{ source: "/raw", filesystem: "raw", target: "" }]);
    const plan = await planWith(single);
    expect(folderItems(plan, "full-copy")).toEqual([{ source: "raw", filesystem: "raw", target: "" }]);
    const dual = await planWith(config("dual-pipeline", { ingest: { filesystem: "landing", path: "incoming" }, folders: [{ source: "/raw", filesystem: "raw" }], copy: { logFilesystem: "logs" } }));
    expect(folderItems(dual, "ingest-dual")).toEqual([{ source: "raw", filesystem: "raw", target: "", landing: "incoming" }]);
  });
});

describe("tumbling window changes and backfill are visible in the plan", () => {
  it("a trigger is replaced (deleted first: same name) when frequency, interval or start change", async () => {
    const plan = await planWith({});
    const [t] = ofType(plan, "azure-native:datafactory:Trigger");
    expect(t).toMatchObject({ replaceOnChanges: ["properties.frequency", "properties.interval", "properties.startTime"], deleteBeforeReplace: true });
    expect(renderTree(plan)).toContain(
      "a change to properties.frequency, properties.interval, properties.startTime replaces it (window state reset, backfill from startTime)",
    );
  });

  it("the plan counts the windows a first start runs: per direction from its own start", async () => {
    const plan = await planWith(
      config("bidirectional-sync", {
        folders: [
          { source: "/raw/sales", filesystem: "raw", target: "sales", writer: "gen1" },
          { source: "/curated/finance", filesystem: "curated", target: "finance", writer: "gen2", writerSince: "2026-12-01T20:00:00Z" },
        ],
      }),
    );
    const notes = triggerNotes(plan, new Date("2026-12-02T00:30:00Z"));
    expect(notes.map((n) => [n.triggerName, n.firstStartWindows])).toEqual([
      ["sync-gen1-to-gen2-window", 24],
      ["sync-gen2-to-gen1-window", 4],
    ]);
  });

  it.each([
    ["Hour", 1, "2001-01-01T00:00:00Z", "2026-12-01T00:00:00Z", 227_160],
    ["Minute", 15, "2026-12-01T00:00:00Z", "2026-12-01T01:14:59Z", 4],
    ["Month", 1, "2026-01-31T00:00:00Z", "2026-12-01T00:00:00Z", 10],
    ["Month", 3, "2026-01-01T00:00:00Z", "2026-12-01T00:00:00Z", 3],
    ["Hour", 1, "2027-01-01T00:00:00Z", "2026-12-01T00:00:00Z", 0],
  ] as const)("%s × %d from %s to %s: %d windows", (frequency, interval, start, now, expected) => {
    expect(pastWindows(start, new Date(now), frequency, interval)).toBe(expected);
  });
});

describe("Key Vault ordering", () => {
  it("Gen1Store waits for the KeyVault linked service it references; plan resources list their dependencies as URNs", async () => {
    const plan = await planWith({
      "adls-migration:source": {
        accountName: "contosogen1",
        auth: "servicePrincipal",
        clientId: "11111111-2222-3333-4444-555555555555",
        tenantId: "66666666-7777-8888-9999-000000000000",
        keyVault: { name: "kv-contoso-mig", resourceGroup: "secrets" },
        secretName: "gen1-sp",
      },
    });
    const ls = (n: string) => ofType(plan, "azure-native:datafactory:LinkedService").find((r) => r.inputs.linkedServiceName === n) as PlannedResource;
    expect(ls("Gen1Store").dependsOn).toContain(ls("KeyVault").urn);
    expect(ls("KeyVault").dependsOn).not.toContain(ls("Gen1Store").urn);
    expect(ls("Gen2Store").dependsOn).not.toContain(ls("KeyVault").urn);
    const factory = ofType(plan, "azure-native:datafactory:Factory")[0];
    expect(ls("KeyVault").dependsOn).toContain(factory.urn);
  });
});
