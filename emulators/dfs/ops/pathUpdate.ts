import { STICKY_BIT, aclWithMode, applyAcl } from "../posixAcl";
import { HttpError, RequestContext } from "../http";
import { pathOrThrow, type DfsState } from "../state";
import type { Filesystem } from "../tree";
import { parseAclOrThrow, parseModeOrThrow } from "./aclHeaders";

/** Path Update action=append: data is held by position until a flush commits it. */
export function append(ctx: RequestContext, fs: Filesystem, path: string): number {
  const node = pathOrThrow(fs, path);
  if (node.isDir) throw new HttpError(400, "InvalidResourceType", "append needs a file");
  const position = Number(ctx.query.get("position"));
  if (!Number.isInteger(position) || position < 0) throw new HttpError(400, "InvalidQueryParameterValue", "position is required");
  node.pending ??= new Map();
  node.pending.set(position, ctx.body);
  ctx.res.setHeader("x-ms-request-server-encrypted", "true");
  return 202;
}

/** Path Update action=flush: commits appended data that continues the file exactly up to `position`. */
export function flush(ctx: RequestContext, fs: Filesystem, path: string): number {
  const node = pathOrThrow(fs, path);
  if (node.isDir) throw new HttpError(400, "InvalidResourceType", "flush needs a file");
  const position = Number(ctx.query.get("position"));
  const parts: Buffer[] = [node.content];
  let length = node.content.length;
  for (const [pos, buf] of [...(node.pending ?? new Map<number, Buffer>()).entries()].sort((a, b) => a[0] - b[0])) {
    if (pos !== length) throw new HttpError(400, "InvalidFlushPosition", `appended data at ${pos} does not continue the file at ${length}`);
    parts.push(buf);
    length += buf.length;
  }
  if (position !== length) throw new HttpError(400, "InvalidFlushPosition", `position ${position} is not the end of the data (${length})`);
  node.content = Buffer.concat(parts);
  node.pending = undefined;
  const md5 = ctx.req.headers["x-ms-content-md5"];
  node.contentMd5 = typeof md5 === "string" ? Buffer.from(md5, "base64") : undefined;
  node.touch(fs.clock());
  ctx.res.setHeader("ETag", node.etag);
  ctx.res.setHeader("Last-Modified", new Date(node.lastModified).toUTCString());
  ctx.res.setHeader("x-ms-request-server-encrypted", "true");
  return 200;
}

/** Path Update action=setAccessControl: x-ms-acl or x-ms-permissions (not both, the sticky bit included), plus owner and group. */
export function setAccessControl(state: DfsState, ctx: RequestContext, fs: Filesystem, path: string): number {
  const { req, res } = ctx;
  const node = pathOrThrow(fs, path);
  if (state.faults.failPaths?.includes(`${fs.name}/${path}`)) {
    throw new HttpError(403, "AuthorizationPermissionMismatch", "This request is not authorized to perform this operation using this permission.");
  }
  const aclHeader = req.headers["x-ms-acl"];
  const permHeader = req.headers["x-ms-permissions"];
  if (typeof aclHeader === "string" && typeof permHeader === "string") {
    throw new HttpError(400, "InvalidInput", "x-ms-acl and x-ms-permissions are mutually exclusive.");
  }
  if (typeof aclHeader === "string") {
    const entries = parseAclOrThrow(aclHeader, true);
    if (!node.isDir && entries.some((e) => e.scope === "default")) {
      throw new HttpError(400, "DefaultAclOnFileNotAllowed", "A default ACL cannot be set on a file.");
    }
    const result = applyAcl(node.acl, entries, "set", node.isDir);
    if (result.error) throw new HttpError(400, "InvalidAccessControlList", result.error);
    node.acl = result.acl;
  } else if (typeof permHeader === "string") {
    const mode = parseModeOrThrow(permHeader);
    node.acl = aclWithMode(node.acl, mode);
    node.sticky = (mode & STICKY_BIT) !== 0;
  }
  if (typeof req.headers["x-ms-owner"] === "string") node.owner = req.headers["x-ms-owner"];
  if (typeof req.headers["x-ms-group"] === "string") node.group = req.headers["x-ms-group"];
  // ACL writes leave ETag and Last-Modified as they were: in the recorded
  // live test "setPermissions" of azure-sdk-for-js (recordings/node/
  // datalakepathclient_nodejs_only/recording_setpermissions.json) the
  // setAccessControl response and the next getAccessControl carry the ETag
  // the preceding flush returned.
  ctx.changed = 1;
  ctx.touched = 1;
  res.setHeader("ETag", node.etag);
  res.setHeader("Last-Modified", new Date(node.lastModified).toUTCString());
  res.setHeader("x-ms-namespace-enabled", "true");
  return 200;
}
