import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { main as assessMain } from "../../scripts/assess";
import { main as emulatorsMain } from "../../scripts/emulators";
import { main as factoryMain } from "../../scripts/factory";
import type { Io } from "../../scripts/lib/command";
import { main as planMain } from "../../scripts/plan";
import { parseStackOutputs } from "../../scripts/lib/stackOutputs";

/** `npm run emulators`: flags, exit codes, and a short-lived start whose printed exports and commands reach the emulators. */

function io(env: NodeJS.ProcessEnv = {}, signal?: AbortSignal) {
  let out = "";
  let err = "";
  const value: Io = { out: (s) => void (out += s), err: (s) => void (err += s), env: { ADLS_MIGRATION_STATE_DIR: process.env.ADLS_MIGRATION_STATE_DIR, ...env }, tty: false, signal };
  return { value, out: () => out, err: () => err };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "emulators-test-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe("npm run emulators", () => {
  it("--help lists every flag and exits 0", async () => {
    const h = io();
    expect(await emulatorsMain(["--help"], h.value)).toBe(0);
    for (const flag of ["--stack", "--config-file", "--gen1-seed", "--gen2-seed", "--faults", "--lifetime"]) expect(h.out()).toContain(flag);
  });

  it.each([
    [["--bogus"], /unknown option '--bogus'/],
    [["--lifetime", "0"], /^--lifetime 0: must be a whole number of seconds between 1 and 86400\n$/],
    [["--faults", "{nope"], /^--faults: not JSON/],
    [["--faults", '{"gen2":{"latencyMs":-5}}'], /--faults gen2\.latencyMs: /],
    [["--faults", '{"dfs":{}}'], /--faults \(top\): Unrecognized key: "dfs"/],
    [["--gen1-seed", "/nonexistent/lake.csv"], /^--gen1-seed \/nonexistent\/lake\.csv: .*cannot read inventory file/],
    [["--gen1-seed", "lake.txt"], /^--gen1-seed lake\.txt: an inventory is a \.csv or \.jsonl file/],
    [["--stack", "no-such-stack"], /stack config file not found/],
  ])("refuses %j with one message and exit 2", async (argv, message) => {
    const h = io();
    expect(await emulatorsMain(argv, h.value)).toBe(2);
    expect(h.err()).toMatch(message);
    expect(h.out()).toBe("");
  });

  it("refuses a Gen2 seed whose first segment is not a filesystem, and one with a bad ACL", async () => {
    const badFs = write("g2-fs.csv", "path,type,size\nNot_A_FS/a.csv,file,3\n");
    let h = io();
    expect(await emulatorsMain(["--gen2-seed", badFs], h.value)).toBe(2);
    expect(h.err()).toMatch(/"Not_A_FS\/a\.csv": its first segment "Not_A_FS" is not a filesystem name/);
    const badAcl = write("g2-acl.csv", "path,type,size,acl\nraw/a.csv,file,3,user:x:rwz\n");
    h = io();
    expect(await emulatorsMain(["--gen2-seed", badAcl], h.value)).toBe(2);
    expect(h.err()).toMatch(/^--gen2-seed .*g2-acl\.csv: /);
  });

  it("starts for a short lifetime, prints endpoints and exports that the commands reach the emulators with", async () => {
    const gen1Seed = write("g1.csv", "path,type,size,modified,owner,group,permissions,acl\n/raw/sales/2026/a.csv,file,10,2026-11-30T00:00:00Z,o1,g1,640,group:g2:r--\n/raw/finance/f.bin,file,7,2026-11-30T00:00:00Z,o1,g1,640,\n/curated/x.bin,file,3,2026-11-30T00:00:00Z,o1,g1,640,\n");
    const gen2Seed = write("g2.csv", "path,type,size\nraw/already/there.csv,file,4\n");
    const stop = new AbortController();
    const h = io({}, stop.signal);
    const running = emulatorsMain(["--stack", "incremental", "--gen1-seed", gen1Seed, "--gen2-seed", gen2Seed, "--lifetime", "30"], h.value);
    for (let i = 0; i < 200 && !h.out().includes("Stops after 30 s"); i++) await new Promise((r) => setTimeout(r, 50));
    const banner = h.out();
    const gen1 = /^gen1 \(WebHDFS\) +(http:\/\/127\.0\.0\.1:\d+)$/m.exec(banner)![1];
    const dfs = /^gen2 \(DFS\) +(http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1)$/m.exec(banner)![1];
    const arm = /^data factory \(ARM\) +(http:\/\/127\.0\.0\.1:\d+)$/m.exec(banner)![1];
    const outputsFile = /^stack outputs +(\S+)$/m.exec(banner)![1];
    const env = Object.fromEntries([...banner.matchAll(/^ {2}export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
    expect(Object.keys(env).sort()).toEqual(["ADLS_MIGRATION_ARM_TOKEN", "ADLS_MIGRATION_GEN1_TOKEN", "AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY"]);
    expect(banner).toContain(`npm run factory -- run full-copy --outputs ${outputsFile} --endpoint ${arm}`);
    expect(parseStackOutputs(JSON.parse(readFileSync(outputsFile, "utf8")), outputsFile).dfsEndpoint).toBe(dfs);
    try {
      // The Gen1 reader with the exported token (no Azure sign-in).
      const a = io(env);
      expect(await assessMain(["--source", "adl://contosogen1.azuredatalakestore.net/", "--account-url", gen1, "--json"], a.value)).toBe(0);
      expect(JSON.parse(a.out())).toMatchObject({ files: 3 });
      // The factory CLI with the printed flags: the full copy lands on the DFS emulator, next to the seeded file.
      const f = io(env);
      expect([await factoryMain(["run", "full-copy", "--outputs", outputsFile, "--endpoint", arm], f.value), f.err()]).toEqual([0, ""]);
      const gen2 = new DataLakeServiceClient(dfs, new StorageSharedKeyCredential(env.AZURE_STORAGE_ACCOUNT, env.AZURE_STORAGE_KEY));
      const names = [];
      for await (const p of gen2.getFileSystemClient("raw").listPaths({ recursive: true })) if (!p.isDirectory) names.push(`${p.name}:${p.contentLength}`);
      expect(names.sort()).toEqual(["already/there.csv:4", "finance/f.bin:7", "sales/2026/a.csv:10"]);
    } finally {
      stop.abort();
    }
    expect(await running).toBe(0);
    expect(h.err()).toContain("emulators stopped");
  }, 60_000);
});

describe("emulator credentials stay on loopback", () => {
  it("ADLS_MIGRATION_GEN1_TOKEN with a real Gen1 endpoint is exit 2 naming the variable", async () => {
    const h = io({ ADLS_MIGRATION_GEN1_TOKEN: "t" });
    expect(await assessMain(["--source", "adl://contosogen1.azuredatalakestore.net/"], h.value)).toBe(2);
    expect(h.err()).toMatch(/ADLS_MIGRATION_GEN1_TOKEN is set, but https:\/\/contosogen1\.azuredatalakestore\.net is not an emulator/);
  });

  it("ADLS_MIGRATION_ARM_TOKEN with the public ARM endpoint is exit 2 naming the variable", async () => {
    const outputs = path.join(dir, "outputs.json");
    expect(await planMain(["--stack", "incremental", "--outputs-file", outputs], io().value)).toBe(0);
    const h = io({ ADLS_MIGRATION_ARM_TOKEN: "t" });
    expect(await factoryMain(["status", "r1", "--outputs", outputs], h.value)).toBe(2);
    expect(h.err()).toMatch(/ADLS_MIGRATION_ARM_TOKEN is set, but the public Azure endpoint is not an emulator/);
  });
});

describe("plan --outputs-file", () => {
  it("writes the outputs in the contract's shape with --dfs-endpoint filled in", async () => {
    const file = path.join(dir, "o.json");
    const h = io();
    expect(await planMain(["--stack", "incremental", "--outputs-file", file, "--dfs-endpoint", "http://127.0.0.1:9/devstoreaccount1", "--json"], h.value)).toBe(0);
    const outputs = parseStackOutputs(JSON.parse(readFileSync(file, "utf8")), file);
    expect(outputs).toMatchObject({ pattern: "incremental", dfsEndpoint: "http://127.0.0.1:9/devstoreaccount1", pipelines: ["full-copy", "incremental-copy", "catch-up"], triggers: ["incremental-window"] });
    expect(h.err()).toContain(`wrote the stack outputs to ${file}`);
  });

  it("refuses --dfs-endpoint without --outputs-file, and a malformed one, with exit 2", async () => {
    let h = io();
    expect(await planMain(["--stack", "incremental", "--dfs-endpoint", "http://127.0.0.1:9/x"], h.value)).toBe(2);
    expect(h.err()).toMatch(/^--dfs-endpoint: only with --outputs-file/);
    h = io();
    expect(await planMain(["--stack", "incremental", "--outputs-file", path.join(dir, "x.json"), "--dfs-endpoint", "ftp://x"], h.value)).toBe(2);
    expect(h.err()).toMatch(/^--dfs-endpoint ftp:\/\/x: not an http\(s\) URL/);
  });
});
