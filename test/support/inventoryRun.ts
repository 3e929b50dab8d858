import { DuckDBInstance } from "@duckdb/node-api";
import { mkdirSync, statSync, unlinkSync, writeFileSync } from "fs";
import * as path from "path";

/** One blob inventory row as the service writes it (HNS account). */
export interface InventoryRow {
  Name: string;
  "Content-Length": number;
  /** Epoch ms. */
  "Last-Modified": number;
  hdi_isfolder?: "true";
  Owner?: string;
  Group?: string;
  Permissions?: string;
  Acl?: string;
}

export const ALL_FIELDS = ["Name", "Content-Length", "Last-Modified", "hdi_isfolder", "Owner", "Group", "Permissions", "Acl"];

export interface RunSpec {
  rows: InventoryRow[];
  format: "csv" | "parquet";
  /** Run folder time, YYYY/MM/DD/HH-MM-SS (default from startedAgoMs). */
  started?: Date;
  /** Completion time (default 1 h ago). */
  completed?: Date;
  status?: string;
  checksum?: boolean;
  schemaFields?: string[];
  filters?: Record<string, unknown>;
  /** Rows per data file (the service splits large runs into several files). */
  rowsPerFile?: number;
  /** Overrides summary.objectCount. */
  objectCount?: number;
  rule?: string;
}

const csvCell = (v: string | number | undefined) => (v === undefined ? "" : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

/**
 * Writes a run the way the service lays it out (and `az storage blob
 * download-batch` copies it): <root>/YYYY/MM/DD/HH-MM-SS/<rule>/ with the data
 * files, <rule>-manifest.json and <rule>-manifest.checksum. Parquet is made by
 * DuckDB with Last-Modified as a timestamp column. Returns the manifest path.
 */
export async function writeRun(root: string, spec: RunSpec): Promise<string> {
  const completed = spec.completed ?? new Date(Date.now() - 3600_000);
  const started = spec.started ?? new Date(completed.getTime() - 600_000);
  const rule = spec.rule ?? "migration";
  const iso = started.toISOString();
  const runPath = `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}-${iso.slice(14, 16)}-${iso.slice(17, 19)}/${rule}`;
  const dir = path.join(root, runPath);
  mkdirSync(dir, { recursive: true });
  const fields = spec.schemaFields ?? ALL_FIELDS;
  const per = spec.rowsPerFile ?? Math.max(1, spec.rows.length);
  const files: { blob: string; size: number }[] = [];
  for (let i = 0, part = 1; i < Math.max(1, spec.rows.length); i += per, part++) {
    const chunk = spec.rows.slice(i, i + per);
    const csv = path.join(dir, `${rule}_${part}.csv`);
    const lines = chunk.map((r) => fields.map((f) => csvCell(f === "Last-Modified" ? new Date(r[f]).toISOString() : (r as unknown as Record<string, string | number | undefined>)[f])).join(","));
    writeFileSync(csv, [fields.join(","), ...lines].join("\n") + "\n");
    let file = csv;
    if (spec.format === "parquet") {
      file = csv.replace(/\.csv$/, ".parquet");
      await toParquet(csv, file, fields);
      unlinkSync(csv);
    }
    files.push({ blob: `${runPath}/${path.basename(file)}`, size: statSync(file).size });
  }
  const manifest = path.join(dir, `${rule}-manifest.json`);
  writeFileSync(
    manifest,
    JSON.stringify({
      destinationContainer: "inventory",
      endpoint: "https://acct.blob.core.windows.net",
      files,
      inventoryCompletionTime: completed.toISOString(),
      inventoryStartTime: started.toISOString(),
      ruleDefinition: {
        filters: { blobTypes: ["blockBlob", "appendBlob"], includeBlobVersions: false, includeSnapshots: false, includeDeleted: false, ...spec.filters },
        format: spec.format,
        objectType: "blob",
        schedule: "daily",
        schemaFields: fields,
      },
      ruleName: rule,
      status: spec.status ?? "Succeeded",
      summary: { objectCount: spec.objectCount ?? spec.rows.length, totalObjectSize: spec.rows.reduce((n, r) => n + r["Content-Length"], 0) },
      version: "1.0",
    }),
  );
  if (spec.checksum !== false) writeFileSync(path.join(dir, `${rule}-manifest.checksum`), "d41d8cd98f00b204e9800998ecf8427e");
  return manifest;
}

async function toParquet(csv: string, parquet: string, fields: string[]): Promise<void> {
  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  try {
    await c.run("SET TimeZone = 'UTC'");
    const cols = fields.map((f) =>
      f === "Content-Length" ? `"${f}"::BIGINT AS "${f}"` : f === "Last-Modified" ? `"${f}"::TIMESTAMPTZ::TIMESTAMP AS "${f}"` : `"${f}"`,
    );
    await c.run(`COPY (SELECT ${cols.join(", ")} FROM read_csv('${csv}', header = true, all_varchar = true)) TO '${parquet}' (FORMAT parquet)`);
  } finally {
    c.closeSync();
    db.closeSync();
  }
}
