import { Gen2Reader } from "../scripts/sources/gen2";
import { InventoryReader } from "../scripts/sources/inventory";
import { SourceReader } from "../scripts/sources/types";

/**
 * The baseline: load both listings into Maps, then compare. Same readers as
 * validate, so the difference measured is the comparison strategy alone.
 * Usage: naiveValidate.ts <inventory.jsonl> <accountUrl> <filesystem>
 */
async function load(reader: SourceReader): Promise<Map<string, { type: string; size: number }>> {
  const m = new Map<string, { type: string; size: number }>();
  for await (const e of reader.list()) m.set(e.path, { type: e.type, size: e.size });
  return m;
}

async function main(): Promise<void> {
  const [inventory, accountUrl, filesystem] = process.argv.slice(2);
  const [source, target] = await Promise.all([
    load(new InventoryReader(inventory, "jsonl")),
    load(
      new Gen2Reader({
        accountUrl,
        filesystem,
        root: "",
        credential: { accountName: process.env.AZURE_STORAGE_ACCOUNT ?? "", accountKey: process.env.AZURE_STORAGE_KEY ?? "" },
        describe: `abfss://${filesystem}@bench`,
      }),
    ),
  ]);
  const counts = { missing: 0, extra: 0, type: 0, size: 0 };
  for (const [p, s] of source) {
    const t = target.get(p);
    if (!t) counts.missing++;
    else if (t.type !== s.type) counts.type++;
    else if (s.type === "file" && t.size !== s.size) counts.size++;
  }
  for (const p of target.keys()) if (!source.has(p)) counts.extra++;
  process.stdout.write(`${JSON.stringify({ counts, source: source.size, target: target.size })}\n`);
}

void main();
