import { DuckDBInstance } from "@duckdb/node-api";
import { writeFileSync } from "fs";
import * as path from "path";
import { stringify } from "yaml";
import type { DfsServer } from "../emulators/dfs/server";

/**
 * The lakes of the full-list benchmark and test: a saved Gen1 inventory
 * (CSV, what `--stack --source` takes) of `files` files in `dirs` folders
 * below /lake/<name>, written by DuckDB in a second, and a Gen2 that holds
 * only the folders (a copy that stopped before the files), with the same
 * owner, group and ACL: every file is a `missing` difference, nothing else
 * differs, with or without --acls.
 */
export const OWNER = "lake-owner";
export const GROUP = "lake-group";

/** A stack of one folder, /lake/<name> → raw lake/<name>; returns its config file. */
export function writeStackFile(dir: string, name: string): string {
  const file = path.join(dir, `Pulumi.${name}.yaml`);
  const config = {
    "azure-native:location": "westeurope",
    "adls-migration:environment": "dev",
    "adls-migration:namePrefix": "bench",
    "adls-migration:source": { accountName: "benchgen1", auth: "managedIdentity" },
    "adls-migration:pattern": "lift-and-shift",
    "adls-migration:filesystems": [{ name: "raw" }],
    "adls-migration:migration": { folders: [{ source: `/lake/${name}`, filesystem: "raw", target: `lake/${name}` }] },
  };
  writeFileSync(file, stringify({ config }));
  return file;
}

export async function writeGen1Inventory(dir: string, name: string, dirs: number, files: number): Promise<string> {
  const file = path.join(dir, `${name}.csv`);
  const db = await DuckDBInstance.create(":memory:", { threads: "2" });
  const c = await db.connect();
  try {
    const meta = (perm: string) => `'${OWNER}' AS owner, '${GROUP}' AS "group", '${perm}' AS permissions, '' AS acl`;
    await c.run(
      `COPY (SELECT printf('/lake/${name}/d%03d', k) AS path, 'directory' AS type, 0::BIGINT AS size, NULL::BIGINT AS modified, ${meta("750")} FROM range(${dirs}) t(k) ` +
        `UNION ALL SELECT printf('/lake/${name}/d%03d/f%07d.bin', k % ${dirs}, k), 'file', 16, 1767225600000, ${meta("640")} FROM range(${files}) t(k)) ` +
        `TO '${file}' (FORMAT csv, HEADER true)`,
    );
  } finally {
    c.closeSync();
    db.closeSync();
  }
  return file;
}

export function seedGen2Folders(dfs: DfsServer, name: string, dirs: number): void {
  const acl = "user::rwx,group::r-x,other::---";
  dfs.tree.mkdir("raw", `lake/${name}`, { owner: OWNER, group: GROUP, acl });
  for (let k = 0; k < dirs; k++) dfs.tree.mkdir("raw", `lake/${name}/d${String(k).padStart(3, "0")}`, { owner: OWNER, group: GROUP, acl });
}
