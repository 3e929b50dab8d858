import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME, type DfsServer, startDfsServer } from "../../emulators/dfs/server";
import { seedGen2Folders, writeGen1Inventory, writeStackFile } from "../../bench/fullListData";
import { type Measured, runMeasured, validateCommand } from "../../bench/measure";
import { EXIT_FAILED, EXIT_USAGE } from "../../scripts/lib/cli";
import { main as reconcileMain } from "../../scripts/reconcile";
import { runScriptAsync } from "../support/cli";
import { stackOutputs } from "../../emulators/stackOutputs";

/**
 * Differences beyond --max-listed, end to end: validate --out writes every
 * difference to <base>.differences.jsonl while its reports list examples,
 * and reconcile acts on that list, read a line at a time; a report without
 * it, or with a list that is not its own, is refused. The same at 300 000
 * differences, with peak RSS: `npm run bench:full-list`.
 */

const FILES = 3000;
const DIRS = 10;
const sharedKey = { AZURE_STORAGE_ACCOUNT: DEV_ACCOUNT_NAME, AZURE_STORAGE_KEY: DEV_ACCOUNT_KEY };

let dir: string;
let dfs: DfsServer;
let stack: string;
let inventory: string;
let outputs: string;
/** validate --out (full list beside the report), and validate --json alone (lists cut at --max-listed). */
let withList: Measured;
let withoutList: Measured;
const base = () => path.join(dir, "validation");

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "reconcile-full-list-"));
  dfs = await startDfsServer();
  dfs.createFilesystem("raw");
  stack = writeStackFile(dir, "lake");
  inventory = await writeGen1Inventory(dir, "lake", DIRS, FILES);
  seedGen2Folders(dfs, "lake", DIRS);
  outputs = path.join(dir, "outputs.json");
  writeFileSync(outputs, JSON.stringify(stackOutputs({ pattern: "lift-and-shift", pipelines: ["full-copy", "catch-up"] })));
  const args = ["--config-file", stack, "--source", inventory, "--account-url", dfs.url, "--max-listed", "10"];
  // As `npm run validate` runs it, heap caps included.
  [withList, withoutList] = await Promise.all([runMeasured(validateCommand(), [...args, "--out", base()], sharedKey), runMeasured(validateCommand(), [...args, "--json"], sharedKey)]);
}, 60_000);
afterAll(async () => {
  await dfs.close();
  rmSync(dir, { recursive: true, force: true });
});

/** reconcile in-process: `out` is stdout and stderr as a terminal shows them, `json` what --json printed on stdout. */
async function reconcile(args: string[]): Promise<{ code: number; out: string; json?: { planned: Record<string, number>; unfixableCount: number } }> {
  let out = "";
  let stdout = "";
  const code = await reconcileMain(["--config-file", stack, "--outputs", outputs, "--account-url", dfs.url, "--journal", path.join(dir, "journal.jsonl"), "--dry-run", ...args], {
    out: (s) => ((out += s), (stdout += s)),
    err: (s) => (out += s),
    env: sharedKey,
    tty: false,
  });
  if (args.includes("--json") && !stdout.startsWith("{")) throw new Error(`reconcile exit ${code}: ${out}`);
  return { code, out, json: args.includes("--json") ? JSON.parse(stdout) : undefined };
}

describe("validate --out: every difference in <base>.differences.jsonl, whatever --max-listed", () => {
  it("lists all of them in kind then path order, each with its folder and source entry; the reports list 10", () => {
    expect(withList.code).toBe(EXIT_FAILED);
    const report = JSON.parse(readFileSync(`${base()}.json`, "utf8"));
    expect(report.counts).toEqual({ missing: FILES, extra: 0, type: 0, size: 0, stale: 0, acl: 0 });
    expect(report.folders[0].differences).toHaveLength(10);
    expect(report.differencesFile).toMatchObject({ path: "validation.differences.jsonl", differences: FILES });
    const lines = readFileSync(`${base()}.differences.jsonl`, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(FILES);
    expect(lines[0]).toEqual({
      folder: 0,
      kind: "missing",
      path: "d000/f0000000.bin",
      sourceEntry: { type: "file", size: 16, modified: "2026-01-01T00:00:00.000Z", owner: null, group: null, permissions: null, acl: null },
    });
    const paths = lines.map((l) => l.path);
    expect(paths).toEqual([...paths].sort());
    expect(readFileSync(`${base()}.md`, "utf8")).toContain(`- Full list: \`validation.differences.jsonl\` (${FILES} differences, one JSON object a line)`);
    expect(readFileSync(`${base()}.md`, "utf8")).toContain(`## Missing in target (first 10 of ${FILES})`);
  });

  it("refuses an --out in a folder that does not exist before listing anything (exit 2)", async () => {
    const out = path.join(dir, "no-such-folder", "validation");
    const r = await runScriptAsync("validate", ["--source", inventory, "--target", inventory, "--out", out]);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.stderr).toContain(`--out: cannot write beside ${out}.differences.jsonl`);
    expect(r.stderr).not.toContain("listing source");
  });
});

describe("reconcile acts on the full list, and only on a whole one", () => {
  it("plans every copy from the report and the list beside it", async () => {
    const r = await reconcile(["--report", `${base()}.json`]);
    expect(r.code).toBe(EXIT_FAILED);
    expect(r.out).toContain(`files copied by catch-up: ${FILES}\n`);
  });

  it("refuses a report without a full list whose lists were cut (exit 2), saying how to get one", async () => {
    expect(withoutList.code).toBe(EXIT_FAILED);
    const file = path.join(dir, "cut.json");
    writeFileSync(file, withoutList.stdout);
    const r = await reconcile(["--report", file]);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.out).toContain(`folders[0]: ${FILES} missing differences counted but 10 listed; rerun validate with --max-listed ${FILES} or more`);
    expect(r.out).toContain("validate --out <base> writes every difference to <base>.differences.jsonl, whatever --max-listed: pass --report <base>.json with it beside the report");
  });

  it("refuses a full list cut short, and a report whose list is not beside it (exit 2)", async () => {
    const other = mkdtempSync(path.join(dir, "moved-"));
    copyFileSync(`${base()}.json`, path.join(other, "validation.json"));
    const alone = await reconcile(["--report", path.join(other, "validation.json")]);
    expect(alone.code).toBe(EXIT_USAGE);
    expect(alone.out).toContain(`${path.join(other, "validation.differences.jsonl")}: cannot read the report's full list`);

    const text = readFileSync(`${base()}.differences.jsonl`, "utf8");
    writeFileSync(path.join(other, "validation.differences.jsonl"), text.slice(0, text.lastIndexOf("\n", text.length - 2) + 1));
    const cut = await reconcile(["--report", path.join(other, "validation.json")]);
    expect(cut.code).toBe(EXIT_USAGE);
    expect(cut.out).toContain("not the full list of this report (cut short, changed, or another run's)");
    expect(cut.out).toContain(`${FILES - 1} lines; the report says ${FILES}`);
    expect(cut.out).toContain(`folders[0]: ${FILES} missing differences counted but ${FILES - 1} in the file`);
  });

  it("without --report, runs validate with ACLs and acts on its full list", async () => {
    const r = await reconcile(["--source", inventory, "--json"]);
    expect(r.code).toBe(EXIT_FAILED);
    expect(r.json).toMatchObject({ planned: { mkdir: 0, copy: FILES, acl: 0, delete: 0 }, unfixableCount: 0 });
  });
});
