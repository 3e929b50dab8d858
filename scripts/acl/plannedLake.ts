import type { Ace } from "./aclModel";
import type { Lake, PathInfo } from "./lake";

/**
 * The lake as it will be once this run has created some directories
 * (post-deploy's folders step): reads of a planned directory that does not
 * exist yet answer what the service would create, so a dry run and the
 * checks made before the first write see the ACL rules on those folders.
 * Writes go to the real lake unchanged.
 */

/** A directory this run creates: filesystem and path inside it. */
export interface PlannedDirectory {
  filesystem: string;
  path: string;
}

/**
 * ACL of a directory created without permissions or ACL: the parent's
 * default entries become its access and default entries; without them the
 * mode is 0777 & ~umask 0027 = rwxr-x---. "The effective permissions are
 * computed by applying the umask 0027 … when the default ACL … is not set"
 * (learn.microsoft.com/azure/storage/blobs/data-lake-storage-access-control#umask).
 */
export function newDirectoryAcl(parent: Ace[]): Ace[] {
  const defaults = parent.filter((a) => a.scope === "default");
  if (defaults.length === 0) {
    return [
      { scope: "access", type: "user", id: "", perms: "rwx" },
      { scope: "access", type: "group", id: "", perms: "r-x" },
      { scope: "access", type: "other", id: "", perms: "---" },
    ];
  }
  return [...defaults.map((a) => ({ ...a, scope: "access" as const })), ...defaults];
}

/** Every planned directory and each of its parents, per filesystem ("fs/a", "fs/a/b"). */
function plannedSet(dirs: PlannedDirectory[]): Set<string> {
  const out = new Set<string>();
  for (const d of dirs) {
    const segs = d.path.split("/").filter((s) => s !== "");
    for (let i = 1; i <= segs.length; i++) out.add(`${d.filesystem}/${segs.slice(0, i).join("/")}`);
  }
  return out;
}

const parentOf = (p: string) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "");

export function plannedLake(lake: Lake, dirs: PlannedDirectory[]): Lake {
  const planned = plannedSet(dirs);
  const isPlanned = (fs: string, p: string) => planned.has(`${fs}/${p}`);
  /** Planned directories below `dir` that do not exist yet; `direct`: children only. */
  const plannedBelow = async (fs: string, dir: string, direct: boolean) => {
    const prefix = `${fs}/${dir === "" ? "" : `${dir}/`}`;
    const found: { path: string; isDir: boolean }[] = [];
    for (const key of planned) {
      if (!key.startsWith(prefix)) continue;
      const p = key.slice(fs.length + 1);
      if (direct && parentOf(p) !== dir) continue;
      if (!(await lake.readPath(fs, p, true))) found.push({ path: p, isDir: true });
    }
    return found;
  };
  const readPath = async (fs: string, p: string, isDir?: boolean): Promise<PathInfo | undefined> => {
    const real = await lake.readPath(fs, p, isDir);
    if (real || !isPlanned(fs, p)) return real;
    const parent = await readPath(fs, parentOf(p), true);
    return { isDir: true, acl: newDirectoryAcl(parent?.acl ?? []) };
  };
  // A directory that does not exist yet has no real listing (404): only its planned children.
  const realOrEmpty = <T>(fs: string, p: string, list: () => Promise<T>, empty: T): Promise<T> =>
    isPlanned(fs, p) ? lake.readPath(fs, p, true).then((r) => (r ? list() : empty)) : list();
  return {
    ...lake,
    readPath,
    async listChildren(fs, dir) {
      const real = await realOrEmpty(fs, dir, () => lake.listChildren(fs, dir), { children: [], files: 0 });
      return { children: [...real.children, ...(await plannedBelow(fs, dir, true))], files: real.files };
    },
    async listBelow(fs, dir, token) {
      const page = await realOrEmpty(fs, dir, () => lake.listBelow(fs, dir, token), { items: [] as { path: string; isDir: boolean }[] });
      // Planned directories are added once, with the first page.
      return token === undefined ? { ...page, items: [...page.items, ...(await plannedBelow(fs, dir, false))] } : page;
    },
    hasFilesBelow: (fs, dir) => realOrEmpty(fs, dir, () => lake.hasFilesBelow(fs, dir), false),
  };
}
