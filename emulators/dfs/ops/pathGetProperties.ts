import { formatAcl } from "../posixAcl";
import type { RequestContext } from "../http";
import { pathOrThrow } from "../state";
import type { Filesystem } from "../tree";

/** Path Get Properties action=getAccessControl. */
export function getAccessControl(ctx: RequestContext, fs: Filesystem, path: string): number {
  const node = pathOrThrow(fs, path);
  const { res } = ctx;
  res.setHeader("ETag", node.etag);
  res.setHeader("Last-Modified", new Date(node.lastModified).toUTCString());
  res.setHeader("x-ms-owner", node.owner);
  res.setHeader("x-ms-group", node.group);
  res.setHeader("x-ms-permissions", node.permissions);
  res.setHeader("x-ms-acl", formatAcl(node.acl));
  return 200;
}

/** Path Get Properties (no action, or action=getStatus), also the headers of a Read. */
export function pathProperties(ctx: RequestContext, fs: Filesystem, path: string): number {
  const node = pathOrThrow(fs, path);
  const { res } = ctx;
  res.setHeader("Last-Modified", new Date(node.lastModified).toUTCString());
  res.setHeader("ETag", node.etag);
  res.setHeader("Content-Length", String(node.content.length));
  res.setHeader("Content-Type", "application/octet-stream");
  if (node.contentMd5) res.setHeader("Content-MD5", node.contentMd5.toString("base64"));
  res.setHeader("Accept-Ranges", "bytes");
  res.setHeader("x-ms-creation-time", new Date(node.created).toUTCString());
  res.setHeader("x-ms-blob-type", "BlockBlob");
  res.setHeader("x-ms-lease-status", "unlocked");
  res.setHeader("x-ms-lease-state", "available");
  res.setHeader("x-ms-server-encrypted", "true");
  res.setHeader("x-ms-resource-type", node.isDir ? "directory" : "file");
  res.setHeader("x-ms-owner", node.owner);
  res.setHeader("x-ms-group", node.group);
  res.setHeader("x-ms-permissions", node.permissions);
  if (node.isDir) res.setHeader("x-ms-meta-hdi_isfolder", "true");
  for (const [k, v] of Object.entries(node.metadata ?? {})) res.setHeader(`x-ms-meta-${k}`, v);
  return 200;
}
