import { gen1Content } from "../../gen1/content";
import { type LakeEntry, type LakeStore, type Location, StoreError, joinPath } from "./store";

/**
 * The Gen1 side of a copy, spoken over WebHDFS to the Gen1 emulator
 * (LISTSTATUS with listAfter paging, GETACLSTATUS, OPEN), as the ADF
 * connector reads Gen1. Files seeded without content have bytes generated
 * from their metadata (emulators/gen1/content.ts). Writing into Gen1 fails by name.
 */
export { gen1Content };
export function gen1WebHdfsStore(opts: { url: string; token: string }): LakeStore {
  const base = `${opts.url.replace(/\/+$/, "")}/webhdfs/v1`;
  async function call<T>(path: string, op: string, extra = ""): Promise<T | undefined> {
    const res = await fetch(`${base}/${path.split("/").map(encodeURIComponent).join("/")}?op=${op}${extra}`, {
      headers: { authorization: `Bearer ${opts.token}` },
    });
    if (res.status === 404) return undefined;
    if (res.status === 403) throw new StoreError("forbidden", `Gen1 ${op} /${path}: 403`);
    if (!res.ok) throw new StoreError("other", `Gen1 ${op} /${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
  interface Status { pathSuffix: string; type: "FILE" | "DIRECTORY"; length: number; modificationTime: number; owner: string; group: string; permission: string }
  async function entry(path: string, rel: string, s: Status): Promise<LakeEntry> {
    const acl = await call<{ AclStatus: { entries: string[]; permission: string } }>(path, "GETACLSTATUS");
    return { path: rel, isDir: s.type === "DIRECTORY", size: s.length, modified: s.modificationTime, owner: s.owner, group: s.group, acl: fullAcl(acl?.AclStatus.entries ?? [], s.permission) };
  }
  async function children(path: string): Promise<Status[]> {
    const out: Status[] = [];
    let after = "";
    for (let page = 0; page < 1_000_000; page++) {
      const r = await call<{ FileStatuses: { FileStatus: Status[]; continuationToken?: string } }>(path, "LISTSTATUS", after ? `&listAfter=${encodeURIComponent(after)}` : "");
      const list = r?.FileStatuses.FileStatus ?? [];
      out.push(...list);
      const token = r?.FileStatuses.continuationToken ?? "";
      if (token === "" || list.length === 0) return out;
      after = token;
    }
    throw new StoreError("other", `Gen1 LISTSTATUS /${path}: too many pages`);
  }
  return {
    generation: "gen1",
    async list(folder, recursive) {
      const root = joinPath(folder.path);
      const self = await call<{ FileStatus: Status }>(root, "GETFILESTATUS");
      if (!self) return undefined;
      const out = [await entry(root, "", self.FileStatus)];
      const walk = async (dir: string, rel: string): Promise<void> => {
        for (const s of await children(dir)) {
          const p = joinPath(dir, s.pathSuffix);
          const r = joinPath(rel, s.pathSuffix);
          out.push(await entry(p, r, s));
          if (s.type === "DIRECTORY" && recursive) await walk(p, r);
        }
      };
      if (self.FileStatus.type === "DIRECTORY") await walk(root, "");
      return out;
    },
    async read(file) {
      const path = joinPath(file.path);
      const res = await fetch(`${base}/${path.split("/").map(encodeURIComponent).join("/")}?op=OPEN`, { headers: { authorization: `Bearer ${opts.token}` } });
      if (res.status === 404) throw new StoreError("missing", `Gen1 /${path} does not exist`);
      if (res.status === 403) throw new StoreError("forbidden", `Gen1 OPEN /${path}: 403`);
      if (!res.ok) throw new StoreError("other", `Gen1 OPEN /${path}: HTTP ${res.status} ${await res.text()}`);
      return Buffer.from(await res.arrayBuffer());
    },
    writeFile: unsupported,
    ensureDir: unsupported,
    setPosix: unsupported,
    async stat(file) {
      const s = await call<{ FileStatus: Status }>(joinPath(file.path), "GETFILESTATUS");
      return s && { size: s.FileStatus.length };
    },
  };
}

async function unsupported(loc: Location): Promise<never> {
  throw new Error(`writing into Gen1 (/${loc.path}) is not supported by the Gen1 emulator yet`);
}

/**
 * GETACLSTATUS lists ACL entries and, separately, the permission bits; the
 * base entries come from the bits when the list leaves them out (Hadoop's
 * AclStatus convention).
 */
function fullAcl(entries: string[], permission: string): string {
  const bits = parseInt(permission.slice(-3), 8);
  const perm = (n: number) => `${n & 4 ? "r" : "-"}${n & 2 ? "w" : "-"}${n & 1 ? "x" : "-"}`;
  const has = (p: string) => entries.some((e) => e.startsWith(p));
  const base = [
    ...(has("user::") ? [] : [`user::${perm(bits >> 6)}`]),
    ...(has("group::") ? [] : [`group::${perm(bits >> 3)}`]),
    ...(has("other::") ? [] : [`other::${perm(bits)}`]),
  ];
  const access = [...base, ...entries.filter((e) => !e.startsWith("default:"))];
  return [...access, ...entries.filter((e) => e.startsWith("default:"))].join(",");
}
