import { ChildProcess, spawn } from "child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from "fs";
import { hostname, tmpdir } from "os";
import * as path from "path";
import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { stringify } from "yaml";
import { main as aclMain } from "../../scripts/acl";
import { DfsServer, startDfsServer } from "../../emulators/dfs/server";
import { PROJECT_DIR } from "../support/cli";
import { readJournal } from "../../scripts/acl/journal";
import { totals } from "../../scripts/acl/checkpoint";
import type { RetryOptions } from "../../scripts/lib/retry";

/**
 * `npm run acl` against the local DFS server, read back with the real Data
 * Lake SDK. Object ids are fixed GUIDs so ACL strings are predictable.
 */

const READERS = "aaaaaaaa-0000-0000-0000-000000000001";
const WRITERS = "aaaaaaaa-0000-0000-0000-000000000002";
const ALICE = "bbbbbbbb-0000-0000-0000-000000000003";
const PRINCIPALS = { "dl-readers": READERS, "dl-writers": WRITERS, "alice@contoso.com": ALICE };

let server: DfsServer;
let dir: string;
let principalsFile: string;
let sdk: DataLakeServiceClient;

interface Run {
  code: number;
  out: string;
  err: string;
}

async function acl(args: string[], opts: { signal?: AbortSignal; env?: NodeJS.ProcessEnv; retry?: RetryOptions } = {}): Promise<Run> {
  let out = "";
  let err = "";
  const code = await aclMain(args, {
    out: (s) => (out += s),
    err: (s) => (err += s),
    env: { AZURE_STORAGE_ACCOUNT: server.accountName, AZURE_STORAGE_KEY: server.accountKey, ...opts.env },
    tty: false,
    signal: opts.signal,
    retry: opts.retry ?? { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 40 },
  });
  return { code, out, err };
}

/** The journal's records, whole lines only (a line being written is not there yet). */
function journalRecords(file: string): { t: string; [key: string]: unknown }[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  return text
    .slice(0, text.lastIndexOf("\n") + 1)
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l));
}

/**
 * `acl apply` in a child process of its own: node with the tsx loader, not
 * the tsx CLI, which would run the command in a grandchild that a kill of
 * the child leaves running.
 */
function spawnAcl(args: string[]): ChildProcess & { stderrText(): string } {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "..", "scripts", "acl.ts"), "apply", ...args], {
    cwd: path.join(__dirname, "..", ".."),
    env: { ...process.env, AZURE_STORAGE_ACCOUNT: server.accountName, AZURE_STORAGE_KEY: server.accountKey },
    stdio: ["ignore", "ignore", "pipe"],
  });
  // Read as it comes, so a full pipe never blocks the child.
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return Object.assign(child, { stderrText: () => stderr });
}

let specCounter = 0;
function specFile(doc: unknown): string {
  const file = path.join(dir, `spec-${++specCounter}.yaml`);
  writeFileSync(file, typeof doc === "string" ? doc : stringify(doc));
  return file;
}

function target(spec: string, ...extra: string[]): string[] {
  return ["--spec", spec, "--account-url", server.url, "--principals", principalsFile, "--checkpoint", path.join(dir, `cp-${specCounter}.json`), ...extra];
}

/** A small lake: fs "raw" with sales/{eu,us,apac} (files and a nested dir), finance, a root file. */
function seed(fs: string): string[] {
  server.createFilesystem(fs);
  const paths: string[] = [];
  for (const region of ["eu", "us", "apac"]) {
    for (let i = 0; i < 4; i++) paths.push(`sales/${region}/f${i}.csv`);
    paths.push(`sales/${region}/2024/q1.parquet`, `sales/${region}/2024/q2.parquet`);
  }
  paths.push("sales/readme.txt", "finance/ledger.csv", "top.txt");
  for (const p of paths) server.createPath(fs, p, { content: Buffer.from("x") });
  return paths;
}

async function aclOf(fs: string, p: string): Promise<string> {
  const client = sdk.getFileSystemClient(fs).getDirectoryClient(p === "" ? "/" : p);
  const res = await client.getAccessControl();
  return res.acl
    .map((a) => `${a.defaultScope ? "default:" : ""}${a.accessControlType}:${a.entityId}:${a.permissions.read ? "r" : "-"}${a.permissions.write ? "w" : "-"}${a.permissions.execute ? "x" : "-"}`)
    .join(",");
}

async function listAll(fs: string, p: string): Promise<{ name: string; isDir: boolean }[]> {
  const out: { name: string; isDir: boolean }[] = [];
  for await (const item of sdk.getFileSystemClient(fs).listPaths({ path: p, recursive: true })) out.push({ name: item.name!, isDir: item.isDirectory === true });
  return out;
}

const SALES_SPEC = {
  rules: [
    {
      path: "raw/sales",
      entries: [
        { group: "dl-readers", permissions: "r-x" },
        { group: "dl-readers", permissions: "r-x", default: true },
        { user: "alice@contoso.com", permissions: "rwx" },
      ],
    },
  ],
};

beforeAll(async () => {
  server = await startDfsServer({ trackProcessed: true });
  dir = mkdtempSync(path.join(tmpdir(), "acl-test-"));
  principalsFile = path.join(dir, "principals.json");
  writeFileSync(principalsFile, JSON.stringify(PRINCIPALS));
  sdk = new DataLakeServiceClient(server.url, new StorageSharedKeyCredential(server.accountName, server.accountKey));
});
afterAll(() => server.close());
beforeEach(() => {
  server.faults = {};
  server.resetStats();
});

describe("acl apply: validation before any request", () => {
  it("reports every problem of an invalid spec with exit 2 and sends zero requests", async () => {
    const spec = specFile({
      rules: [
        { path: "raw/../etc", entries: [{ group: "dl-readers", permissions: "rwz" }] },
        { path: "raw/sales", entries: [] },
        { path: "raw/sales", entries: [{ group: "dl-readers", permissions: "r-x" }, { group: "dl-readers", permissions: "rwx" }] },
        { path: "raw/big", entries: Array.from({ length: 29 }, (_, i) => ({ objectId: `cccccccc-0000-0000-0000-${String(i).padStart(12, "0")}`, type: "user", permissions: "r--" })) },
        { path: "raw/x", entries: [{ objectId: "not-a-guid", permissions: "r--" }], colour: "blue" },
      ],
    });
    const run = await acl(["apply", ...target(spec)]);
    expect(run.code).toBe(2);
    for (const fragment of [
      'rules[0].path: "raw/../etc" contains \'..\'',
      'rules[0].entries[0].permissions: "rwz" is not valid',
      "rules[1].entries: is empty",
      'rules[2].path: "raw/sales" duplicates rules[1]',
      "rules[2].entries[1]: names the same principal and scope as entries[0]",
      "rules[3].entries: has 29 access entries",
      'rules[4].entries[0].objectId: "not-a-guid" is not an object id',
      "rules[4].entries[0].type: is required with objectId",
      "rules[4].colour: unknown key",
    ]) {
      expect(run.err).toContain(fragment);
    }
    expect(server.stats.requests).toBe(0);

    const empty = await acl(["apply", ...target(specFile({ rules: [] }))]);
    expect(empty.code).toBe(2);
    expect(empty.err).toContain("rules: is empty");
    expect(server.stats.requests).toBe(0);
  });

  it("rejects unknown principal names with exit 2 and zero requests", async () => {
    const spec = specFile({ rules: [{ path: "raw/sales", entries: [{ group: "dl-nobody", permissions: "r-x" }] }] });
    const run = await acl(["apply", ...target(spec)]);
    expect(run.code).toBe(2);
    expect(run.err).toContain('rules[0].entries[0].group: "dl-nobody" is not a known principal (known: alice@contoso.com, dl-readers, dl-writers)');
    expect(server.stats.requests).toBe(0);
  });

  it.each(["constructor", "toString", "__proto__"])("treats a principal named %s as unknown (exit 2), not as an inherited property", async (name) => {
    const spec = specFile({ rules: [{ path: "raw/sales", entries: [{ group: name, permissions: "r-x" }] }] });
    const run = await acl(["apply", ...target(spec)]);
    expect(run.err).toContain(`rules[0].entries[0].group: "${name}" is not a known principal`);
    expect(run.code).toBe(2);
    expect(server.stats.requests).toBe(0);
  });

  it("rejects default entries on a file and ACLs over 32 entries after the merge, writing nothing", async () => {
    seed("val");
    // 27 named entries already on val/sales: adding 2 more gives 29 named + 4 base = 33.
    await sdk
      .getFileSystemClient("val")
      .getDirectoryClient("sales")
      .setAccessControl(
        (await sdk.getFileSystemClient("val").getDirectoryClient("sales").getAccessControl()).acl.concat(
          Array.from({ length: 27 }, (_, i) => ({
            accessControlType: "user" as const,
            entityId: `dddddddd-0000-0000-0000-${String(i).padStart(12, "0")}`,
            defaultScope: false,
            permissions: { read: true, write: false, execute: false },
          })),
        ),
      );
    server.resetStats();
    const spec = specFile({
      rules: [
        { path: "val/top.txt", entries: [{ group: "dl-readers", permissions: "r--", default: true }], traverse: false },
        { path: "val/sales", entries: [{ group: "dl-readers", permissions: "r-x" }, { group: "dl-writers", permissions: "rwx" }] },
      ],
    });
    const run = await acl(["apply", ...target(spec)]);
    expect(run.code).toBe(2);
    expect(run.err).toContain("rules[0] (val/top.txt): is a file; default entries apply to directories only");
    expect(run.err).toContain("rules[1] (val/sales): the access ACL would have 33 entries");
    expect(server.stats.writes).toBe(0);
  });
});

describe("acl apply", () => {
  let paths: string[];
  beforeAll(() => {
    paths = seed("raw");
  });

  it("--dry-run and diff read but write nothing", async () => {
    const spec = specFile(SALES_SPEC);
    const dry = await acl(["apply", ...target(spec, "--dry-run")]);
    expect(dry.code).toBe(0);
    expect(dry.err).toContain("raw/(root): would add group:" + READERS + ":--x");
    expect(dry.out).toContain("Dry run: nothing was written.");
    const diff = await acl(["diff", "--spec", spec, "--account-url", server.url, "--principals", principalsFile]);
    expect(diff.code).toBe(1);
    expect(server.stats.writes).toBe(0);
    expect(await aclOf("raw", "sales/eu/f0.csv")).not.toContain(READERS);
  });

  it("sets access and default ACLs on every path below the rule, --x on parents only, and prints the JSON summary", async () => {
    const spec = specFile(SALES_SPEC);
    const run = await acl(["apply", ...target(spec, "--json", "--concurrency", "4")]);
    expect(run.err).not.toContain("Error");
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.out);
    expect(Object.keys(summary).sort()).toEqual(["changed", "concurrency", "directories", "failedEntries", "failures", "files", "rules"]);
    const below = await listAll("raw", "sales");
    expect(summary).toMatchObject({ changed: true, failures: 0, failedEntries: [] });
    // every path below + the rule root + the filesystem root (traverse)
    expect(summary.directories + summary.files).toBe(below.length + 2);
    for (const p of [{ name: "sales", isDir: true }, ...below]) {
      const got = await aclOf("raw", p.name);
      expect(got).toContain(`group:${READERS}:r-x`);
      expect(got).toContain(`user:${ALICE}:rwx`);
      if (p.isDir) expect(got).toContain(`default:group:${READERS}:r-x`);
      else expect(got).not.toContain("default:");
    }
    // traverse: the filesystem root gets --x for the access principals only; siblings are untouched.
    expect(await aclOf("raw", "")).toBe(`user::rwx,user:${ALICE}:--x,group::r-x,group:${READERS}:--x,mask::r-x,other::---`);
    expect(await aclOf("raw", "finance")).not.toContain(READERS);
    expect(await aclOf("raw", "top.txt")).not.toContain(READERS);
    expect(paths.length).toBeGreaterThan(0);
  });

  it("a re-run changes nothing and says so", async () => {
    const spec = specFile(SALES_SPEC);
    const run = await acl(["apply", ...target(spec)]);
    expect(run.code).toBe(0);
    expect(run.out).toContain("raw/sales (modify): no change");
    expect(run.out).toContain("No change: every rule is already applied.");
    expect(server.stats.writes).toBe(0);
    const json = await acl(["apply", ...target(specFile(SALES_SPEC), "--json")]);
    expect(JSON.parse(json.out)).toMatchObject({ changed: false, directories: 0, files: 0 });
  });

  it("shows an ACL with principal names", async () => {
    const run = await acl(["show", "raw/sales", "--account-url", server.url, "--principals", principalsFile]);
    expect(run.code).toBe(0);
    expect(run.out).toContain(`group:${READERS}:r-x    # dl-readers`);
    expect(run.out).toContain(`default:group:${READERS}:r-x    # dl-readers`);
  });
});

describe("acl apply with fewer subtrees than slots", () => {
  it("splits the directories of a short last wave one level down and still writes every path exactly once", async () => {
    seed("wide");
    const spec = specFile({ rules: [{ ...SALES_SPEC.rules[0], path: "wide/sales" }] });
    const run = await acl(["apply", ...target(spec, "--json", "--concurrency", "16")]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.out);
    // sales/{eu,us,apac} and readme.txt are 4 subtrees on 16 slots: the three
    // directories are split into themselves plus their children (f0-f3, 2024).
    expect(summary.rules[0].subtrees).toBe(1 + 1 + 3 * (1 + 5));
    const below = await listAll("wide", "sales");
    expect(summary.directories + summary.files).toBe(below.length + 2);
    for (const p of below) expect(await aclOf("wide", p.name)).toContain(`group:${READERS}:r-x`);
  });
});

describe("acl apply under faults", () => {
  it("retries throttling (503, 429) and connection resets and ends with every path right", async () => {
    seed("thr");
    const spec = specFile({ rules: [{ path: "thr/sales", entries: [{ group: "dl-writers", permissions: "rwx" }] }] });
    server.faults = { failEvery: { n: 3, status: 503 } };
    const a = await acl(["apply", ...target(spec, "--batch-size", "3", "--concurrency", "2")]);
    expect(a.code).toBe(0);
    expect(a.err).toMatch(/retrying after 503/);
    server.faults = { failEvery: { n: 4, status: 429 }, resetEvery: 5 };
    const spec2 = specFile({ rules: [{ path: "thr/sales", entries: [{ group: "dl-readers", permissions: "r--" }] }] });
    const b = await acl(["apply", ...target(spec2, "--batch-size", "3", "--concurrency", "2")]);
    expect(b.code).toBe(0);
    expect(b.err).toMatch(/retrying after 429/);
    expect(b.err).toMatch(/retrying after .*(ECONNRESET|socket hang up|other side closed)/i);
    server.faults = {};
    for (const p of await listAll("thr", "sales")) {
      const got = await aclOf("thr", p.name);
      expect(got).toContain(`group:${WRITERS}:rwx`);
      expect(got).toContain(`group:${READERS}:r--`);
    }
  });

  it("reports per-path failures with their reason and still applies the rest", async () => {
    seed("ppf");
    server.faults = { failPaths: ["ppf/sales/us/f2.csv", "ppf/sales/eu"] };
    const spec = specFile({ rules: [{ path: "ppf/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] });
    const run = await acl(["apply", ...target(spec, "--json")]);
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.out);
    expect(summary.failures).toBe(2);
    expect(summary.failedEntries).toEqual(
      expect.arrayContaining([
        { path: "ppf/sales/us/f2.csv", reason: expect.stringContaining("not authorized") },
        { path: "ppf/sales/eu", reason: expect.stringContaining("not authorized") },
      ]),
    );
    expect(await aclOf("ppf", "sales/us/f1.csv")).toContain(READERS);
    expect(await aclOf("ppf", "sales/eu/f1.csv")).toContain(READERS);
    expect(await aclOf("ppf", "sales/us/f2.csv")).not.toContain(READERS);
  });

  it("a run killed after some batches and resumed ends with every path right, none processed twice", async () => {
    seed("kill");
    const spec = specFile({ rules: [{ path: "kill/sales", entries: [{ group: "dl-readers", permissions: "r-x" }, { group: "dl-readers", permissions: "r-x", default: true }] }] });
    const args = target(spec, "--batch-size", "2", "--concurrency", "2");
    const checkpoint = args[args.indexOf("--checkpoint") + 1];
    const killedAfter = 5;
    server.faults = { failAfterBatches: { batches: killedAfter, action: "hang" } };
    server.resetStats();

    const child = spawnAcl(args)
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    const deadline = Date.now() + 20_000;
    const recorded = () => journalRecords(checkpoint).filter((r) => r.t === "batch").length;
    while (recorded() < killedAfter && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGKILL");
    await exited;
    expect(recorded()).toBe(killedAfter);
    expect(server.stats.recursiveBatches).toBe(killedAfter);

    server.faults = {};
    const refused = await acl(["apply", ...args]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("pass --resume to continue it");

    const resumed = await acl(["apply", ...args, "--resume"]);
    expect(resumed.code).toBe(0);
    const below = await listAll("kill", "sales");
    for (const p of below) {
      expect(server.stats.processed.get(`kill/${p.name}`)).toBe(1);
      expect(await aclOf("kill", p.name)).toContain(`group:${READERS}:r-x`);
    }
    expect(server.stats.processed.size).toBe(below.length);
    expect(await aclOf("kill", "sales")).toContain(`default:group:${READERS}:r-x`);
  });
});

describe("acl apply --resume after failures", () => {
  it("redoes the failed paths and ends with exit 0 once the cause is fixed", async () => {
    seed("rsf");
    server.faults = { failPaths: ["rsf/sales/us/f2.csv"] };
    const args = target(specFile({ rules: [{ path: "rsf/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] }), "--json");
    const first = await acl(["apply", ...args]);
    expect(first.code).toBe(1);
    expect(JSON.parse(first.out).failures).toBe(1);

    server.faults = {};
    const resumed = await acl(["apply", ...args, "--resume"]);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.out)).toMatchObject({ failures: 0, failedEntries: [] });
    expect(await aclOf("rsf", "sales/us/f2.csv")).toContain(`group:${READERS}:r-x`);
    // The run is complete now: a plain apply starts afresh instead of asking for --resume.
    expect((await acl(["apply", ...args])).code).toBe(0);
  });
});

describe("acl apply --resume after a failed traverse", () => {
  it("grants the parent its --x on resume", async () => {
    seed("trv");
    server.faults = { failPaths: ["trv/sales"] };
    const args = target(specFile({ rules: [{ path: "trv/sales/eu", entries: [{ group: "dl-readers", permissions: "r-x" }] }] }), "--json");
    const first = await acl(["apply", ...args]);
    expect(first.code).toBe(1);
    expect(JSON.parse(first.out).failedEntries).toEqual([{ path: "trv/sales", reason: expect.stringContaining("not authorized") }]);
    expect(await aclOf("trv", "sales")).not.toContain(READERS);

    server.faults = {};
    const resumed = await acl(["apply", ...args, "--resume"]);
    expect(resumed.code).toBe(0);
    expect(await aclOf("trv", "sales")).toContain(`group:${READERS}:--x`);
  });
});

describe("acl apply --resume after a request that kept failing", () => {
  it("continues a subtree from its recorded token instead of redoing its finished batches", async () => {
    seed("sus");
    const args = target(specFile({ rules: [{ path: "sus/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] }), "--batch-size", "2", "--concurrency", "1", "--json");
    server.faults = { failAfterBatches: { batches: 3, action: "error" } };
    const first = await acl(["apply", ...args]);
    expect(first.code).toBe(1);
    expect(first.err).toMatch(/retrying after 500/);
    const checkpoint = readJournal(args[args.indexOf("--checkpoint") + 1]).state;
    expect(checkpoint.rules[0].units!.some((u: { state: string; token?: string }) => u.state === "failed" && u.token)).toBe(true);

    server.faults = {};
    const resumed = await acl(["apply", ...args, "--resume"]);
    expect(resumed.code).toBe(0);
    const below = await listAll("sus", "sales");
    for (const p of below) {
      expect(await aclOf("sus", p.name)).toContain(`group:${READERS}:r-x`);
      expect([p.name, server.stats.processed.get(`sus/${p.name}`)]).toEqual([p.name, 1]);
    }
  });
});

describe("acl apply: planning under throttling", () => {
  it("retries a directory listing that answers 503", async () => {
    seed("lst");
    server.faults = { failFirst: { operation: "GET listPaths", count: 3, status: 503 } };
    const run = await acl(["apply", ...target(specFile({ rules: [{ path: "lst/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] }))]);
    expect(run.err).toMatch(/retrying after 503/);
    expect(run.code).toBe(0);
    expect(server.stats.byOperation["GET listPaths"]).toBeGreaterThan(3);
    server.faults = {};
    for (const p of await listAll("lst", "sales")) expect(await aclOf("lst", p.name)).toContain(`group:${READERS}:r-x`);
  });
});

describe("acl apply: retryable answers", () => {
  it.each([408, 502, 504] as const)("retries %i", async (status) => {
    const fs = `ret${status}`;
    seed(fs);
    server.faults = { failFirst: { operation: "GET listPaths", count: 2, status } };
    const run = await acl(["apply", ...target(specFile({ rules: [{ path: `${fs}/sales`, entries: [{ group: "dl-readers", permissions: "r-x" }] }] }))]);
    expect(run.err).toContain(`retrying after ${status}`);
    expect(run.code).toBe(0);
  });

  it("waits as long as Retry-After asks", async () => {
    seed("rta");
    server.faults = { failFirst: { operation: "GET listPaths", count: 1, status: 503, retryAfterSeconds: 1 } };
    const run = await acl(["apply", ...target(specFile({ rules: [{ path: "rta/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] }))]);
    expect(run.code).toBe(0);
    expect(run.err).toMatch(/retrying after 503 .* in 1000 ms/);
  });
});

describe("acl apply: the mask", () => {
  it("re-applies a path whose mask hides the wanted entry instead of reporting no change", async () => {
    seed("msk");
    const args = target(specFile({ rules: [{ path: "msk/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] }));
    expect((await acl(["apply", ...args])).code).toBe(0);
    const sales = sdk.getFileSystemClient("msk").getDirectoryClient("sales");
    const current = (await sales.getAccessControl()).acl;
    await sales.setAccessControl(
      current.map((a) => (a.accessControlType === "mask" ? { ...a, permissions: { read: false, write: false, execute: false } } : a)),
    );
    expect(await aclOf("msk", "sales")).toContain("mask::---");

    const again = await acl(["apply", ...args]);
    expect(again.code).toBe(0);
    expect(again.out).not.toContain("no change");
    expect(await aclOf("msk", "sales")).toContain(`group:${READERS}:r-x`);
    expect(await aclOf("msk", "sales")).toContain("mask::r-x");
  });
});

describe("acl apply --full", () => {
  it("applies every subtree, fixing a path added below an already applied top", async () => {
    seed("ful");
    const spec = specFile({ rules: [{ path: "ful/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] });
    const args = target(spec);
    expect((await acl(["apply", ...args])).code).toBe(0);
    // As a copy with "preserve ACL" would leave it: a new file without the rule's entries.
    server.createPath("ful", "sales/eu/2024/late.parquet", { content: Buffer.from("x") });
    expect(await aclOf("ful", "sales/eu/2024/late.parquet")).not.toContain(READERS);

    const fast = await acl(["apply", ...args]);
    expect(fast.out).toContain("ful/sales (modify): no change");
    const diff = await acl(["diff", "--spec", spec, "--account-url", server.url, "--principals", principalsFile, "--full", "--verbose"]);
    expect(diff.code).toBe(1);
    expect(diff.out).toContain(`ful/sales/eu/2024/late.parquet: add group:${READERS}(dl-readers):r-x`);
    expect(diff.out).toContain("ful/sales (modify): would change: 28 paths checked, 1 would change, 27 already right");

    const full = await acl(["apply", ...args, "--full"]);
    expect(full.code).toBe(0);
    expect(full.out).not.toContain("no change");
    expect(await aclOf("ful", "sales/eu/2024/late.parquet")).toContain(`group:${READERS}:r-x`);
  });
});

describe("acl apply: mode set", () => {
  it("warns on stderr, dry run included, that files below get the rule root's base permissions", async () => {
    seed("setw");
    server.createPath("setw", "sales/secret.key", { content: Buffer.from("x"), mode: 0o600 });
    const spec = specFile({ rules: [{ path: "setw/sales", mode: "set", entries: [{ group: "dl-readers", permissions: "r-x" }] }] });
    const warning = "warning: setw/sales (mode set): every path below it, files included, gets the owner/group/other permissions of setw/sales (user::rwx,group::r-x,other::---) plus the rule's entries";

    const dry = await acl(["apply", ...target(spec, "--dry-run")]);
    expect(dry.code).toBe(0);
    expect(dry.err).toContain(warning);
    expect(server.stats.writes).toBe(0);

    const run = await acl(["apply", ...target(spec)]);
    expect(run.code).toBe(0);
    expect(run.err).toContain(warning);
    // What the warning says: the 600 file now has its directory's group:: and the rule's entry.
    expect(await aclOf("setw", "sales/secret.key")).toBe(`user::rwx,group::r-x,group:${READERS}:r-x,mask::r-x,other::---`);

    const modify = await acl(["apply", ...target(specFile({ rules: [{ path: "setw/sales", entries: [{ group: "dl-writers", permissions: "r--" }] }] }))]);
    expect(modify.code).toBe(0);
    expect(modify.err).not.toContain("warning:");

    const file = await acl(["apply", ...target(specFile({ rules: [{ path: "setw/top.txt", mode: "set", traverse: false, entries: [{ group: "dl-readers", permissions: "r--" }] }] }))]);
    expect(file.code).toBe(0);
    expect(file.err).not.toContain("warning:");
    expect(await aclOf("setw", "top.txt")).toContain(`group:${READERS}:r--`);
  });
});

describe("acl apply: nothing written into the work tree by default", () => {
  const spec = () => specFile({ rules: [{ path: "state/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] });
  const noCheckpointFlag = (file: string, ...extra: string[]) => ["apply", "--spec", file, "--account-url", server.url, "--principals", principalsFile, ...extra];
  const checkpointName = () => `acl-checkpoint-${new URL(server.url).host.replace(":", "_")}.json`;
  const cwd = process.cwd();
  let workDir: string;
  beforeAll(() => seed("state"));
  beforeEach(() => {
    workDir = mkdtempSync(path.join(tmpdir(), "acl-cwd-"));
    process.chdir(workDir);
  });
  afterEach(() => process.chdir(cwd));

  it("keeps the checkpoint in $ADLS_MIGRATION_STATE_DIR: the cwd and the repo root stay as they were", async () => {
    const stateDir = path.join(dir, "state-env");
    const rootBefore = readdirSync(PROJECT_DIR).sort();
    const run = await acl(noCheckpointFlag(spec()), { env: { ADLS_MIGRATION_STATE_DIR: stateDir, XDG_STATE_HOME: path.join(dir, "unused") } });
    expect(run.code).toBe(0);
    expect(readdirSync(workDir)).toEqual([]);
    expect(readdirSync(PROJECT_DIR).sort()).toEqual(rootBefore);
    expect(readdirSync(stateDir)).toEqual([checkpointName()]);
    expect(readJournal(path.join(stateDir, checkpointName())).state.status).toBe("complete");
    expect(existsSync(path.join(dir, "unused"))).toBe(false);
  });

  it("falls back to $XDG_STATE_HOME/adls-migration, and prints the checkpoint path when a run fails", async () => {
    const xdg = path.join(dir, "xdg");
    server.faults = { failPaths: ["state/sales/eu/f1.csv"] };
    const run = await acl(noCheckpointFlag(spec(), "--full"), { env: { XDG_STATE_HOME: xdg } });
    expect(run.code).toBe(1);
    const file = path.join(xdg, "adls-migration", checkpointName());
    expect(run.err).toContain(`checkpoint: ${file}\n`);
    expect(totals(readJournal(file).state).failures).toBe(1);
    expect(readdirSync(workDir)).toEqual([]);
  });

  it("a dry run creates no state directory at all", async () => {
    const stateDir = path.join(dir, "state-dry");
    const run = await acl(noCheckpointFlag(spec(), "--dry-run"), { env: { ADLS_MIGRATION_STATE_DIR: stateDir } });
    expect(run.code).toBe(0);
    expect(existsSync(stateDir)).toBe(false);
    expect(readdirSync(workDir)).toEqual([]);
  });
});

/** Every path below `dir` (and `dir` itself) read back over HTTP: those lacking `entry`. */
async function lacking(fs: string, dir: string, entry: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of [{ name: dir }, ...(await listAll(fs, dir))]) if (!(await aclOf(fs, p.name)).includes(entry)) out.push(p.name);
  return out;
}

const waitFor = async (what: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(what()).toBe(true);
};

describe("acl apply: no holes after an interruption, whatever the recovery", () => {
  it("aborted mid-way, checkpoint deleted: diff sees the holes and a fresh apply leaves none", async () => {
    seed("hol");
    const args = target(specFile({ rules: [{ path: "hol/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] }), "--batch-size", "2", "--concurrency", "2");
    const checkpoint = args[args.indexOf("--checkpoint") + 1];
    server.faults = { failAfterBatches: { batches: 3, action: "hang" } };
    const controller = new AbortController();
    const run = acl(["apply", ...args], { signal: controller.signal });
    await waitFor(() => journalRecords(checkpoint).filter((r) => r.t === "batch").length >= 3);
    controller.abort(new Error("interrupted"));
    expect((await run).code).toBe(130);
    const holes = await lacking("hol", "sales", `group:${READERS}:r-x`);
    expect(holes.length).toBeGreaterThan(0);
    // The top of a started subtree is already right: a top-only check would skip it.
    expect(await aclOf("hol", "sales")).toContain(READERS);

    server.faults = {};
    unlinkSync(checkpoint);
    const diff = await acl(["diff", "--spec", args[1], "--account-url", server.url, "--principals", principalsFile]);
    expect(diff.code).toBe(1);
    const again = await acl(["apply", ...args, "--json"]);
    expect(again.code).toBe(0);
    expect(await lacking("hol", "sales", `group:${READERS}:r-x`)).toEqual([]);
    const clean = await acl(["diff", "--spec", args[1], "--account-url", server.url, "--principals", principalsFile]);
    expect(clean.code).toBe(0);
    expect(clean.out).toMatch(/hol\/sales \(modify\): no change: (\d+) paths checked, 0 would change, \1 already right/);
  });
});

describe("acl apply stopped by SIGTERM", () => {
  it("exits 143 with the journal closed and the lock released; --resume then leaves no hole and applies no path twice", async () => {
    seed("trm");
    const args = target(specFile({ rules: [{ path: "trm/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] }), "--batch-size", "2", "--concurrency", "2");
    const checkpoint = args[args.indexOf("--checkpoint") + 1];
    // Batches after the third hang: the run is mid-request when the signal comes.
    server.faults = { failAfterBatches: { batches: 3, action: "hang" } };
    const child = spawnAcl(args);
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await waitFor(() => journalRecords(checkpoint).filter((r) => r.t === "batch").length >= 3, 20_000);
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    expect(child.stderrText()).toContain("SIGTERM: stopping at the next resumable point");
    expect(child.stderrText()).toContain(`stopped; ${checkpoint} holds the position, run again with --resume`);
    expect(existsSync(`${checkpoint}.lock`)).toBe(false);
    expect(journalRecords(checkpoint).at(-1)).toEqual({ t: "end", status: "failed" });
    expect(await lacking("trm", "sales", `group:${READERS}:r-x`)).not.toEqual([]);

    server.faults = {};
    const resumed = await acl(["apply", ...args, "--resume"]);
    expect(resumed.err).not.toContain("in use");
    expect(resumed.code).toBe(0);
    expect(await lacking("trm", "sales", `group:${READERS}:r-x`)).toEqual([]);
    for (const p of await listAll("trm", "sales")) expect(server.stats.processed.get(`trm/${p.name}`)).toBe(1);
  });
});

describe("acl apply: one writer per checkpoint", () => {
  it("refuses a second run while one holds the checkpoint, names the holder, and takes over a dead holder's lock", async () => {
    seed("lck");
    const args = target(specFile({ rules: [{ path: "lck/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] }), "--batch-size", "2", "--concurrency", "1");
    const checkpoint = args[args.indexOf("--checkpoint") + 1];
    server.faults = { failAfterBatches: { batches: 2, action: "hang" } };
    server.resetStats();
    const child = spawnAcl(args);
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    await waitFor(() => existsSync(`${checkpoint}.lock`) && journalRecords(checkpoint).some((r) => r.t === "batch"), 20_000);

    const second = await acl(["apply", ...args, "--resume"]);
    expect(second.code).toBe(2);
    expect(second.err).toMatch(new RegExp(`is in use by pid ${child.pid} on ${hostname()} since \\d{4}-\\d\\d-\\d\\dT`));

    child.kill("SIGKILL");
    await exited;
    expect(existsSync(`${checkpoint}.lock`)).toBe(true);
    server.faults = {};
    const resumed = await acl(["apply", ...args, "--resume"]);
    expect(resumed.err).not.toContain("in use");
    expect(resumed.code).toBe(0);
    expect(existsSync(`${checkpoint}.lock`)).toBe(false);
    expect(await lacking("lck", "sales", `group:${READERS}:r-x`)).toEqual([]);
  });
});

describe("acl apply: the journal", () => {
  it("appends one short record per batch and keeps the header", async () => {
    seed("jnl");
    const args = target(specFile({ rules: [{ path: "jnl/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] }), "--batch-size", "2");
    const checkpoint = args[args.indexOf("--checkpoint") + 1];
    server.resetStats();
    expect((await acl(["apply", ...args])).code).toBe(0);
    const records = journalRecords(checkpoint);
    expect(records[0]).toMatchObject({ t: "run", v: 2 });
    expect(records.filter((r) => r.t === "batch")).toHaveLength(server.stats.recursiveBatches);
    for (const line of readFileSync(checkpoint, "utf8").trim().split("\n").filter((l) => l.includes('"t":"batch"'))) expect(line.length).toBeLessThan(400);
    expect(records[records.length - 1]).toEqual({ t: "end", status: "complete" });
  });

  it("ignores a truncated last record, refuses any other damage, and never suggests an unsafe recovery", async () => {
    seed("trn");
    server.faults = { failPaths: ["trn/sales/us/f2.csv"] };
    const args = target(specFile({ rules: [{ path: "trn/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] }), "--batch-size", "2");
    const checkpoint = args[args.indexOf("--checkpoint") + 1];
    expect((await acl(["apply", ...args])).code).toBe(1);
    server.faults = {};

    const refused = await acl(["apply", ...args]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("pass --resume to continue it");
    expect(refused.err).not.toContain("delete the file to start over");
    expect(refused.err).toContain("leaves no path out");

    const whole = readFileSync(checkpoint, "utf8");
    const lines = whole.trim().split("\n");
    writeFileSync(checkpoint, [lines[0], "garbage", ...lines.slice(2)].join("\n") + "\n");
    const damaged = await acl(["apply", ...args, "--resume"]);
    expect(damaged.code).toBe(2);
    expect(damaged.err).toContain("line 2 is not a JSON record");

    writeFileSync(checkpoint, `${whole}{"t":"batch","r":0,"u":1,"tok`);
    const resumed = await acl(["apply", ...args, "--resume", "--json"]);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.out).failures).toBe(0);
    expect(readJournal(checkpoint).state.status).toBe("complete");
    expect(await lacking("trn", "sales", `group:${READERS}:r-x`)).toEqual([]);
  });
});

describe("acl apply: counters from the service's figures, once per path", () => {
  it("counts every path exactly once across a failed run and its resume", async () => {
    seed("cnt");
    server.faults = { failPaths: ["cnt/sales/us/f2.csv"] };
    const args = target(specFile({ rules: [{ path: "cnt/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] }), "--batch-size", "2", "--json");
    const first = JSON.parse((await acl(["apply", ...args])).out);
    expect(first.failures).toBe(1);
    server.faults = {};
    const resumed = JSON.parse((await acl(["apply", ...args, "--resume"])).out);
    const below = await listAll("cnt", "sales");
    // every path below + the rule root + the filesystem root (traverse), each once
    expect(resumed.directories + resumed.files).toBe(below.length + 2);
    expect(resumed.files).toBe(below.filter((p) => !p.isDir).length);
    expect(resumed.failures).toBe(0);
  });
});

describe("acl apply: throughput under throttling", () => {
  it("raises concurrency while requests succeed and prints where it settled", async () => {
    server.createFilesystem("wide2");
    for (let i = 0; i < 30; i++) server.createPath("wide2", `sales/d${i}/f.csv`, { content: Buffer.from("x") });
    const run = await acl(["apply", ...target(specFile({ rules: [{ path: "wide2/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] }), "--max-concurrency", "12", "--json")]);
    expect(run.code).toBe(0);
    const { concurrency } = JSON.parse(run.out);
    expect(concurrency).toMatchObject({ adaptive: true, max: 12, cuts: 0 });
    expect(concurrency.peak).toBeGreaterThan(4);
    expect(run.err).toMatch(/concurrency: settled at \d+ \(peak \d+, max 12, cut 0 times on throttling\)/);
  });

  it("cuts concurrency on 503 ServerBusy and rides out a long run of throttling without failing a subtree", async () => {
    seed("bsy");
    server.faults = { failFirst: { operation: "PATCH setAccessControlRecursive", count: 25, status: 503 } };
    const args = target(specFile({ rules: [{ path: "bsy/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] }), "--json");
    // 25 answers 503 in a row: more than any fixed count of attempts a run would use, well within a time budget.
    const run = await acl(["apply", ...args], { retry: { budgetMs: 20_000, baseDelayMs: 2, maxDelayMs: 10 } });
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.out);
    expect(summary.failures).toBe(0);
    expect(summary.concurrency.cuts).toBeGreaterThan(0);
    expect(await lacking("bsy", "sales", `group:${READERS}:r-x`)).toEqual([]);
  });

  it("abandons a stalled request after its time limit and retries it", async () => {
    seed("stl");
    server.faults = { failAfterBatches: { batches: 2, action: "hang" } };
    const args = target(specFile({ rules: [{ path: "stl/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] }), "--batch-size", "2", "--concurrency", "1");
    server.resetStats();
    const run = acl(["apply", ...args], { retry: { budgetMs: 20_000, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 300 } });
    await waitFor(() => server.stats.recursiveBatches >= 2);
    await new Promise((r) => setTimeout(r, 500));
    server.faults = {};
    const done = await run;
    expect(done.err).toContain("retrying after no answer within 0.3 s");
    expect(done.code).toBe(0);
    expect(await lacking("stl", "sales", `group:${READERS}:r-x`)).toEqual([]);
  });
});

describe("acl diff: counts first, names, what set removes", () => {
  const diffArgs = (spec: string, ...extra: string[]) => ["diff", "--spec", spec, "--account-url", server.url, "--principals", principalsFile, ...extra];
  // sales: the directory, readme.txt, and per region the directory, 4 files, 2024/ and 2 files: 26 paths; plus the filesystem root (traverse).
  const SALES_PATHS = 26;

  it("gives per-rule counts of paths checked, would change and already right, and no line per path without --verbose", async () => {
    seed("dcount");
    const spec = specFile({ rules: [{ path: "dcount/sales", entries: [{ group: "dl-readers", permissions: "r-x" }] }] });
    // A few paths already right: they are counted as such, not as changes.
    await acl(["apply", ...target(specFile({ rules: [{ path: "dcount/sales/eu", entries: [{ group: "dl-readers", permissions: "r-x" }] }] }))]);
    server.resetStats();
    const run = await acl(diffArgs(spec));
    expect(run.code).toBe(1);
    // eu: the directory, 4 files, 2024/ and 2 files are right; the root already has --x from the eu rule.
    expect(run.out.split("\n")[0]).toBe(`dcount/sales (modify): would change: ${SALES_PATHS + 1} paths checked, ${SALES_PATHS - 8} would change, 9 already right`);
    expect(run.out).not.toContain("dcount/sales/us/f0.csv");
    expect(run.err).not.toContain("would modify");
    expect(run.err.split("\n").filter((l) => l !== "").length).toBeLessThan(5);
    expect(server.stats.writes).toBe(0);

    const verbose = await acl(diffArgs(spec, "--verbose"));
    expect(verbose.out).toContain(`  dcount/sales/us/f0.csv: add group:${READERS}(dl-readers):r-x`);
    expect(verbose.out).not.toContain("dcount/sales/eu/f0.csv");

    const json = JSON.parse((await acl(diffArgs(spec, "--json"))).out) as { rules: { diff: { checked: number; wouldChange: number; paths: { path: string }[] } }[] };
    expect(json.rules[0].diff).toMatchObject({ checked: SALES_PATHS + 1, wouldChange: SALES_PATHS - 8 });
    expect(json.rules[0].diff.paths.map((p) => p.path)).toContain("dcount/sales/us/f0.csv");
    expect(json.rules[0].diff.paths).toHaveLength(SALES_PATHS - 8);
  });

  it("shows what a mode: set would remove (entries present now), with principal names next to object ids", async () => {
    seed("dset");
    await acl(["apply", ...target(specFile({ rules: [{ path: "dset/sales", entries: [{ group: "dl-writers", permissions: "rwx" }, { group: "dl-readers", permissions: "r-x" }] }] }))]);
    const spec = specFile({ rules: [{ path: "dset/sales", mode: "set", entries: [{ group: "dl-readers", permissions: "r-x" }] }] });
    server.resetStats();
    const run = await acl(diffArgs(spec));
    expect(run.code).toBe(1);
    expect(run.out).toContain(`dset/sales (set): would change: ${SALES_PATHS + 1} paths checked, ${SALES_PATHS} would change, 1 already right`);
    expect(run.out).toContain(`  mode set would remove entries present now:\n    group:${WRITERS}(dl-writers):rwx on ${SALES_PATHS} paths`);
    expect(server.stats.writes).toBe(0);
    // Read back: the diff changed nothing.
    expect(await aclOf("dset", "sales/eu/f0.csv")).toContain(WRITERS);
  });
});
