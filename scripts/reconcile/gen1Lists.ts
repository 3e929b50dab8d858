import type { TokenCredential } from "@azure/core-auth";
import { type RetryOptions, StatusError, withRetry } from "../lib/retry";
import { GEN1_SCOPE } from "../sources/gen1";

/** Where reconcile puts a catch-up file list: a file in Gen1, the store the copy reads from. */
export interface FileListWriter {
  /** Creates or replaces the file at `path` (absolute Gen1 path) with `text`. */
  write(path: string, text: string, signal?: AbortSignal): Promise<void>;
  /** Whether `path` (absolute Gen1 path) exists now: GETFILESTATUS, 404 is false. */
  exists(path: string, signal?: AbortSignal): Promise<boolean>;
  readonly requests: number;
}

/**
 * Writes file lists into Gen1 over WebHDFS: one `PUT ?op=CREATE&overwrite=true&write=true`
 * with the list as the body, the form the Gen1 SDKs use (write=true avoids
 * the WebHDFS 307 redirect: azure-data-lake-store-java, Core.create). A
 * list is kept under 4 MB (the Gen1 SDKs' largest single write), so one
 * request carries it.
 */
export function gen1FileLists(opts: { accountUrl: string; credential: TokenCredential; retry: RetryOptions }): FileListWriter {
  let requests = 0;
  const base = `${opts.accountUrl.replace(/\/+$/, "")}/webhdfs/v1`;
  return {
    get requests() {
      return requests;
    },
    async write(path, text, signal) {
      const url = `${base}${path.split("/").map(encodeURIComponent).join("/")}?op=CREATE&overwrite=true&write=true`;
      await withRetry(async (abortSignal) => {
        requests++;
        const token = await opts.credential.getToken(GEN1_SCOPE);
        if (!token) throw new Error(`no Entra ID token for ${GEN1_SCOPE}`);
        const res = await fetch(url, { method: "PUT", body: text, headers: { authorization: `Bearer ${token.token}`, "content-type": "application/octet-stream" }, signal: abortSignal });
        if (!res.ok) throw new StatusError(res.status, `Gen1 CREATE ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`, res.headers.get("retry-after") ?? undefined);
      }, { ...opts.retry, signal });
    },
    async exists(path, signal) {
      const url = `${base}${path.split("/").map(encodeURIComponent).join("/")}?op=GETFILESTATUS`;
      return withRetry(async (abortSignal) => {
        requests++;
        const token = await opts.credential.getToken(GEN1_SCOPE);
        if (!token) throw new Error(`no Entra ID token for ${GEN1_SCOPE}`);
        const res = await fetch(url, { headers: { authorization: `Bearer ${token.token}` }, signal: abortSignal });
        if (res.status === 404) return false;
        if (!res.ok) throw new StatusError(res.status, `Gen1 GETFILESTATUS ${path}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`, res.headers.get("retry-after") ?? undefined);
        return true;
      }, { ...opts.retry, signal });
    },
  };
}

/** Largest list file, in bytes. */
export const MAX_LIST_BYTES = 4 * 1024 * 1024;

/**
 * Groups relative paths, as they come, into list texts of at most
 * MAX_LIST_BYTES, one path a line, a new list with each folder: at most one
 * list is held, however many paths there are.
 */
export async function* listTexts(paths: AsyncIterable<{ folder: number; path: string }[]>): AsyncIterable<{ folder: number; text: string }> {
  let folder = -1;
  let current: string[] = [];
  let bytes = 0;
  for await (const batch of paths) {
    for (const p of batch) {
      const n = Buffer.byteLength(p.path) + 1;
      if (current.length > 0 && (p.folder !== folder || bytes + n > MAX_LIST_BYTES)) {
        yield { folder, text: `${current.join("\n")}\n` };
        current = [];
        bytes = 0;
      }
      folder = p.folder;
      current.push(p.path);
      bytes += n;
    }
  }
  if (current.length > 0) yield { folder, text: `${current.join("\n")}\n` };
}
