import { applyAcl } from "../posixAcl";
import { HttpError, RequestContext, metadataFrom } from "../http";
import { DEFAULT_UMASK, Filesystem } from "../tree";
import { parseAclOrThrow, parseModeOrThrow } from "./aclHeaders";

/** Path Create (PUT ?resource=file|directory): parents are created implicitly; rename is not modelled. */
export function createPath(ctx: RequestContext, fs: Filesystem, path: string): number {
  const { req, res, query } = ctx;
  const resource = query.get("resource");
  if (resource !== "file" && resource !== "directory") {
    throw new HttpError(400, "InvalidQueryParameterValue", "resource must be file or directory (other PUTs are not supported by the test server)");
  }
  if (req.headers["x-ms-rename-source"]) throw new HttpError(400, "UnsupportedOperation", "rename is not supported by the test server");
  if (path === "") throw new HttpError(409, "PathAlreadyExists", "The root directory always exists.");
  const existing = fs.get(path);
  if (existing && req.headers["if-none-match"] === "*") throw new HttpError(409, "PathAlreadyExists", "The specified path already exists.");
  const isDir = resource === "directory";
  const perms = req.headers["x-ms-permissions"];
  const umaskHeader = req.headers["x-ms-umask"];
  const mode = typeof perms === "string" ? parseModeOrThrow(perms) : isDir ? 0o777 : 0o666;
  const umask = typeof umaskHeader === "string" ? parseModeOrThrow(umaskHeader) : DEFAULT_UMASK;
  const node = fs.create(path, isDir, mode, umask);
  if (node === "conflict") throw new HttpError(409, "PathConflict", "A parent of the path is a file, or the path exists with the other resource type.");
  if (typeof req.headers["x-ms-owner"] === "string") node.owner = req.headers["x-ms-owner"];
  if (typeof req.headers["x-ms-group"] === "string") node.group = req.headers["x-ms-group"];
  if (typeof req.headers["x-ms-acl"] === "string") {
    const result = applyAcl(node.acl, parseAclOrThrow(req.headers["x-ms-acl"], true), "set", isDir);
    if (result.error) throw new HttpError(400, "InvalidAccessControlList", result.error);
    node.acl = result.acl;
  }
  node.metadata = metadataFrom(req);
  ctx.touched = 1;
  res.setHeader("ETag", node.etag);
  res.setHeader("Last-Modified", new Date(node.lastModified).toUTCString());
  res.setHeader("x-ms-request-server-encrypted", "true");
  return 201;
}
