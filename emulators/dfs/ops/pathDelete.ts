import { HttpError, RequestContext } from "../http";
import { pathOrThrow } from "../state";
import type { Filesystem } from "../tree";

/** Path Delete: a non-empty directory needs recursive=true; the root cannot be deleted. */
export function deletePath(ctx: RequestContext, fs: Filesystem, path: string): number {
  if (path === "") throw new HttpError(400, "InvalidUri", "The root directory cannot be deleted.");
  const node = pathOrThrow(fs, path);
  if (node.isDir && node.children!.size > 0 && ctx.query.get("recursive") !== "true") {
    throw new HttpError(409, "DirectoryNotEmpty", "The recursive query parameter value must be true to delete a non-empty directory.");
  }
  const { parent, name } = fs.parentOf(path);
  parent!.remove(name);
  return 200;
}
