import { createHmac, timingSafeEqual } from "crypto";
import type { IncomingHttpHeaders } from "http";

/**
 * Shared Key verification for the Blob, Queue, File and Data Lake (dfs)
 * services, per "Authorize with Shared Key" (learn.microsoft.com/rest/api/
 * storageservices/authorize-with-shared-key): the dfs endpoint uses the same
 * string-to-sign as Blob.
 *
 *   VERB \n Content-Encoding \n Content-Language \n Content-Length (empty when 0) \n
 *   Content-MD5 \n Content-Type \n Date \n If-Modified-Since \n If-Match \n
 *   If-None-Match \n If-Unmodified-Since \n Range \n
 *   CanonicalizedHeaders (x-ms-* lowercased, sorted, "name:value\n")
 *   CanonicalizedResource ("/" account + URL path, then "\nname:value" per
 *   query parameter, names lowercased and sorted, values URL-decoded)
 *
 * Path-style (emulator) URLs keep the account in the path, so the resource
 * reads /devstoreaccount1/devstoreaccount1/<fs>/<path>.
 */
export function expectedSignature(opts: {
  accountName: string;
  accountKey: string;
  method: string;
  rawUrl: string;
  headers: IncomingHttpHeaders;
}): string {
  const h = (name: string): string => {
    const v = opts.headers[name];
    return Array.isArray(v) ? v.join(",") : (v ?? "");
  };
  const contentLength = h("content-length") === "0" ? "" : h("content-length");
  const lines = [
    opts.method.toUpperCase(),
    h("content-encoding"),
    h("content-language"),
    contentLength,
    h("content-md5"),
    h("content-type"),
    h("date"),
    h("if-modified-since"),
    h("if-match"),
    h("if-none-match"),
    h("if-unmodified-since"),
    h("range"),
  ];
  const msHeaders = Object.keys(opts.headers)
    .filter((k) => k.startsWith("x-ms-"))
    .sort(compareHeaderNames)
    .map((k) => `${k}:${h(k).trimStart()}\n`)
    .join("");

  const qIndex = opts.rawUrl.indexOf("?");
  const path = qIndex === -1 ? opts.rawUrl : opts.rawUrl.slice(0, qIndex);
  let resource = `/${opts.accountName}${path || "/"}`;
  if (qIndex !== -1) {
    const params = new Map<string, string[]>();
    for (const part of opts.rawUrl.slice(qIndex + 1).split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const name = decodeURIComponent(eq === -1 ? part : part.slice(0, eq)).toLowerCase();
      const value = eq === -1 ? "" : decodeURIComponent(part.slice(eq + 1));
      params.set(name, [...(params.get(name) ?? []), value]);
    }
    for (const name of [...params.keys()].sort()) {
      resource += `\n${name}:${params.get(name)!.sort().join(",")}`;
    }
  }
  const stringToSign = `${lines.join("\n")}\n${msHeaders}${resource}`;
  return createHmac("sha256", Buffer.from(opts.accountKey, "base64")).update(stringToSign, "utf8").digest("base64");
}

/**
 * The service orders canonicalized headers with a collation in which '-' is
 * ignored at the first level (the SDKs ship the same table); for header names
 * made of lowercase letters, digits and hyphens that is: compare without
 * hyphens first, then ordinally.
 */
function compareHeaderNames(a: string, b: string): number {
  const a1 = a.replace(/-/g, "");
  const b1 = b.replace(/-/g, "");
  if (a1 !== b1) return a1 < b1 ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when the Authorization header carries a valid SharedKey signature for the account. */
export function verifySharedKey(opts: {
  accountName: string;
  accountKey: string;
  method: string;
  rawUrl: string;
  headers: IncomingHttpHeaders;
}): boolean {
  const auth = opts.headers.authorization;
  const prefix = `SharedKey ${opts.accountName}:`;
  if (typeof auth !== "string" || !auth.startsWith(prefix)) return false;
  const given = Buffer.from(auth.slice(prefix.length), "base64");
  const wanted = Buffer.from(expectedSignature(opts), "base64");
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
