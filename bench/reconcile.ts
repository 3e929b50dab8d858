import { spawn } from "child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { stringify } from "yaml";
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME, startDfsServer } from "../emulators/dfs/server";
import { startFakeArm } from "../emulators/factory/armServer";
import { bindLakes, catalogFromPlan } from "../emulators/factory/catalog";
import { FactoryEmulator } from "../emulators/factory/emulator";
import { gen1WebHdfsStore } from "../emulators/factory/stores/gen1WebHdfs";
import { gen2DfsStore } from "../emulators/factory/stores/gen2Dfs";
import { type Gen1Seed, startWebHdfsServer } from "../emulators/gen1/server";
import { main as reconcileMain } from "../scripts/reconcile";
import { writeGen1Inventory } from "../emulators/gen1/inventory";
import { PROJECT, loadStackConfig } from "../components/config/load";
import { migrationStack } from "../components/stack";
import { runUnderMocks, toPulumiValues } from "../scripts/plan/runtime";

/**
 * `npm run bench:reconcile [-- --dirs <n>] [--record]`: validate → reconcile
 * → validate on a seeded lake (default 1000 folders × 100 files: 101 000
 * paths per side), as a user runs it against the emulators: Gen1 (WebHDFS)
 * as a saved inventory, Gen2 listed with ACLs by the real SDK from the DFS
 * emulator, the catch-up copy run by the Data Factory emulator behind the
 * fake ARM. Gen2 starts as the full copy leaves it (seeded in-process, the
 * copy itself is not measured); then Gen1 changes by 1 % of its files in
 * each way (deleted, renamed in keeping their time, ACL changed) plus empty
 * folders. Prints the table; only --record rewrites the "reconcile" section
 * of bench/RESULTS.md.
 */

const ROOT = path.join(__dirname, "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const FILES_PER_DIR = 100;
const T = Date.parse("2026-11-01T00:00:00Z");
const sharedKey = { AZURE_STORAGE_ACCOUNT: DEV_ACCOUNT_NAME, AZURE_STORAGE_KEY: DEV_ACCOUNT_KEY };
const credential = { getToken: async () => ({ token: "gen1-test-token", expiresOnTimestamp: Date.now() + 3_600_000 }) };
const DIR_ACL = ["user::rwx", "user:analyst-oid:r-x", "group::r-x", "mask::r-x", "other::---", "default:user::rwx", "default:group::r-x", "default:other::---"];
const CONFIG = {
  "azure-native:location": "westeurope",
  "adls-migration:environment": "dev",
  "adls-migration:namePrefix": "bench",
  "adls-migration:source": { accountName: "benchgen1", auth: "managedIdentity" },
  "adls-migration:pattern": "lift-and-shift",
  "adls-migration:filesystems": [{ name: "raw" }],
  "adls-migration:migration": { folders: [{ source: "/lake", filesystem: "raw", target: "lake" }], copy: { preserve: ["ACL", "Owner", "Group"] } },
};

function seeds(dirs: number): Gen1Seed[] {
  const out: Gen1Seed[] = [{ path: "/lake", type: "directory", owner: "lake-owner", group: "lake-group", permission: "750", acl: DIR_ACL }];
  for (let d = 0; d < dirs; d++) {
    out.push({ path: `/lake/d${d}`, type: "directory", owner: "lake-owner", group: "lake-group", permission: "750", acl: DIR_ACL });
    for (let f = 0; f < FILES_PER_DIR; f++) out.push({ path: `/lake/d${d}/f${f}.bin`, size: 16, modified: T, owner: "etl-oid", group: "lake-group", permission: "640" });
  }
  return out;
}

function runValidate(args: string[]): Promise<{ code: number | null; stdout: string; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [path.join(ROOT, "scripts", "validate.ts"), ...args], { env: { ...process.env, ...sharedKey } });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, seconds: (Date.now() - started) / 1000 }));
  });
}

async function main(): Promise<void> {
  const dirsArg = process.argv.indexOf("--dirs");
  const dirs = dirsArg > 0 ? Number(process.argv[dirsArg + 1]) : 1000;
  const lake = seeds(dirs);
  const gen1 = await startWebHdfsServer({ entries: lake, lifetimeMs: 3_600_000 });
  const dfs = await startDfsServer();
  const dir = mkdtempSync(path.join(tmpdir(), "bench-reconcile-"));
  try {
    // Gen2 as the full copy leaves it: every file and the directories on the way, ACLs preserved.
    dfs.tree.createFilesystem("raw");
    for (const s of lake) {
      const target = `lake${s.path.slice("/lake".length)}`;
      const acl = s.acl?.join(",") ?? "user::rw-,group::r--,other::---";
      if (s.type === "directory") dfs.tree.mkdir("raw", target, { owner: s.owner, group: s.group, acl });
      else dfs.tree.writeFile("raw", target, Buffer.alloc(16), { owner: s.owner, group: s.group, acl });
    }
    // One of each change per folder: 1 % of the files each way, empty folders in half the folders.
    for (let i = 0; i < dirs; i++) {
      gen1.tree.delete(`/lake/d${i}/f0.bin`);
      gen1.tree.put({ path: `/lake/d${i}/renamed.bin`, size: 16, modified: T - 86_400_000, owner: "etl-oid", group: "lake-group", permission: "640" });
      gen1.tree.update(`/lake/d${i}/f1.bin`, { acl: ["user::rw-", "user:auditor-oid:r--", "group::r--", "mask::r--", "other::---"] });
      if (i % 2 === 0) gen1.tree.put({ path: `/lake/d${i}/empty`, type: "directory", owner: "lake-owner", group: "lake-group", permission: "750", acl: DIR_ACL });
    }
    const plan = await runUnderMocks({
      project: PROJECT,
      stack: "bench",
      values: toPulumiValues(CONFIG),
      program: () => migrationStack(loadStackConfig(), { project: PROJECT, stack: "bench" }),
    });
    const catalog = catalogFromPlan(plan.resources);
    const factory = new FactoryEmulator({
      catalog,
      stores: bindLakes(catalog, { gen1: gen1WebHdfsStore(gen1), gen2: gen2DfsStore({ url: dfs.url, accountName: dfs.accountName, accountKey: dfs.accountKey }) }),
    });
    const configFile = path.join(dir, "Pulumi.bench.yaml");
    writeFileSync(configFile, stringify({ config: CONFIG }));
    const outputsFile = path.join(dir, "outputs.json");
    writeFileSync(outputsFile, JSON.stringify(plan.outputs));
    const inventory = path.join(dir, "gen1.jsonl");
    const validateArgs = ["--config-file", configFile, "--source", inventory, "--account-url", dfs.url, "--acls", "--acl-mode", "source-subset", "--json", "--max-listed", "1000000"];

    writeGen1Inventory(gen1.tree, "/", inventory);
    const first = await runValidate(validateArgs);
    const report = path.join(dir, "report.json");
    writeFileSync(report, first.stdout);
    const counts = JSON.parse(first.stdout).counts as Record<string, number>;

    // Started for the reconcile step only; its self-close guard (default a minute) set past any reconcile on a loaded machine.
    const arm = await startFakeArm({ factory, protocol: "http", lifetimeMs: 1_800_000 });
    let out = "";
    const started = Date.now();
    const code = await reconcileMain(
      ["--config-file", configFile, "--outputs", outputsFile, "--endpoint", arm.endpoint, "--account-url", dfs.url, "--source-account-url", gen1.url, "--journal", path.join(dir, "journal.jsonl"), "--report", report, "--delete", "--max-delete", "100000", "--json"],
      { out: (s) => (out += s), err: (s) => process.stderr.write(s), env: { ...sharedKey }, tty: false, credential, pollIntervalMs: 200 },
    );
    const reconcileSeconds = (Date.now() - started) / 1000;
    await arm.close();
    const result = JSON.parse(out);

    writeGen1Inventory(gen1.tree, "/", inventory);
    const second = await runValidate(validateArgs);
    const after = JSON.parse(second.stdout).counts as Record<string, number>;

    const paths = lake.length;
    const lines = [
      `Seeded lake: ${paths} paths per side (${dirs} folders × ${FILES_PER_DIR} files), Gen1 from a saved inventory, Gen2 listed with ACLs over HTTP (DFS emulator), catch-up run by the Data Factory emulator. ${new Date().toISOString().slice(0, 10)}.`,
      "",
      "| step | seconds | what |",
      "| --- | ---: | --- |",
      `| validate | ${first.seconds.toFixed(1)} | exit ${first.code}; missing ${counts.missing}, extra ${counts.extra}, acl ${counts.acl}, size ${counts.size}, stale ${counts.stale}, type ${counts.type} |`,
      `| reconcile --delete | ${reconcileSeconds.toFixed(1)} | exit ${code}; ${result.done.mkdir} directories, ${result.done.copy} files by catch-up (${result.catchUp?.lists ?? 0} list, 1 run), ${result.done.acl} ACLs, ${result.done.delete} deletes; **${result.requests} requests** (Gen2 + Gen1 list write + ARM) |`,
      `| validate | ${second.seconds.toFixed(1)} | exit ${second.code}; ${Object.values(after).reduce((a, b) => a + b, 0)} differences |`,
      `| total | ${(first.seconds + reconcileSeconds + second.seconds).toFixed(1)} | |`,
    ];
    const section = lines.join("\n");
    process.stdout.write(`${section}\n`);
    if (second.code !== 0 || code !== 0) process.exitCode = 1;
    if (process.argv.includes("--record")) {
      const file = path.join(__dirname, "RESULTS.md");
      const current = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmark results\n";
      const body = `## reconcile\n\n\`npm run bench:reconcile -- --record\`\n\n${section}\n`;
      const re = /## reconcile\n[\s\S]*?(?=\n## |$)/;
      writeFileSync(file, re.test(current) ? current.replace(re, body.trimEnd() + "\n") : `${current.trimEnd()}\n\n${body}`);
      process.stderr.write(`recorded in ${file}\n`);
    }
  } finally {
    await Promise.all([gen1.close(), dfs.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
