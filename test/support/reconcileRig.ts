import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { stringify } from "yaml";
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME } from "../../emulators/dfs/server";
import { type FakeArm, startFakeArm } from "../../emulators/factory/armServer";
import { writeGen1Inventory } from "../../emulators/gen1/inventory";
import { main } from "../../scripts/reconcile";
import { main as validateMain } from "../../scripts/validate";
import { type FactoryRig, startFactoryRig } from "./factoryRig";
import { FOLDERS, LAKE } from "./lake";
import { BASE_CONFIG, planWith } from "./plan";

/**
 * A lift-and-shift stack over the pattern lake (test/support/lake.ts) in
 * the emulators, fully copied once: Gen1 WebHDFS, Gen2 DFS, and the Data
 * Factory behind the fake ARM over plain HTTP, for validate → reconcile
 * tests through the commands themselves.
 */

export const CONFIG = {
  ...BASE_CONFIG,
  "adls-migration:pattern": "lift-and-shift",
  "adls-migration:filesystems": [{ name: "raw" }, { name: "curated" }],
  "adls-migration:migration": { folders: FOLDERS, copy: { preserve: ["ACL", "Owner", "Group"] } },
};
export const sharedKey = { AZURE_STORAGE_ACCOUNT: DEV_ACCOUNT_NAME, AZURE_STORAGE_KEY: DEV_ACCOUNT_KEY };
const credential = { getToken: async () => ({ token: "gen1-test-token", expiresOnTimestamp: Date.now() + 3_600_000 }) };

export interface ReconcileEnv {
  rig: FactoryRig;
  arm: FakeArm;
  dir: string;
  configFile: string;
  outputsFile: string;
}

export async function setUp(): Promise<ReconcileEnv> {
  const plan = await planWith(CONFIG);
  const rig = await startFactoryRig(plan, LAKE);
  const arm = await startFakeArm({ factory: rig.factory, protocol: "http" });
  const dir = mkdtempSync(path.join(tmpdir(), "reconcile-"));
  const configFile = path.join(dir, "Pulumi.reconcile.yaml");
  writeFileSync(configFile, stringify({ config: CONFIG }));
  const outputsFile = path.join(dir, "outputs.json");
  writeFileSync(outputsFile, JSON.stringify(plan.outputs));
  expect((await rig.factory.runs.wait(rig.factory.runs.create("full-copy", {}))).status).toBe("Succeeded");
  return { rig, arm, dir, configFile, outputsFile };
}

export async function tearDown(e: ReconcileEnv): Promise<void> {
  await Promise.all([e.arm.close(), e.rig.close()]);
  rmSync(e.dir, { recursive: true, force: true });
}

export interface ValidateReport {
  ok: boolean;
  counts: Record<string, number>;
  folders: { counts: Record<string, number>; differences: { kind: string; path: string }[] }[];
}

/**
 * `validate --json` of the stack's folders from a Gen1 inventory of the
 * emulator's tree, the report saved for `reconcile --report`; with `out`,
 * as `--out` writes it, its full list beside it.
 */
export async function validateJson(e: ReconcileEnv, out = false): Promise<{ code: number | null; report: ValidateReport; file: string }> {
  const inventory = path.join(e.dir, "gen1.jsonl");
  writeGen1Inventory(e.rig.gen1.tree, "/", inventory);
  const base = path.join(e.dir, `report-${Date.now()}`);
  // In this process: a CLI start costs seconds on a loaded machine.
  let stdout = "";
  const args = ["--config-file", e.configFile, "--source", inventory, "--account-url", e.rig.dfs.url, "--acls", "--acl-mode", "source-subset", "--json", ...(out ? ["--out", base] : [])];
  const code = await validateMain(args, {
    out: (s) => (stdout += s),
    err: () => undefined,
    env: { ...sharedKey, ADLS_MIGRATION_STATE_DIR: process.env.ADLS_MIGRATION_STATE_DIR },
    tty: false,
  });
  const file = `${base}.json`;
  if (!out) writeFileSync(file, stdout);
  return { code, report: JSON.parse(stdout), file };
}

/** `reconcile` in-process against the emulators, the journal in the scratch dir; `out` is stdout and stderr as a terminal shows them, `stdout` alone is what --json prints. */
export async function reconcileCli(e: ReconcileEnv, args: string[], hooks: { signal?: AbortSignal; onCopyStarted?: (id: string) => void } = {}): Promise<{ code: number; out: string; stdout: string }> {
  let out = "";
  let stdout = "";
  // The Gen1 token and state directory are for the validate reconcile runs itself without --report.
  const env = { ...sharedKey, ADLS_MIGRATION_GEN1_TOKEN: "gen1-test-token", ADLS_MIGRATION_STATE_DIR: process.env.ADLS_MIGRATION_STATE_DIR };
  const code = await main(
    ["--config-file", e.configFile, "--outputs", e.outputsFile, "--endpoint", e.arm.endpoint, "--account-url", e.rig.dfs.url, "--source-account-url", e.rig.gen1.url, "--journal", journalFile(e), ...args],
    { out: (s) => ((out += s), (stdout += s)), err: (s) => (out += s), env, tty: false, credential, pollIntervalMs: 20, ...hooks },
  );
  return { code, out, stdout };
}

export const journalFile = (e: ReconcileEnv): string => path.join(e.dir, "journal.jsonl");

export const catchUpRuns = (e: ReconcileEnv) => [...e.rig.factory.runs.records.values()].filter((r) => r.pipelineName === "catch-up");
