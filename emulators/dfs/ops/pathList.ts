import { HttpError, RequestContext, sendBody } from "../http";
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
  const paths: string[] = [];
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
  sendBody(ctx.res, "application/json;charset=utf-8", `{"paths":[${paths.join(",")}]}`);
  return 200;
}

function* children(dir: PathNode, prefix: string, from?: string[]): Generator<WalkItem> {
  const start = from && from.length > 0 ? from[0] : "";
  for (const name of dir.names()) {
    if (name < start) continue;
    yield { path: prefix === "" ? name : `${prefix}/${name}`, node: dir.children!.get(name)! };
  }
}

/**
 * One path as the service lists it: every value a string, `isDirectory`
 * only on directories, keys in the service's (alphabetical) order but the name first — the
 * recorded live answers in azure-sdk-for-js
 * (sdk/storage/storage-file-datalake/recordings) read
 * `{"contentLength":"0","creationTime":"133215072889667419","etag":"0x8DB147E4CC7FF5B","expiryTime":"0",
 * "group":"$superuser","isDirectory":"true","lastModified":"Wed, 22 Feb 2023 02:41:28 GMT","name":"dir/sub",
 * "owner":"$superuser","permissions":"rwxr-x---"}`. Written as text, not
 * through objects and JSON.stringify: a listing of 1 000 000 paths must cost
 * this server far less than the service time it models.
 */
function listEntry({ path, node }: WalkItem): string {
  return `{"name":${JSON.stringify(path)},${entryFields(node)}`;
}

interface Rendered {
  version: number;
  length: number;
  owner: string;
  group: string;
  permissions: string;
  text: string;
}

const rendered = new WeakMap<PathNode, Rendered>();

/**
 * The entry's fields but its name, rendered once per state of the node:
 * everything that changes them (writes, touch, chmod, chown, ACLs) changes
 * the version, length, owner, group or permissions compared here.
 */
function entryFields(node: PathNode): string {
  const permissions = node.permissions;
  const r = rendered.get(node);
  if (r && r.version === node.version && r.length === node.content.length && r.owner === node.owner && r.group === node.group && r.permissions === permissions) return r.text;
  // Windows file time (100 ns ticks since 1601), as the service reports it.
  const created = node.created * 10000 + 116444736000000000;
  const dir = node.isDir ? `"isDirectory":"true",` : "";
  const text =
    `"contentLength":"${node.content.length}","creationTime":"${created}","etag":"0x${node.version.toString(16).toUpperCase()}","expiryTime":"0",` +
    `"group":${JSON.stringify(node.group)},${dir}"lastModified":"${httpDate(node.lastModified)}",` +
    `"owner":${JSON.stringify(node.owner)},"permissions":"${permissions}"}`;
  rendered.set(node, { version: node.version, length: node.content.length, owner: node.owner, group: node.group, permissions, text });
  return text;
}

let lastDate = { ms: NaN, text: "" };

/** RFC 1123 date, whole seconds; paths created together share one, so the last one is reused. */
function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastDate.ms) lastDate = { ms: second, text: new Date(second * 1000).toUTCString() };
  return lastDate.text;
}
