import type { TokenCredential } from "@azure/core-auth";
import pLimit from "p-limit";
import type { RetryOptions } from "../lib/retry";
import { DEFAULT_LIST_CONCURRENCY, DirectoryPage, FetchContext, listByDirectory } from "./byDirectory";
import { getJson, HttpError } from "./http";
import { ListOptions, PathEntry, SourceError, SourceReader } from "./types";

/** Token audience of the Gen1 data plane. */
export const GEN1_SCOPE = "https://datalake.azure.net/.default";
const API_VERSION = "2018-09-01";

export interface Gen1Options {
  /** https://<account>.azuredatalakestore.net, or a test server. */
  accountUrl: string;
  /** Folder to list, e.g. "/raw" ("/" for the whole account). */
  root: string;
  credential: TokenCredential;
  /** The URI as the user wrote it, for messages. */
  describe: string;
  /** Entries per LISTSTATUS page (the service caps it; default 4000). */
  listSize?: number;
  /** Parallel GETACLSTATUS requests when ACLs are read. */
  aclConcurrency?: number;
  retry?: RetryOptions;
  /** Folders listed at once at most (adaptive below it, see listByDirectory), 1-256. Default 64. */
  maxConcurrency?: number;
}

interface FileStatus {
  pathSuffix: string;
  type: "FILE" | "DIRECTORY";
  length: number;
  modificationTime: number;
  owner: string;
  group: string;
  permission: string;
}

/**
 * Walks a Gen1 account over WebHDFS, many folders at once (listByDirectory:
 * a bounded queue of folders, LISTSTATUS pages under an adaptive limit), so
 * memory holds a few pages plus the folders still to visit, never the whole
 * listing. Entries come in no particular order across folders.
 */
export class Gen1Reader implements SourceReader {
  readonly describe: string;
  private token?: { value: string; expires: number };

  constructor(private readonly opts: Gen1Options) {
    this.describe = opts.describe;
  }

  async *list(listOpts: ListOptions = {}): AsyncIterable<PathEntry> {
    const root = `/${this.opts.root.split("/").filter(Boolean).join("/")}`;
    const signal = listOpts.signal;
    const top = await this.call(root, "GETFILESTATUS", {}, { signal }).catch((err: unknown) => {
      if (err instanceof HttpError && err.status === 404) throw new SourceError(`${this.describe}: folder ${root} does not exist`);
      throw err;
    });
    if ((top as { FileStatus?: FileStatus }).FileStatus?.type !== "DIRECTORY") throw new SourceError(`${this.describe}: ${root} is not a folder`);

    const absolute = (rel: string) => (rel === "" ? root : `${root === "/" ? "" : root}/${rel}`);
    const limit = pLimit(this.opts.aclConcurrency ?? 16);
    const pages = listByDirectory("", (rel, after, ctx) => this.page(absolute(rel), rel, after, ctx), {
      maxConcurrency: this.opts.maxConcurrency ?? DEFAULT_LIST_CONCURRENCY,
      abortSignal: signal,
      onRepeatedToken: (rel, token) =>
        new SourceError(`${this.describe}: LISTSTATUS ${absolute(rel)}: the service returned a token it returned before ("${token}"); stopped instead of listing forever`),
    });
    for await (const entries of pages) {
      if (listOpts.acls) {
        await Promise.all(entries.map((e) => limit(async () => (e.acl = await this.acl(`${root === "/" ? "" : root}/${e.path}`, signal)))));
      }
      yield* entries;
    }
  }

  /**
   * One LISTSTATUS page of `dir` (`rel` below the root), retried by getJson
   * (which tells the listing's concurrency about throttling).
   * Bounded: listByDirectory refuses a token seen before in the same
   * folder's listing (a cycle A→B→A would otherwise list forever).
   */
  private async page(dir: string, rel: string, after: string | undefined, ctx: FetchContext): Promise<DirectoryPage<PathEntry>> {
    const listSize = this.opts.listSize ?? 4000;
    const body = (await this.call(dir, "LISTSTATUS", { listSize: String(listSize), ...(after ? { listAfter: after } : {}) }, ctx)) as {
      FileStatuses?: { FileStatus?: FileStatus[]; continuationToken?: string };
    };
    const page = body.FileStatuses?.FileStatus;
    if (!Array.isArray(page)) throw new SourceError(`${this.describe}: LISTSTATUS ${dir} returned no FileStatuses`);
    const entries = page.map((s) => toEntry(rel === "" ? s.pathSuffix : `${rel}/${s.pathSuffix}`, s));
    const token = body.FileStatuses?.continuationToken;
    // api-version 2018-09-01 says where to continue. Older responses say nothing, and the
    // service may cap a page below listSize, so a short page is no proof of the end: only
    // an empty page is.
    const next = typeof token === "string" ? token : (page[page.length - 1]?.pathSuffix ?? "");
    return { entries, subdirectories: entries.filter((e) => e.type === "directory").map((e) => e.path), continuation: next || undefined };
  }

  private async acl(path: string, signal: AbortSignal | undefined): Promise<string> {
    const body = (await this.call(path, "GETACLSTATUS", {}, { signal })) as { AclStatus?: { entries?: string[] } };
    return (body.AclStatus?.entries ?? []).join(",");
  }

  private async call(path: string, op: string, params: Record<string, string>, ctx: Partial<FetchContext> = {}): Promise<unknown> {
    const url = new URL(`${this.opts.accountUrl.replace(/\/+$/, "")}/webhdfs/v1${path.split("/").map(encodeURIComponent).join("/")}`);
    url.searchParams.set("op", op);
    url.searchParams.set("api-version", API_VERSION);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const headers = { Authorization: `Bearer ${await this.bearer()}` };
    try {
      return await getJson(url.toString(), headers, this.describe, { ...this.opts.retry, ...ctx });
    } catch (err) {
      if (err instanceof HttpError && (err.status === 401 || err.status === 403)) {
        throw new SourceError(
          `${err.message}\n  the signed-in identity needs read+execute ACLs on every folder under ${this.opts.root} (and Reader on the account); check \`az login\` / AZURE_* variables`,
        );
      }
      throw err;
    }
  }

  private async bearer(): Promise<string> {
    if (this.token && this.token.expires > Date.now() + 120_000) return this.token.value;
    let got;
    try {
      got = await this.opts.credential.getToken(GEN1_SCOPE);
    } catch (err) {
      throw new SourceError(`${this.describe}: cannot get an Entra ID token for ${GEN1_SCOPE}: ${(err as Error).message.split("\n")[0]}`);
    }
    if (!got) throw new SourceError(`${this.describe}: no Entra ID token for ${GEN1_SCOPE}`);
    this.token = { value: got.token, expires: got.expiresOnTimestamp };
    return got.token;
  }
}

function toEntry(path: string, s: FileStatus): PathEntry {
  const dir = s.type === "DIRECTORY";
  return {
    path,
    type: dir ? "directory" : "file",
    size: dir ? 0 : Number(s.length ?? 0),
    modified: Number(s.modificationTime ?? NaN),
    owner: s.owner ?? "",
    group: s.group ?? "",
    permissions: s.permission ?? "",
  };
}
