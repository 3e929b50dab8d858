import { writeFileSync } from "fs";
import type { Gen1Tree } from "./server";

/**
 * A saved Gen1 inventory (JSON lines, validate's inventory columns) of
 * everything under `root` in the Gen1 emulator's tree: what `validate
 * --stack --source <inventory>` reads instead of listing Gen1 live. The ACL
 * column holds the GETACLSTATUS entries with base entries from the bits
 * where the entries leave them out, as the Gen1 service reports them.
 */
export function writeGen1Inventory(tree: Gen1Tree, root: string, file: string): void {
  const lines: string[] = [];
  const walk = (dir: string) => {
    for (const name of tree.childNames(dir)) {
      const p = `${dir === "/" ? "" : dir}/${name}`;
      const n = tree.get(p)!;
      const bits = parseInt(n.permission.slice(-3), 8);
      const perm = (v: number) => `${v & 4 ? "r" : "-"}${v & 2 ? "w" : "-"}${v & 1 ? "x" : "-"}`;
      const entries = n.acl ?? [];
      const has = (prefix: string) => entries.some((e) => e.startsWith(prefix));
      const base = [["user::", bits >> 6], ["group::", bits >> 3], ["other::", bits]].filter(([k]) => !has(k as string)).map(([k, v]) => `${k}${perm((v as number) & 7)}`);
      const acl = [...base, ...entries].join(",");
      const isDir = n.type === "DIRECTORY";
      lines.push(JSON.stringify({ path: p, type: isDir ? "directory" : "file", size: n.length, modified: new Date(n.modificationTime).toISOString(), owner: n.owner, group: n.group, permissions: n.permission, acl }));
      if (isDir) walk(p);
    }
  };
  walk(root);
  writeFileSync(file, `${lines.join("\n")}\n`);
}
