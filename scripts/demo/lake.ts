import type { Gen1Seed } from "../../emulators/gen1/server";

/**
 * The built-in demo lake: under each Gen1 folder the stack migrates, two
 * years of monthly partitions of small files, plus what makes a migration
 * interesting: empty folders that carry default ACLs (a recursive copy does
 * not create them), a subtree with named-group ACL entries, and a file name
 * Gen2 rejects (trailing dot, which assess reports); the small size has
 * two partitions of four files instead. Deterministic: the same folders
 * give the same lake. Also what the demo's workloads do to it.
 */

/** Object ids of the demo principals (fake, fixed). */
export const DEMO_PRINCIPALS = {
  etl: "11111111-0000-0000-0000-000000000001",
  analysts: "22222222-0000-0000-0000-000000000002",
  auditors: "33333333-0000-0000-0000-000000000003",
};

/** Files of the built-in lake were last written in 2025, before any window of the example stacks. */
const BASE_MODIFIED = Date.parse("2025-06-01T00:00:00Z");

/** The partitions of a lake size: year → months, and files per partition. */
const SIZES = {
  full: { partitions: { "2024": range(1, 12), "2025": range(1, 12) }, filesPerMonth: 25 },
  // `--small`: the same kinds of paths, a few of each, so a rehearsal takes seconds.
  small: { partitions: { "2024": [12], "2025": [1] }, filesPerMonth: 4 },
};
export type LakeSize = keyof typeof SIZES;

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export function builtInLake(folders: string[], size: LakeSize = "full"): Gen1Seed[] {
  const { partitions, filesPerMonth } = SIZES[size];
  const out: Gen1Seed[] = [];
  for (const root of folders) {
    const top = root.replace(/\/+$/, "");
    const analysts = [`user::rwx`, `group::r-x`, `group:${DEMO_PRINCIPALS.analysts}:r-x`, `mask::r-x`, `other::---`];
    out.push({ path: top, type: "directory", owner: DEMO_PRINCIPALS.etl, group: DEMO_PRINCIPALS.etl, permission: "750" });
    for (const [year, months] of Object.entries(partitions)) {
      for (const month of months) {
        const dir = `${top}/${year}/${String(month).padStart(2, "0")}`;
        // The 2025 partitions carry a named-group entry for the analysts.
        out.push({ path: dir, type: "directory", owner: DEMO_PRINCIPALS.etl, group: DEMO_PRINCIPALS.etl, permission: "750", ...(year === "2025" ? { acl: analysts } : {}) });
        for (let i = 0; i < filesPerMonth; i++) {
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

/** What workloads change on Gen1 between the full copy and the first window's due time. */
export interface LakeChanges {
  /** Rewritten in place: new size, a modification time inside the window. */
  changed: Gen1Seed[];
  /** New files, modified inside the window. */
  added: Gen1Seed[];
  deleted: string[];
  /**
   * A file moved on Gen1: it keeps its modification time (Hadoop FS
   * specification, "Timestamps"), from before the window, so no window
   * copies it under its new name (docs/patterns.md, "What the incremental
   * patterns miss").
   */
  renamed?: { from: string; to: string };
}

/** The files below the migrated folders, by path; files directly under "/" lie outside every migrated folder. */
function folderFiles(lake: readonly Gen1Seed[]): Gen1Seed[] {
  return lake.filter((s) => s.type !== "directory" && s.path.split("/").filter(Boolean).length > 1).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Changes inside the first window [windowStart, windowStart + 25 min):
 * files rewritten (new size and time), files added in a partition, files
 * deleted, and one file renamed. Picked from the files of `lake` (every
 * 97th file, more often in a lake of fewer than 970 files), so any lake with
 * two files gets some.
 */
export function changesFor(lake: readonly Gen1Seed[], roots: readonly string[], windowStart: number): LakeChanges {
  const files = folderFiles(lake);
  const { deleted, renamed } = housekeeping(lake, roots);
  const stride = pickStride(files.length);
  const changed = files.filter((_, i) => i % (2 * stride) === 0).slice(0, 5).map((s, i): Gen1Seed => ({ ...s, size: (s.size ?? 0) + 7, modified: windowStart + (10 + i) * 60_000 }));
  const dir = files[0]?.path.replace(/\/[^/]+$/, "") ?? "/";
  const added = [0, 1, 2].map((i): Gen1Seed => ({ path: `${dir}/late-${i}.csv`, type: "file", size: 500 + i, modified: windowStart + (20 + i) * 60_000, owner: files[0]?.owner, group: files[0]?.group, permission: "640" }));
  return { changed, added, deleted, renamed };
}

/** Every `stride`-th file is picked (at least 2, so the file at index 1 is never picked). */
function pickStride(files: number): number {
  return Math.max(2, Math.min(97, Math.floor(files / 10)));
}

/**
 * What happens on Gen1 besides writes (a consumer tidying up): files
 * deleted (the odd picks of changesFor, never the rewritten ones, and never
 * the last file of a migrated folder `roots`: validate reports a folder
 * that lists no path as a problem) and the second file renamed in its
 * folder. dual-pipeline's only Gen1 changes, as its producers land new data
 * in the landing zone instead.
 */
export function housekeeping(lake: readonly Gen1Seed[], roots: readonly string[]): Pick<LakeChanges, "deleted" | "renamed"> {
  const files = folderFiles(lake);
  const stride = pickStride(files.length);
  const rootOf = (p: string) => roots.map((r) => `/${r.split("/").filter(Boolean).join("/")}`).find((r) => p.startsWith(`${r}/`)) ?? "";
  const left = new Map<string, number>();
  for (const f of files) left.set(rootOf(f.path), (left.get(rootOf(f.path)) ?? 0) + 1);
  const deleted = files
    .filter((_, i) => i % (2 * stride) === stride)
    .filter((f) => {
      const n = left.get(rootOf(f.path)) ?? 0;
      if (n > 1) left.set(rootOf(f.path), n - 1);
      return n > 1;
    })
    .slice(0, 5)
    .map((s) => s.path);
  const moved = files[1];
  const renamed = moved && { from: moved.path, to: moved.path.replace(/\/([^/]+)$/, "/renamed-$1") };
  return { deleted, renamed };
}

/** A file a producer lands in dual-pipeline's landing zone, and where the window must put it in each lake. */
export interface Landed {
  /** Gen2 filesystem and path of the landing zone file. */
  landing: { filesystem: string; path: string };
  gen1: string;
  gen2: { filesystem: string; path: string };
  content: string;
}

/**
 * Two files per folder landed under `<ingest.path>/<target>/` in a
 * partition the lake does not have yet (new data), as producers write them
 * once redirected.
 */
export function landedBatches(folders: readonly { source: string; filesystem: string; target: string }[], ingest: { filesystem: string; path: string }): Landed[] {
  return folders.flatMap((f) =>
    [0, 1].map((i): Landed => {
      const rel = `2026/12/batch-${i}.csv`;
      const join = (...parts: string[]) => parts.filter((p) => p !== "").join("/");
      return {
        landing: { filesystem: ingest.filesystem, path: join(ingest.path, f.target, rel) },
        gen1: `${f.source.replace(/\/+$/, "")}/${rel}`,
        gen2: { filesystem: f.filesystem, path: join(f.target, rel) },
        content: `batch ${i} for ${f.source}\n`,
      };
    }),
  );
}
