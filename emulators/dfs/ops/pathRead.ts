import { HttpError, RequestContext, sendBody } from "../http";
import { pathOrThrow } from "../state";
import type { Filesystem } from "../tree";
import { pathProperties } from "./pathGetProperties";

/** Path Read (GET), whole or one `bytes=start-[end]` range. */
export function readPath(ctx: RequestContext, fs: Filesystem, path: string): number {
  const node = pathOrThrow(fs, path);
  const { req, res } = ctx;
  pathProperties(ctx, fs, path);
  const range = (req.headers["x-ms-range"] ?? req.headers.range) as string | undefined;
  const total = node.content.length;
  const m = range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
  if (m) {
    const start = Number(m[1]);
    const end = m[2] === "" ? total - 1 : Math.min(Number(m[2]), total - 1);
    if (start >= total && total > 0) throw new HttpError(416, "InvalidRange", "The range specified is invalid for the current size of the resource.");
    res.setHeader("Content-Range", `bytes ${start}-${Math.max(start, end)}/${total}`);
    sendBody(res, "application/octet-stream", node.content.subarray(start, end + 1));
    return 206;
  }
  sendBody(res, "application/octet-stream", node.content);
  return 200;
}
