import { HttpError } from "./http";

/**
 * Continuation tokens are opaque to clients; ours carry the path to resume at
 * (relative to the listing or ACL base), which the tree finds again by binary search.
 */
export interface ContinuationToken {
  kind: "list" | "acl";
  base: string;
  recursive: boolean;
  next: string[];
}

export function encodeToken(t: ContinuationToken): string {
  return Buffer.from(JSON.stringify(t)).toString("base64url");
}

export function decodeToken(s: string): ContinuationToken {
  try {
    const t = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as ContinuationToken;
    if (!Array.isArray(t.next)) throw new Error("bad");
    return t;
  } catch {
    throw new HttpError(400, "InvalidQueryParameterValue", "The continuation token is not valid.");
  }
}
