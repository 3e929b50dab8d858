import { HttpError, RequestContext, sendJson } from "../http";
import { decodeToken, encodeToken } from "../token";
import { Filesystem, PathNode, WalkItem, descendants, splitPath } from "../tree";

/** Path List pages hold at most this many entries (maxResults above it is lowered to it). */
export const MAX_LIST_RESULTS = 5000;

/** Path List (GET ?resource=filesystem&directory=&recursive=&maxResults=&continuation=). */
export function listPaths(ctx: RequestContext, fs: Filesystem, repeatContinuation = false): number {
  const { query } = ctx;
  const directory = splitPath(query.get("directory") ?? "").join("/");
  const recursive = query.get("recursive") === "true";
  const maxResults = Math.min(Number(query.get("maxResults") ?? MAX_LIST_RESULTS) || MAX_LIST_RESULTS, MAX_LIST_RESULTS);
  const dir = fs.get(directory);
  if (!dir) throw new HttpError(404, "PathNotFound", "The specified path does not exist.");
  if (!dir.isDir) throw new HttpError(400, "InvalidDirectory", "The directory parameter names a file.");
  let from: string[] | undefined;
  const token = query.get("continuation");
  if (token) {
    const t = decodeToken(token);
    if (t.kind !== "list" || t.base !== directory || t.recursive !== recursive) {
      throw new HttpError(400, "InvalidQueryParameterValue", "The continuation token does not belong to this listing.");
    }
    from = t.next;
  }
  const iter: Iterator<WalkItem> = recursive ? descendants(dir, directory, from) : children(dir, directory, from);
  const paths: Record<string, string>[] = [];
  let item = iter.next();
  while (!item.done && paths.length < maxResults) {
    paths.push(listEntry(item.value));
    item = iter.next();
  }
  if (!item.done) {
    const rel = splitPath(item.value.path).slice(splitPath(directory).length);
    const next = token && repeatContinuation ? token : encodeToken({ kind: "list", base: directory, recursive, next: rel });
    ctx.res.setHeader("x-ms-continuation", next);
  }
  ctx.touched = paths.length;
  sendJson(ctx.res, { paths });
  return 200;
}

function* children(dir: PathNode, prefix: string, from?: string[]): Generator<WalkItem> {
  const start = from && from.length > 0 ? from[0] : "";
  for (const name of dir.names()) {
    if (name < start) continue;
    yield { path: prefix === "" ? name : `${prefix}/${name}`, node: dir.children!.get(name)! };
  }
}

function listEntry({ path, node }: WalkItem): Record<string, string> {
  const e: Record<string, string> = {
    name: path,
    lastModified: new Date(node.lastModified).toUTCString(),
    etag: node.etag.replace(/"/g, ""),
    contentLength: String(node.content.length),
    owner: node.owner,
    group: node.group,
    permissions: node.permissions,
    // Windows file time (100 ns ticks since 1601), as the service reports it.
    creationTime: String(node.created * 10000 + 116444736000000000),
    expiryTime: "0",
  };
  if (node.isDir) e.isDirectory = "true";
  return e;
}
