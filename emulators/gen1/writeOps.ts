import type { IncomingMessage } from "http";
import { modifyAclEntries, parseAclSpec, setAcl, setPermission } from "./acl";
import type { Op, OpCall as Call } from "./handlers";
import { ok, remote, send } from "./reply";
import { absolute } from "./tree";

/**
 * OPEN and the write ops of the WebHDFS emulator, following the Hadoop
 * WebHDFS REST API (hadoop.apache.org/docs/current/hadoop-project-dist/hadoop-hdfs/WebHDFS.html)
 * as Azure Data Lake Store Gen1 serves it (learn.microsoft.com/rest/api/datalakestore/webhdfs-filesystem-apis).
 *
 * CREATE and OPEN are two-step in Hadoop: the first request answers 307
 * with a Location to send the data to (or, with `noredirect=true`, 200 and
 * `{"Location": ...}`). ADLS also takes them in one step: its SDKs send
 * `op=CREATE&write=true&overwrite=...` with the bytes in the body and
 * `op=OPEN&read=true&offset=&length=` (Azure/azure-data-lake-store-python,
 * azure/datalake/store/core.py, AzureDLFile and _fetch_range). The Location
 * given here is the same URL with `write=true` / `read=true` added.
 *
 * Errors map as Hadoop's WebHDFS ExceptionHandler maps them: a missing path
 * 404 FileNotFoundException, an IOException (file exists, directory not
 * empty) 403, a bad parameter 400 IllegalArgumentException.
 */

/** OPEN: the bytes from `offset` (default 0), at most `length` (default: to the end). */
export function open({ c, res, url, p, q }: Call): void {
  if (q.get("read") !== "true") return redirect(res, url, "read", q);
  const node = c.tree.get(p)!;
  if (node.type !== "FILE") return send(res, 404, remote("FileNotFoundException", `Path is not a file: ${p}`));
  const bytes = c.tree.read(p);
  const offset = int(q.get("offset"), 0, "offset");
  if (offset > bytes.length) throw new Error(`Invalid value for webhdfs parameter "offset": ${offset} is beyond the file's length ${bytes.length}`);
  const length = q.has("length") ? int(q.get("length"), 0, "length") : bytes.length - offset;
  const body = bytes.subarray(offset, Math.min(bytes.length, offset + length));
  res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": body.length });
  res.end(body);
}

export const WRITE_OPS: Record<string, Op> = {
  CREATE: { method: "PUT", needsPath: false, run: create },
  MKDIRS: {
    method: "PUT",
    needsPath: false,
    // permission default 755 for directories (WebHDFS "Permission" parameter).
    run: ({ c, res, p, q }) => send(res, 200, { boolean: c.tree.mkdirs(p, octal(q.get("permission"), "755"), c.callerId) }),
  },
  RENAME: {
    method: "PUT",
    needsPath: false,
    run: ({ c, res, p, q }) => {
      const to = q.get("destination");
      if (!to || !to.startsWith("/")) throw new Error(`Invalid value for webhdfs parameter "destination": ${to ?? "(missing)"}`);
      send(res, 200, { boolean: c.tree.rename(p, absolute(to)) });
    },
  },
  DELETE: {
    method: "DELETE",
    needsPath: false,
    run: ({ c, res, p, q }) => {
      const node = c.tree.get(p);
      if (node?.type === "DIRECTORY" && c.tree.childNames(p).length > 0 && q.get("recursive") !== "true") {
        return send(res, 403, remote("PathIsNotEmptyDirectoryException", `${p} is non empty': Directory is not empty`));
      }
      send(res, 200, { boolean: node !== undefined && c.tree.delete(p, true) });
    },
  },
  SETPERMISSION: { method: "PUT", needsPath: true, run: ({ c, res, p, q }) => (setPermission(c.tree.get(p)!, octal(q.get("permission"), "755")), ok(res)) },
  SETOWNER: {
    method: "PUT",
    needsPath: true,
    run: ({ c, res, p, q }) => {
      const owner = q.get("owner") ?? undefined;
      const group = q.get("group") ?? undefined;
      c.tree.update(p, { owner, group });
      ok(res);
    },
  },
  SETACL: { method: "PUT", needsPath: true, run: ({ c, res, p, q }) => (setAcl(c.tree.get(p)!, parseAclSpec(q.get("aclspec") ?? "")), ok(res)) },
  MODIFYACLENTRIES: { method: "PUT", needsPath: true, run: ({ c, res, p, q }) => (modifyAclEntries(c.tree.get(p)!, parseAclSpec(q.get("aclspec") ?? "")), ok(res)) },
};

/** CREATE: `overwrite` default false, `permission` default 644 for files (WebHDFS parameter dictionary); 201 Created with a Location. */
async function create({ c, req, res, url, p, q }: Call): Promise<void> {
  if (q.get("write") !== "true") return redirect(res, url, "write", q);
  const body = await readBody(req);
  const done = c.tree.createFile(p, body, { overwrite: q.get("overwrite") === "true", permission: octal(q.get("permission"), "644"), owner: c.callerId });
  if (!done) return send(res, 403, remote("FileAlreadyExistsException", `${p} already exists${c.tree.get(p)?.type === "DIRECTORY" ? " as a directory" : ""}`));
  ok(res, 201, { Location: `webhdfs://${req.headers.host ?? "localhost"}${p}` });
}

function redirect(res: Call["res"], url: URL, flag: "read" | "write", q: URLSearchParams): void {
  const next = new URL(url.href);
  next.searchParams.set(flag, "true");
  next.searchParams.delete("noredirect");
  const location = `http://${res.req.headers.host ?? "127.0.0.1"}${next.pathname}${next.search}`;
  if (q.get("noredirect") === "true") return send(res, 200, { Location: location });
  ok(res, 307, { Location: location });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function int(v: string | null, dflt: number, name: string): number {
  if (v === null) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`Invalid value for webhdfs parameter "${name}": ${v}`);
  return n;
}

function octal(v: string | null, dflt: string): string {
  const s = v ?? dflt;
  if (!/^[0-1]?[0-7]{3}$/.test(s)) throw new Error(`Invalid value for webhdfs parameter "permission": ${s}`);
  return s.slice(-3);
}
