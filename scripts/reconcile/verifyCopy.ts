import type { DataLakeServiceClient } from "@azure/storage-file-datalake";
import pLimit from "p-limit";
import { type RetryOptions, errorReason, withRetry } from "../lib/retry";
import type { CopyTotals } from "./copyActivities";
import type { CopyAction } from "./plan";

/**
 * A Succeeded catch-up run does not mean every listed file reached Gen2:
 * with skipErrorFile (fileMissing, on by default; dataInconsistency) a Copy
 * activity succeeds while skipping files
 * (learn.microsoft.com/azure/data-factory/copy-activity-fault-tolerance,
 * "Copying binary files"). So each listed file is read back from Gen2, one
 * getProperties (HEAD) per file, and counts as copied only when it is there
 * with the size validate saw on Gen1 and, for a stale file (same size, so
 * the size cannot tell), with a Last-Modified past the one validate saw on
 * Gen2: "any operation that modifies the blob [...] changes the
 * last-modified time" (Azure.Storage.Blobs BlobInfo.LastModified,
 * learn.microsoft.com/dotnet/api/azure.storage.blobs.models.blobinfo), and
 * a skipped file keeps its old one. Both times
 * are Gen2's own clock, in whole seconds (RFC 1123 dates, as validate's
 * stale rule, scripts/validate/classify.ts). A file not there or not
 * rewritten costs one more request, a Gen1 GETFILESTATUS, to say whether
 * Gen1 still has it.
 */
export interface CopyCheckOptions {
  gen2: DataLakeServiceClient;
  /** Whether a Gen1 path exists now (GETFILESTATUS). */
  gen1Exists: (path: string, signal?: AbortSignal) => Promise<boolean>;
  /** Requests in flight. */
  concurrency: number;
  retry: RetryOptions;
  signal?: AbortSignal;
}

export interface CopyCheck {
  /** Copy action id → why it is not counted as copied. */
  notCopied: Map<string, string>;
  /** Gen2 requests made. */
  requests: number;
}

type Seen = { size: number; modified?: Date } | { missing: true } | { error: string };

export async function checkCopied(files: CopyAction[], runId: string, totals: CopyTotals, opts: CopyCheckOptions): Promise<CopyCheck> {
  const limit = pLimit(opts.concurrency);
  const check = { requests: 0 };
  const skipped = totals.filesSkipped > 0 ? `, whose Copy activities skipped ${totals.filesSkipped} file(s) (filesSkipped)` : "";
  const after = `after catch-up run ${runId}${skipped}`;
  const notCopied = new Map<string, string>();
  const gen1 = async (f: CopyAction) =>
    (await opts.gen1Exists(f.gen1Path, opts.signal)) ? "Gen1 still has it: reconcile --resume lists it for a new catch-up run" : "Gen1 no longer has it (deleted since validate listed it): validate again";
  await Promise.all(
    files.map((f) =>
      limit(async () => {
        const s = await onGen2(f, opts, check);
        if ("error" in s) notCopied.set(f.id, `could not be read back from Gen2 ${after}: ${s.error}; run reconcile --resume to check again`);
        else if ("missing" in s) notCopied.set(f.id, `not on Gen2 ${after}; ${await gen1(f)}`);
        else if (s.size !== f.sourceSize) {
          notCopied.set(f.id, `${s.size} bytes on Gen2 ${after}, not the ${f.sourceSize} bytes validate saw on Gen1: changed on Gen1 since, or skipped by the copy; validate again`);
        } else if (f.staleModified && !movedPast(s.modified, f.staleModified)) {
          notCopied.set(f.id, `not rewritten on Gen2 ${after}: its Last-Modified is still ${s.modified?.toISOString() ?? "absent"} (validate saw ${f.staleModified}), so it holds the old bytes; ${await gen1(f)}`);
        }
      }),
    ),
  );
  return { notCopied, requests: check.requests };
}

const seconds = (ms: number) => Math.floor(ms / 1000);
const movedPast = (now: Date | undefined, before: string) => now !== undefined && seconds(now.getTime()) > seconds(Date.parse(before));

async function onGen2(f: CopyAction, opts: CopyCheckOptions, check: { requests: number }): Promise<Seen> {
  const file = opts.gen2.getFileSystemClient(f.filesystem).getFileClient(f.gen2Path);
  try {
    const props = await withRetry((abortSignal) => {
      check.requests++;
      return file.getProperties({ abortSignal });
    }, { ...opts.retry, signal: opts.signal });
    return { size: props.contentLength ?? 0, modified: props.lastModified };
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    if ((err as { statusCode?: number }).statusCode === 404) return { missing: true };
    return { error: errorReason(err) };
  }
}
