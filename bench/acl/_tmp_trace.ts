import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { applyAcls } from "../../scripts/acl/apply";
import { loadSpecFile, resolveSpec } from "../../scripts/acl/spec";
async function main() {
  const [url, account, key, spec, cp] = process.argv.slice(2);
  const service = new DataLakeServiceClient(url, new StorageSharedKeyCredential(account, key));
  const t0 = performance.now();
  const { rules } = resolveSpec(loadSpecFile(spec), {});
  let units = 0; let done = 0;
  const r = await applyAcls({ service, accountUrl: url, rules, dryRun: false, concurrency: Number(process.env.C ?? 16), checkpointFile: cp, resume: false,
    events: { ruleStart: (_r, u) => { units = u; console.log(`planned ${u} units at ${(performance.now()-t0).toFixed(0)}ms`); },
      unitDone: () => { done++; if (done % 8 === 0 || done === units) console.log(`${done}/${units} at ${(performance.now()-t0).toFixed(0)}ms`); } } });
  console.log(`end ${(performance.now()-t0).toFixed(0)}ms paths=${r.directories + r.files}`);
}
void main();
