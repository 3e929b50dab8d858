import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import type { DemoContext } from "./steps";

/**
 * The demo's checks read the emulated lakes back as any client would: Gen1
 * over WebHDFS (OPEN, LISTSTATUS), Gen2 with the real DFS SDK. A missing
 * path reads as its HTTP status, so a check can print what it found.
 */

const gen1Url = (ctx: DemoContext, path: string, op: string): string =>
  `${ctx.session.endpoints.gen1}/webhdfs/v1${path.split("/").map(encodeURIComponent).join("/")}?op=${op}`;

async function gen1Get(ctx: DemoContext, path: string, op: string): Promise<Response> {
  return fetch(gen1Url(ctx, path, op), { headers: { authorization: `Bearer ${ctx.session.rehearsal.gen1.token}` } });
}

/** A Gen1 file's text, or the HTTP status when it cannot be read. */
export async function gen1Text(ctx: DemoContext, path: string): Promise<string | number> {
  const res = await gen1Get(ctx, path, "OPEN&read=true");
  return res.status === 200 ? res.text() : res.status;
}

/** Every file below a Gen1 folder with its modification time (one LISTSTATUS per directory, pages of the server's size followed). */
export async function gen1Files(ctx: DemoContext, folder: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const pending = [folder.replace(/\/+$/, "")];
  // Bounded: one directory per round, and a lake of the demo's has far fewer.
  for (let round = 0; pending.length > 0 && round < 100_000; round++) {
    const dir = pending.pop()!;
    let after = "";
    for (let page = 0; page < 10_000; page++) {
      const res = await gen1Get(ctx, dir, `LISTSTATUS${after ? `&listAfter=${encodeURIComponent(after)}` : ""}`);
      if (!res.ok) throw new Error(`Gen1 LISTSTATUS ${dir}: HTTP ${res.status}`);
      const body = (await res.json()) as { FileStatuses: { FileStatus: { pathSuffix: string; type: string; modificationTime: number }[]; continuationToken?: string } };
      for (const s of body.FileStatuses.FileStatus) {
        if (s.type === "DIRECTORY") pending.push(`${dir}/${s.pathSuffix}`);
        else out.set(`${dir}/${s.pathSuffix}`, s.modificationTime);
      }
      after = body.FileStatuses.continuationToken ?? "";
      if (after === "" || body.FileStatuses.FileStatus.length === 0) break;
    }
  }
  return out;
}

function gen2Client(ctx: DemoContext): DataLakeServiceClient {
  const { url, accountName, accountKey } = ctx.session.rehearsal.dfs;
  return new DataLakeServiceClient(url, new StorageSharedKeyCredential(accountName, accountKey));
}

/** A Gen2 file's text, or the HTTP status when it cannot be read. */
export async function gen2Text(ctx: DemoContext, filesystem: string, path: string): Promise<string | number> {
  try {
    return (await gen2Client(ctx).getFileSystemClient(filesystem).getFileClient(path).readToBuffer()).toString();
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status === undefined) throw err;
    return status;
  }
}
