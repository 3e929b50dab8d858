import type { Gen1Seed } from "../../emulators/gen1/server";

/**
 * The built-in demo lake: under each Gen1 folder the stack migrates, two
 * years of monthly partitions of small files, plus what makes a migration
 * interesting: empty folders that carry default ACLs (a recursive copy does
 * not create them), a subtree with named-group ACL entries, and a file name
 * Gen2 rejects (trailing dot, which assess reports). Deterministic: the
 * same folders give the same lake.
 */

/** Object ids of the demo principals (fake, fixed). */
export const DEMO_PRINCIPALS = {
  etl: "11111111-0000-0000-0000-000000000001",
  analysts: "22222222-0000-0000-0000-000000000002",
  auditors: "33333333-0000-0000-0000-000000000003",
};

const FILES_PER_MONTH = 25;
/** Files of the built-in lake were last written in 2025, before any window of the example stacks. */
const BASE_MODIFIED = Date.parse("2025-06-01T00:00:00Z");

export function builtInLake(folders: string[]): Gen1Seed[] {
  const out: Gen1Seed[] = [];
  for (const root of folders) {
    const top = root.replace(/\/+$/, "");
    const analysts = [`user::rwx`, `group::r-x`, `group:${DEMO_PRINCIPALS.analysts}:r-x`, `mask::r-x`, `other::---`];
    out.push({ path: top, type: "directory", owner: DEMO_PRINCIPALS.etl, group: DEMO_PRINCIPALS.etl, permission: "750" });
    for (const year of ["2024", "2025"]) {
      for (let month = 1; month <= 12; month++) {
        const dir = `${top}/${year}/${String(month).padStart(2, "0")}`;
        // The 2025 partitions carry a named-group entry for the analysts.
        out.push({ path: dir, type: "directory", owner: DEMO_PRINCIPALS.etl, group: DEMO_PRINCIPALS.etl, permission: "750", ...(year === "2025" ? { acl: analysts } : {}) });
        for (let i = 0; i < FILES_PER_MONTH; i++) {
          out.push({
            path: `${dir}/part-${String(i).padStart(5, "0")}.csv`,
            type: "file",
            size: 200 + ((i * 7919 + month * 104_729) % 3800),
            modified: BASE_MODIFIED - (year === "2024" ? 365 : 0) * 86_400_000 - (12 - month) * 86_400_000 - i * 60_000,
            owner: DEMO_PRINCIPALS.etl,
            group: DEMO_PRINCIPALS.etl,
            permission: "640",
            ...(year === "2025" ? { acl: [`group:${DEMO_PRINCIPALS.analysts}:r--`, "mask::r--"] } : {}),
          });
        }
      }
    }
    // Empty folders with default ACLs: new files there would inherit them; ADF copies neither the folders nor their ACLs.
    for (const empty of ["_staging", "_staging/incoming", "archive/empty"]) {
      out.push({
        path: `${top}/${empty}`,
        type: "directory",
        owner: DEMO_PRINCIPALS.etl,
        group: DEMO_PRINCIPALS.etl,
        permission: "770",
        // With named entries the permission's group bits are the mask, so the group base entry is listed (HDFS Permissions Guide, "ACLs (Access Control Lists)").
        acl: [`group::r-x`, `group:${DEMO_PRINCIPALS.auditors}:r-x`, "mask::rwx", `default:user::rwx`, `default:group::r-x`, `default:group:${DEMO_PRINCIPALS.auditors}:r-x`, "default:mask::r-x", "default:other::---"],
      });
    }
    // Gen2 refuses a path segment ending in "." (assess lists it).
    out.push({ path: `${top}/archive/notes.`, type: "file", size: 64, modified: BASE_MODIFIED, owner: DEMO_PRINCIPALS.etl, group: DEMO_PRINCIPALS.etl, permission: "640" });
  }
  return out;
}

/** What the demo changes on Gen1 between the full copy and the first window. */
export interface LakeChanges {
  changed: Gen1Seed[];
  added: Gen1Seed[];
  deleted: string[];
}

/**
 * Changes inside the first window [windowStart, windowStart + 1h): files
 * rewritten (new size and time), files added in a new partition, files
 * deleted. Picked from the files of `lake` (every 97th file), so any lake
 * with files gets some.
 */
export function changesFor(lake: readonly Gen1Seed[], windowStart: number): LakeChanges {
  // Files directly under "/" lie outside every migrated folder.
  const files = lake.filter((s) => s.type !== "directory" && s.path.split("/").filter(Boolean).length > 1).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const picked = files.filter((_, i) => i % 97 === 0);
  const changed = picked.filter((_, i) => i % 2 === 0).slice(0, 5).map((s, i): Gen1Seed => ({ ...s, size: (s.size ?? 0) + 7, modified: windowStart + (10 + i) * 60_000 }));
  const deleted = picked.filter((_, i) => i % 2 === 1).slice(0, 5).map((s) => s.path);
  const dir = files[0]?.path.replace(/\/[^/]+$/, "") ?? "/";
  const added = [0, 1, 2].map((i): Gen1Seed => ({ path: `${dir}/late-${i}.csv`, type: "file", size: 500 + i, modified: windowStart + (20 + i) * 60_000, owner: files[0]?.owner, group: files[0]?.group, permission: "640" }));
  return { changed, added, deleted };
}
