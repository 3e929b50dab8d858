import { DuckDBInstance } from "@duckdb/node-api";
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { main } from "../../scripts/assess";
import { Assessment, assess } from "../../scripts/assess/analyze";
import { openSource, parseSource } from "../../scripts/sources/open";
import { PathEntry } from "../../scripts/sources/types";
import { writeRun } from "../support/inventoryRun";

/**
 * The SQL aggregation (scripts/assess/aggregate.ts, rules.ts) checked
 * against a plain JavaScript fold of the same listing, written here from
 * the rules as the report states them: per path segment, ages by whole
 * buckets of days, named ACL entries per scope; examples the first paths in
 * code point order, the largest files by size then path.
 */

const DAY = 86_400_000;
const NOW = Date.parse("2026-06-01T12:00:00Z");
const dir = mkdtempSync(path.join(tmpdir(), "assess-aggregate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** UTF-8 byte order, which is code point order: DuckDB's string order. */
const byPath = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

function named(acl: string): { access: number; default: number } {
  const n = { access: 0, default: 0 };
  for (const entry of acl.split(",")) {
    const parts = entry.trim().split(":");
    const scoped = parts[0] === "default";
    const [type, id] = scoped ? parts.slice(1) : parts;
    if ((type === "user" || type === "group") && id) n[scoped ? "default" : "access"]++;
  }
  return n;
}

const RULES: Record<string, (segment: string) => boolean> = {
  "trailing-dot": (s) => s.endsWith("."),
  colon: (s) => s.includes(":"),
  "only-spaces": (s) => s.length > 0 && s.trim() === "",
  "empty-segment": (s) => s === "",
};
const BOUNDS = [30, 90, 365, 730, 1826, Infinity];
const LABELS = ["< 30 days", "30-90 days", "90 days - 1 year", "1-2 years", "2-5 years", "> 5 years"];

function reference(entries: PathEntry[], o: { acls: boolean; top: number; examples: number }): Omit<Assessment, "source" | "throughputBytesPerSecond" | "estimatedCopySeconds"> {
  const files = entries.filter((e) => e.type === "file");
  // Whole bytes summed exactly, then rounded once (beyond 2^53 a running double sum would depend on the order).
  const sum = (es: PathEntry[]): number => Number(es.reduce((a, e) => a + BigInt(e.size), 0n));
  const folders = new Map<string, { files: number; directories: number; bytes: number }>();
  for (const e of entries) {
    const segs = e.path.split("/");
    const folder = segs.length > 1 || e.type === "directory" ? segs[0] : "(root files)";
    const t = folders.get(folder) ?? { files: 0, directories: 0, bytes: 0 };
    folders.set(folder, t);
    if (e.type === "file") t.files++;
    else if (segs.length > 1) t.directories++;
  }
  for (const [folder, t] of folders) t.bytes = sum(files.filter((e) => (e.path.includes("/") ? e.path.split("/")[0] : "(root files)") === folder));
  const bucketOf = (e: PathEntry): number => (Number.isNaN(e.modified) ? -1 : BOUNDS.findIndex((b) => (NOW - e.modified) / DAY < b));
  const ages = LABELS.map((bucket, i) => ({ bucket, files: files.filter((e) => bucketOf(e) === i).length, bytes: sum(files.filter((e) => bucketOf(e) === i)) }));
  const unknown = files.filter((e) => bucketOf(e) === -1);
  const first = (paths: string[]): string[] => [...paths].sort(byPath).slice(0, o.examples);
  const large = entries.filter((e) => e.acl !== undefined && (named(e.acl).access > 28 || named(e.acl).default > 28));
  const sawAcl = o.acls || entries.some((e) => e.acl !== undefined);
  return {
    paths: entries.length,
    files: files.length,
    directories: entries.length - files.length,
    bytes: sum(files),
    topLevel: [...folders].map(([folder, v]) => ({ folder, ...v })).sort((a, b) => b.bytes - a.bytes || (a.folder < b.folder ? -1 : 1)),
    ages: [...ages, ...(unknown.length > 0 ? [{ bucket: "unknown", files: unknown.length, bytes: sum(unknown) }] : [])],
    largest: [...files]
      .sort((a, b) => b.size - a.size || byPath(a.path, b.path))
      .slice(0, o.top)
      .map((e) => ({ path: e.path, size: e.size })),
    badNames: Object.fromEntries(
      Object.entries(RULES).map(([id, test]) => {
        const hits = entries.filter((e) => e.path.split("/").some(test)).map((e) => e.path);
        return [id, { count: hits.length, examples: first(hits) }];
      }),
    ) as Assessment["badNames"],
    ...(sawAcl
      ? {
          largeAcls: {
            count: large.length,
            examples: [...large]
              .sort((a, b) => byPath(a.path, b.path))
              .slice(0, o.examples)
              .map((e) => ({ path: e.path, detail: `${named(e.acl!).access} named access entries, ${named(e.acl!).default} named default entries` })),
          },
        }
      : {}),
  };
}

async function* stream(entries: PathEntry[]): AsyncIterable<PathEntry> {
  yield* entries;
}

// Segments that break each rule, that almost do, and characters outside ASCII and the Basic Multilingual Plane.
const segment = fc.constantFrom("", ".", "..", "a", "b.", "c.d", "e:f", ":", " ", "   ", "\t", "\u00a0", "\u3000 ", "\u2028", "\u0085", "x y", " z", "é", "😀", "\uFFFD");
const aclEntry = fc.constantFrom(
  "user::rwx", "group::r-x", "mask::r-x", "other::---", "user:u1:r-x", "group:g2:rwx", " user:u3:r-- ", "user: :r", "user: ", "user:",
  "default:user:d1:rwx", "default:group:d2:r-x", "default:user::rwx", " default:group:d3:r ", "users:x:r", "defaultx:user:y:r", "",
);
// Around each bucket's bound (ms and fractions of a ms), far in the past and future, and no time.
const modified = fc.oneof(
  fc.constantFrom(NaN, NOW, NOW + DAY, 0),
  fc.tuple(fc.constantFrom(...BOUNDS.slice(0, -1)), fc.constantFrom(-1, -0.5, 0, 0.5, 1)).map(([days, ms]) => NOW - days * DAY + ms),
  fc.integer({ min: 0, max: 4000 }).map((d) => NOW - d * DAY),
);
const entry = fc.record({
  segments: fc.array(segment, { minLength: 1, maxLength: 4 }),
  dir: fc.boolean(),
  size: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.constantFrom(0, 2 ** 40, 2 ** 50)),
  modified,
  acl: fc.option(fc.array(aclEntry, { maxLength: 70 }).map((es) => es.join(",")), { nil: undefined }),
});
const listing = fc.array(entry, { maxLength: 60 }).map((es) =>
  es.map((e): PathEntry => ({
    path: e.segments.join("/"),
    type: e.dir ? "directory" : "file",
    size: e.dir ? 0 : e.size,
    modified: e.modified,
    owner: "",
    group: "",
    permissions: "",
    ...(e.acl === undefined ? {} : { acl: e.acl }),
  })),
);

describe("assess aggregates in DuckDB exactly as the rules say", () => {
  it("totals, top-level folders, ages, largest files, names per segment and ACLs over 28 named entries, on random listings", async () => {
    await fc.assert(
      fc.asyncProperty(listing, fc.boolean(), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), async (entries, acls, top, examples) => {
        const opts = { acls, top, examples };
        const a = await assess("listing", stream(entries), { ...opts, throughput: 1000, now: NOW, threads: 2 });
        const { source, throughputBytesPerSecond, estimatedCopySeconds, ...found } = a;
        expect(found).toEqual(reference(entries, opts));
        expect([source, throughputBytesPerSecond, estimatedCopySeconds]).toEqual(["listing", 1000, found.bytes / 1000]);
      }),
      { numRuns: 25 },
    );
  }, 60_000);

  it("an ACL of 29 named entries in either scope, with spaces around entries, counts; 28, base entries and empty ids do not", async () => {
    const users = (n: number, scope = "") => Array.from({ length: n }, (_, i) => `${scope}user:oid-${i}:r-x`);
    const acl = (...es: string[]) => ["user::rwx", "group::r-x", "mask::rwx", "other::---", ...es].join(",");
    const entries: PathEntry[] = [
      ["a/29", acl(...users(29))],
      ["a/28", acl(...users(28), ...users(28, "default:"))],
      ["a/29-spaced", acl(...users(29).map((e) => ` ${e}\t`))],
      ["a/29-default", acl(...users(29, "default:"))],
      ["a/empty-ids", acl(...Array.from({ length: 40 }, () => "user: "), ...Array.from({ length: 40 }, () => "group::r"))],
    ].map(([p, a]) => ({ path: p, type: "file", size: 1, modified: NOW, owner: "", group: "", permissions: "", acl: a }));
    const a = await assess("acls", stream(entries), { acls: false, throughput: 1, top: 0, examples: 10, now: NOW });
    expect(a.largeAcls).toEqual({
      count: 3,
      examples: [
        { path: "a/29", detail: "29 named access entries, 0 named default entries" },
        { path: "a/29-default", detail: "0 named access entries, 29 named default entries" },
        { path: "a/29-spaced", detail: "29 named access entries, 0 named default entries" },
      ],
    });
  });
});

describe("assess reads every inventory format through DuckDB, in any row order, to the same report", () => {
  const entries: PathEntry[] = [
    { path: "raw", type: "directory", size: 0, modified: NOW - 400 * DAY, owner: "", group: "", permissions: "" },
    { path: "raw/b.", type: "file", size: 30, modified: NOW - 10 * DAY, owner: "", group: "", permissions: "", acl: "user::rwx" },
    { path: "raw/a:b/  ", type: "file", size: 30, modified: NOW - 100 * DAY, owner: "", group: "", permissions: "" },
    { path: "raw//c", type: "file", size: 5, modified: NaN, owner: "", group: "", permissions: "" },
    { path: "top.txt", type: "file", size: 7, modified: NOW - 3000 * DAY, owner: "", group: "", permissions: "" },
  ];
  const csvCell = (v: string | number | undefined) => (v === undefined || Number.isNaN(v) ? "" : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  const csv = (es: PathEntry[]) => `path,type,size,modified,acl\n${es.map((e) => [e.path, e.type, e.size, e.modified, e.acl].map(csvCell).join(",")).join("\n")}\n`;
  const jsonl = (es: PathEntry[]) => es.map((e) => JSON.stringify({ path: e.path, type: e.type, size: e.size, ...(Number.isNaN(e.modified) ? {} : { modified: e.modified }), ...(e.acl ? { acl: e.acl } : {}) })).join("\n");

  async function report(file: string): Promise<Assessment> {
    const reader = openSource(parseSource("--source", file, { now: Date.now() }));
    const list = { require: ["type", "size"] as const };
    return assess(file, reader.inventoryFiles?.(list) ?? reader.list(list), { acls: false, throughput: 1, top: 2, examples: 5, now: NOW });
  }

  it("CSV, JSON lines and Parquet, in listing order and reversed", async () => {
    const files: string[] = [];
    for (const [name, es] of [["in-order", entries], ["reversed", [...entries].reverse()]] as const) {
      const base = path.join(dir, name);
      writeFileSync(`${base}.csv`, csv(es));
      writeFileSync(`${base}.jsonl`, jsonl(es));
      const db = await DuckDBInstance.create(":memory:");
      const c = await db.connect();
      await c.run(`COPY (SELECT * FROM read_csv('${base}.csv', all_varchar = true, header = true)) TO '${base}.parquet' (FORMAT parquet)`);
      c.closeSync();
      db.closeSync();
      files.push(`${base}.csv`, `${base}.jsonl`, `${base}.parquet`);
    }
    const reports = await Promise.all(files.map(report));
    const expected = reference(entries, { acls: false, top: 2, examples: 5 });
    for (const r of reports) expect({ ...r, source: "", throughputBytesPerSecond: 0, estimatedCopySeconds: 0 }).toEqual({ ...expected, source: "", throughputBytesPerSecond: 0, estimatedCopySeconds: 0 });
  });

  it("a CSV that fooled DuckDB's sniffer (BOM, blank line, ';' and a quoted ',' in names, a short row) reads as csv-parse reads it", async () => {
    const file = path.join(dir, "odd.csv");
    writeFileSync(file, '\uFEFFpath,type,size\n  raw/   ,file, 12 \n\nb;c,file,3\n"q,""x",file,4\nshort,file\n');
    const viaJs: PathEntry[] = [];
    for await (const e of openSource(parseSource("--source", file)).list()) viaJs.push(e);
    expect(viaJs.map((e) => [e.path, e.size])).toEqual([["  raw/   ", 12], ["b;c", 3], ['q,"x', 4], ["short", 0]]);
    expect(await report(file)).toEqual(await assess(file, stream(viaJs), { acls: false, throughput: 1, top: 2, examples: 5, now: NOW }));
  });

  it("a size DuckDB parses but JavaScript does not ('inf') is not a byte count; a run's folder outside the Basic Multilingual Plane is cut off whole", async () => {
    const inf = path.join(dir, "inf.csv");
    writeFileSync(inf, "path,type,size\na.csv,file,inf\n");
    await expect(report(inf)).rejects.toThrow(`${inf}: a.csv: size "inf" is not a byte count`);
    const manifest = await writeRun(path.join(dir, "run"), {
      format: "csv",
      rows: [
        { Name: "raw/😀", "Content-Length": 0, "Last-Modified": NOW, hdi_isfolder: "true" },
        { Name: "raw/😀/a.csv", "Content-Length": 3, "Last-Modified": NOW },
      ],
    });
    expect((await report(`inventory:${manifest}#raw/😀`)).largest).toEqual([{ path: "a.csv", size: 3 }]);
  });

  it("CLI: a CSV inventory without a size column, and --acls without an acl column, are exit 2 naming the column", async () => {
    const run = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
      let out = "";
      let err = "";
      const code = await main(args, { out: (t) => void (out += t), err: (t) => void (err += t), env: {}, tty: false });
      return { code, out, err };
    };
    const noSize = path.join(dir, "nosize.csv");
    writeFileSync(noSize, "path,type\na.csv,file\n");
    expect(await run(["--source", noSize])).toMatchObject({
      code: 2,
      err: expect.stringContaining(`assess: ${noSize} (CSV header): no "size" column (one of size, length, content-length, contentlength), needed to compare file sizes`),
    });
    const noAcl = path.join(dir, "noacl.csv");
    writeFileSync(noAcl, "path,type,size\na.csv,file,1\n");
    expect(await run(["--source", noAcl, "--acls"])).toEqual({ code: 2, out: "", err: expect.stringContaining('no "acl" column (one of acl), needed to compare ACLs (--acls)') });
    expect(await run(["--source", noAcl, "--memory-limit", "lots"])).toMatchObject({ code: 2, err: expect.stringContaining('--memory-limit "lots": a size like 512MB or 2GB') });
  });
});
