import { DataLakeServiceClient, StorageSharedKeyCredential, type PathAccessControlItem } from "@azure/storage-file-datalake";
import { type LakeEntry, type LakeStore, type Location, StoreError, joinPath } from "./store";

/**
 * The Gen2 side of a copy, through the real DFS client against the DFS
 * emulator (shared key, the dev account): what the AzureBlobFS connector
 * does over the same REST API.
 */
export function gen2DfsStore(opts: { url: string; accountName: string; accountKey: string }): LakeStore {
  const service = new DataLakeServiceClient(opts.url, new StorageSharedKeyCredential(opts.accountName, opts.accountKey), { retryOptions: { maxTries: 2 } });
  const fsOf = (loc: Location) => {
    if (!loc.fileSystem) throw new Error(`Gen2 location /${loc.path} has no fileSystem`);
    return service.getFileSystemClient(loc.fileSystem);
  };
  const classify = (err: unknown, what: string): never => {
    const e = err as { statusCode?: number; code?: string; message?: string };
    const kind = e.statusCode === 404 ? "missing" : e.statusCode === 403 ? "forbidden" : e.code === "InvalidResourceName" ? "invalidName" : "other";
    throw new StoreError(kind, `Gen2 ${what}: ${e.code ?? e.statusCode ?? ""} ${e.message ?? String(err)}`);
  };
  const aclText = (items: PathAccessControlItem[]) =>
    items.map((a) => `${a.defaultScope ? "default:" : ""}${a.accessControlType}:${a.entityId}:${a.permissions.read ? "r" : "-"}${a.permissions.write ? "w" : "-"}${a.permissions.execute ? "x" : "-"}`).join(",");

  async function entryOf(loc: Location, rel: string, isDir: boolean, size: number, modified: number): Promise<LakeEntry> {
    const path = joinPath(loc.path);
    const client = path === "" ? fsOf(loc).getDirectoryClient("/") : fsOf(loc).getDirectoryClient(path);
    const ac = await client.getAccessControl();
    return { path: rel, isDir, size, modified, owner: ac.owner ?? "", group: ac.group ?? "", acl: aclText(ac.acl) };
  }

  return {
    generation: "gen2",
    async list(folder, recursive) {
      const root = joinPath(folder.path);
      let self: LakeEntry;
      try {
        if (root === "") self = await entryOf(folder, "", true, 0, 0);
        else {
          const p = await fsOf(folder).getDirectoryClient(root).getProperties();
          const isDir = p.metadata?.hdi_isfolder === "true";
          self = await entryOf(folder, "", isDir, p.contentLength ?? 0, p.lastModified?.getTime() ?? 0);
          if (!isDir) return [self];
        }
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return undefined;
        return classify(err, `list ${folder.fileSystem}/${root}`);
      }
      const out = [self];
      for await (const p of fsOf(folder).listPaths({ path: root === "" ? undefined : root, recursive })) {
        const name = p.name ?? "";
        const rel = root === "" ? name : name.slice(root.length + 1);
        out.push(await entryOf({ fileSystem: folder.fileSystem, path: name }, rel, p.isDirectory === true, p.contentLength ?? 0, p.lastModified?.getTime() ?? 0));
      }
      return out;
    },
    async read(file) {
      try {
        return await fsOf(file).getFileClient(joinPath(file.path)).readToBuffer();
      } catch (err) {
        return classify(err, `read ${file.fileSystem}/${file.path}`);
      }
    },
    async writeFile(file, content) {
      try {
        const client = fsOf(file).getFileClient(joinPath(file.path));
        await client.create();
        if (content.length > 0) await client.append(content, 0, content.length);
        await client.flush(content.length);
      } catch (err) {
        classify(err, `write ${file.fileSystem}/${file.path}`);
      }
    },
    async ensureDir(dir) {
      const path = joinPath(dir.path);
      if (path === "") return;
      try {
        await fsOf(dir).getDirectoryClient(path).createIfNotExists();
      } catch (err) {
        classify(err, `create directory ${dir.fileSystem}/${path}`);
      }
    },
    async setPosix(loc, meta) {
      const path = joinPath(loc.path);
      const client = path === "" ? fsOf(loc).getDirectoryClient("/") : fsOf(loc).getDirectoryClient(path);
      try {
        // Owner or group alone: the path keeps the ACL it has (re-sent unchanged).
        const acl = meta.acl ?? aclText((await client.getAccessControl()).acl);
        await client.setAccessControl(parseAcl(acl), { owner: meta.owner, group: meta.group });
      } catch (err) {
        classify(err, `set ACL/owner on ${loc.fileSystem}/${path}`);
      }
    },
    async stat(file) {
      try {
        const p = await fsOf(file).getFileClient(joinPath(file.path)).getProperties();
        return { size: p.contentLength ?? 0, md5: p.contentMD5 ? Buffer.from(p.contentMD5) : undefined };
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return undefined;
        return classify(err, `stat ${file.fileSystem}/${file.path}`);
      }
    },
  };
}

function parseAcl(text: string): PathAccessControlItem[] {
  return text.split(",").filter((s) => s !== "").map((raw) => {
    const parts = raw.split(":");
    const defaultScope = parts[0] === "default";
    if (defaultScope) parts.shift();
    const [type, id, p] = parts;
    return {
      defaultScope,
      accessControlType: type as PathAccessControlItem["accessControlType"],
      entityId: id,
      permissions: { read: p[0] === "r", write: p[1] === "w", execute: p[2] === "x" },
    };
  });
}
