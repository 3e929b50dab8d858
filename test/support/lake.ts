import type { DataLakeServiceClient } from "@azure/storage-file-datalake";
import { generatedContent as gen1Content } from "../../emulators/gen1/tree";
import type { Gen1Seed } from "../../emulators/gen1/server";
import { type Gen2Path, listGen2 } from "./factoryRig";

/** A small Gen1 lake for the pattern tests: named-user and default ACLs, an empty folder with defaults, a zero-byte file, a folder outside the migration. */

export const T = Date.parse("2026-11-20T10:00:00Z");
export const NAMED = ["user::rwx", "user:analyst-oid:r-x", "group::r-x", "mask::r-x", "other::---"];
export const DEFAULTS = ["default:user::rwx", "default:group:readers-oid:r-x", "default:group::r-x", "default:mask::r-x", "default:other::---"];

export const LAKE: Gen1Seed[] = [
  { path: "/raw/sales", type: "directory", owner: "sales-owner", group: "sales-group", permission: "750", acl: [...NAMED, ...DEFAULTS] },
  { path: "/raw/sales/2026/01", type: "directory", owner: "sales-owner", group: "sales-group", permission: "750", acl: NAMED },
  { path: "/raw/sales/2026/01/a.csv", size: 300, modified: T, owner: "etl-oid", group: "sales-group", permission: "640", acl: NAMED },
  { path: "/raw/sales/2026/01/b.csv", size: 0, modified: T + 1000, owner: "etl-oid", group: "sales-group", permission: "640" },
  { path: "/raw/sales/2026/02/c.csv", size: 70, modified: T + 2000, owner: "etl-oid", group: "sales-group", permission: "600" },
  { path: "/raw/sales/empty", type: "directory", owner: "sales-owner", group: "sales-group", permission: "750", acl: [...NAMED, ...DEFAULTS] },
  { path: "/raw/sales/2026/03", type: "directory" },
  { path: "/raw/finance/q1/x.bin", size: 1000, modified: T, owner: "fin-oid", group: "fin-group", permission: "640" },
  { path: "/raw/other/not-migrated.txt", size: 5, modified: T },
];

export const FOLDERS = [
  { source: "/raw/sales", filesystem: "raw", target: "sales" },
  { source: "/raw/finance", filesystem: "curated", target: "finance" },
];

/** What Gen2 must hold below each target after a full copy of LAKE: every file, and only the directories on the way to one. */
export function expectedGen2(lake: Gen1Seed[], folders: typeof FOLDERS): Map<string, Gen1Seed & { fs: string }> {
  const out = new Map<string, Gen1Seed & { fs: string }>();
  for (const f of folders) {
    for (const s of lake) {
      if (s.type === "directory" || !s.path.startsWith(`${f.source}/`)) continue;
      const rel = s.path.slice(f.source.length + 1);
      out.set(`${f.filesystem}/${f.target}/${rel}`, { ...s, fs: f.filesystem });
      const parts = rel.split("/");
      for (let i = 0; i < parts.length; i++) {
        const dir = [f.target, ...parts.slice(0, i)].join("/");
        const seed = lake.find((d) => d.path === [f.source, ...parts.slice(0, i)].join("/")) ?? { path: dir, type: "directory" as const };
        if (!out.has(`${f.filesystem}/${dir}`)) out.set(`${f.filesystem}/${dir}`, { ...seed, type: "directory", fs: f.filesystem });
      }
    }
  }
  return out;
}

/** The ACL entries a Gen1 seed carries, base entries from its bits when the list leaves them out (as the Gen1 emulator serves them). */
export function seedAcl(s: Gen1Seed): string[] {
  const perm = s.permission ?? (s.type === "directory" ? "770" : "640");
  const bits = (n: number) => `${n & 4 ? "r" : "-"}${n & 2 ? "w" : "-"}${n & 1 ? "x" : "-"}`;
  const p = parseInt(perm, 8);
  const entries = s.acl ?? [];
  const base = [["user::", p >> 6], ["group::", p >> 3], ["other::", p]] as const;
  return [...base.filter(([k]) => !entries.some((e) => e.startsWith(k))).map(([k, v]) => `${k}${bits(v & 7)}`), ...entries].sort();
}

/**
 * Asserts that the folders' Gen2 targets hold exactly what a full copy of
 * `lake` gives: every file (size, bytes, owner, group, ACL) and the
 * directories on the way, nothing else. Returns what Gen2 holds.
 */
export async function expectMirror(gen2: DataLakeServiceClient, lake: Gen1Seed[], folders: typeof FOLDERS): Promise<(Gen2Path & { key: string })[]> {
  const expected = expectedGen2(lake, folders);
  const actual: (Gen2Path & { key: string })[] = [];
  for (const fs of new Set(folders.map((f) => f.filesystem))) actual.push(...(await listGen2(gen2, fs)).map((p) => ({ ...p, key: `${fs}/${p.path}` })));
  expect(actual.map((p) => p.key).sort()).toEqual([...expected.keys()].sort());
  for (const p of actual) {
    const seed = expected.get(p.key)!;
    expect({ key: p.key, isDir: p.isDir, size: p.size, owner: p.owner, group: p.group, acl: p.acl }).toEqual({
      key: p.key,
      isDir: seed.type === "directory",
      size: seed.type === "directory" ? 0 : (seed.size ?? 0),
      owner: seed.owner ?? "owner-oid",
      group: seed.group ?? "group-oid",
      acl: seedAcl(seed),
    });
    if (!p.isDir) {
      const bytes = await gen2.getFileSystemClient(p.key.split("/")[0]).getFileClient(p.path).readToBuffer();
      expect({ key: p.key, sameBytes: bytes.equals(gen1Content(seed.path.replace(/^\//, ""), seed.size ?? 0, seed.modified ?? 1_700_000_000_000)) }).toEqual({ key: p.key, sameBytes: true });
    }
  }
  return actual;
}
