import type { TokenCredential } from "@azure/core-auth";
import {
  HttpClient,
  Pipeline,
  PipelineResponse,
  RestError,
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createEmptyPipeline,
  createHttpHeaders,
  createPipelineRequest,
} from "@azure/core-rest-pipeline";
import { storageSharedKeyCredentialPolicy } from "@azure/storage-common";
import { isLoopbackUrl } from "../lib/emulatorAuth";

/** An account key, for Shared Key signing (storage account keys, the test servers' dev account). */
export interface SharedKey {
  accountName: string;
  /** Base64, as the portal and `az storage account keys list` show it. */
  accountKey: string;
}

export type DfsCredential = TokenCredential | SharedKey;

export function isSharedKey(c: DfsCredential): c is SharedKey {
  return typeof (c as SharedKey).accountKey === "string";
}

/**
 * One path of a Path - List answer, as the service sends it. Every value is
 * a string: the recorded live responses in azure-sdk-for-js
 * (sdk/storage/storage-file-datalake/recordings, e.g. `"contentLength":"0",
 * "isDirectory":"true","lastModified":"Wed, 22 Feb 2023 02:41:28 GMT"`) show
 * numbers and booleans quoted, and `isDirectory` absent on files.
 */
export interface ListedPath {
  name?: string;
  isDirectory?: string | boolean;
  contentLength?: string | number;
  lastModified?: string;
  owner?: string;
  group?: string;
  permissions?: string;
}

export interface ListPage {
  paths: ListedPath[];
  /** x-ms-continuation; absent on the last page. */
  continuation?: string;
}

export interface ListRequest {
  /** Folder inside the filesystem, "" for its root. */
  directory: string;
  recursive: boolean;
  continuation?: string;
  /** 1-5000 (the service lowers anything above 5000). */
  maxResults: number;
  abortSignal?: AbortSignal;
}

/** The service version of the requests, the one @azure/storage-file-datalake 12.31 sends (its SERVICE_VERSION). */
const SERVICE_VERSION = "2026-06-06";
const STORAGE_SCOPE = "https://storage.azure.com/.default";

/**
 * Path - List over HTTP, answers parsed with JSON.parse and nothing else.
 * Why not the SDK's listPaths: its response deserializer (core-client's
 * mapper walk, plus toPermissions building a RangeError per path) costs
 * ~40 µs of CPU per path here, which at 5 000 paths a page made a
 * by-directory listing CPU-bound on the client long before the service's
 * limits. Auth is the SDK's own: the Shared Key policy of
 * @azure/storage-common or a bearer token for storage.azure.com; retries are
 * the caller's (scripts/lib/retry.ts), so throttling reaches its limiter.
 * REST: learn.microsoft.com/rest/api/storageservices/datalakestoragegen2/path/list
 * (GET {filesystem}?resource=filesystem&directory=&recursive=&maxResults=&continuation=).
 */
export class DfsListClient {
  private readonly pipeline: Pipeline;
  private readonly http: HttpClient = createDefaultHttpClient();
  private readonly base: string;
  /** Plain http only to this machine (the emulators); anywhere else the pipeline refuses it. */
  private readonly insecure: boolean;

  constructor(accountUrl: string, filesystem: string, credential: DfsCredential) {
    this.insecure = accountUrl.startsWith("http:") && isLoopbackUrl(accountUrl);
    this.base = `${accountUrl.replace(/\/+$/, "")}/${encodeURIComponent(filesystem)}`;
    this.pipeline = createEmptyPipeline();
    this.pipeline.addPolicy(
      isSharedKey(credential)
        ? storageSharedKeyCredentialPolicy({ accountName: credential.accountName, accountKey: Buffer.from(credential.accountKey, "base64") })
        : bearerTokenAuthenticationPolicy({ credential, scopes: STORAGE_SCOPE }),
    );
  }

  async list(req: ListRequest): Promise<ListPage> {
    const query = new URLSearchParams({ resource: "filesystem", recursive: String(req.recursive), maxResults: String(req.maxResults) });
    if (req.directory !== "") query.set("directory", req.directory);
    if (req.continuation) query.set("continuation", req.continuation);
    const request = createPipelineRequest({
      url: `${this.base}?${query.toString().replace(/\+/g, "%20")}`,
      method: "GET",
      headers: createHttpHeaders({ "x-ms-version": SERVICE_VERSION, accept: "application/json" }),
      abortSignal: req.abortSignal,
      allowInsecureConnection: this.insecure,
    });
    const res = await this.pipeline.sendRequest(this.http, request);
    const text = res.bodyAsText ?? "";
    if (res.status < 200 || res.status >= 300) throw failure(res.status, text, res);
    const body = (text === "" ? {} : JSON.parse(text)) as { paths?: ListedPath[] };
    return { paths: body.paths ?? [], continuation: res.headers.get("x-ms-continuation") || undefined };
  }
}

/** A failed answer as the SDK would raise it: status, the service's error code (x-ms-error-code or the JSON body), its message. */
function failure(status: number, text: string, response: PipelineResponse): RestError {
  let code = response.headers.get("x-ms-error-code");
  let message = text.slice(0, 200) || `HTTP ${status}`;
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    code ??= body.error?.code;
    message = body.error?.message?.split("\n")[0] ?? message;
  } catch {
    // Not JSON (a proxy's page): keep the text.
  }
  return new RestError(message, { statusCode: status, code, response });
}
