import { AclEntry, AclSyntaxError, parseAclList, parseMode } from "../posixAcl";
import { HttpError } from "../http";

/** Parses an x-ms-acl header; a syntax error is the service's 400. */
export function parseAclOrThrow(text: string, withPerms: boolean): AclEntry[] {
  try {
    return parseAclList(text, withPerms);
  } catch (err) {
    if (err instanceof AclSyntaxError) throw new HttpError(400, "InvalidAccessControlList", err.message);
    throw err;
  }
}

/** Parses an x-ms-permissions / x-ms-umask header. */
export function parseModeOrThrow(text: string): number {
  try {
    return parseMode(text);
  } catch (err) {
    throw new HttpError(400, "InvalidPermission", (err as Error).message);
  }
}
