import { AclEntry, AclSyntaxError, parseAclList, parseMode } from "../posixAcl";
import { HttpError } from "../http";

/**
 * Parses an x-ms-acl header. A syntax error is 400 with the service's own
 * (misspelt) code "InvaldAccessControlList" and message "The access control
 * list value is invalid.", as azure-sdk-for-net's recorded tests assert
 * (sdk/storage/Azure.Storage.Files.DataLake/tests, FileClientTests and
 * DirectoryClientTests SetAccessControlAsync_Error, acl "asdf").
 */
export function parseAclOrThrow(text: string, withPerms: boolean): AclEntry[] {
  try {
    return parseAclList(text, withPerms);
  } catch (err) {
    if (err instanceof AclSyntaxError) throw new HttpError(400, "InvaldAccessControlList", `The access control list value is invalid. (${err.message})`);
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
