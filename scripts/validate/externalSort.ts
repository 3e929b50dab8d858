import { createReadStream, createWriteStream, mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { Readable } from "stream";
import { pipeline } from "stream/promises";
import { PathEntry } from "../sources/types";

/**
 * External sort of a listing by path. Gen1 walks folder by folder and Gen2
 * lists depth-first, and neither order is a plain string order ("a/b" vs
 * "a-c"), so both sides are brought into one order before the merge-join.
 * At most `runSize` records are in memory: full runs are sorted and spilled
 * to a temp file, then merged k-way while the comparison reads. No merge
 * opens more than the fan-in (64) runs; more runs are first merged in groups
 * into longer runs, so open files and read buffers stay bounded.
 *
 * A record is one line: JSON-encoded path, a tab, the compared fields as a
 * JSON array, a tab, the modified time (see `encode`). JSON strings never
 * contain a raw tab, so the key is the text before the first tab, and equal
 * keys mean equal paths.
 */
export interface SortedListing {
  count: number;
  /** Records in key order, in batches (one await per batch, not per record, keeps the merge cheap). */
  batches(): AsyncIterable<SortRecord[]>;
  dispose(): void;
}

export interface SortRecord {
  key: string;
  line: string;
}

/** Fields the comparison needs, in record order. */
export type Fields = [
  type: "f" | "d",
  size: number,
  modified: number | null,
  owner: string | null,
  group: string | null,
  permissions: string | null,
  acl: string | null,
];

/**
 * The record text: `<key>\t<JSON [type, size(, owner, group, bits, acl)]>\t<modified ms or "">`.
 * The time comes last, on its own, because it is the one field that differs
 * between a source and its faithful copy: everything before the last tab
 * equal means the same path, type, size and ACL fields (see `sameButTime`).
 * Without `withAcl` owner, group, bits and ACL are left out (decoded as null):
 * they are not compared, and every byte of a record is held in memory
 * run-size times per side.
 */
export function encode(e: PathEntry, withAcl: boolean): SortRecord {
  const key = JSON.stringify(e.path);
  const type = e.type === "directory" ? "d" : "f";
  const fields = withAcl ? [type, e.size, e.owner, e.group, e.permissions, e.acl ?? null] : [type, e.size];
  return { key, line: `${key}\t${JSON.stringify(fields)}\t${Number.isFinite(e.modified) ? e.modified : ""}` };
}

export function decode(rec: SortRecord): { path: string; fields: Fields } {
  const cut = rec.line.lastIndexOf("\t");
  const [type, size, owner = null, group = null, permissions = null, acl = null] = JSON.parse(rec.line.slice(rec.key.length + 1, cut)) as [
    Fields[0], number, string?, string?, string?, (string | null)?,
  ];
  const time = rec.line.slice(cut + 1);
  return { path: JSON.parse(rec.key) as string, fields: [type, size, time === "" ? null : Number(time), owner, group, permissions, acl] };
}

/**
 * For two records of the same key: whether everything but the time is equal,
 * and the times (ms, null when absent) and type, without parsing JSON.
 */
export function sameButTime(a: SortRecord, b: SortRecord): { file: boolean; source: number | null; target: number | null } | undefined {
  const ca = a.line.lastIndexOf("\t");
  const cb = b.line.lastIndexOf("\t");
  if (ca !== cb || !a.line.startsWith(b.line.slice(0, cb))) return undefined;
  const time = (line: string, cut: number): number | null => (cut === line.length - 1 ? null : Number(line.slice(cut + 1)));
  return { file: a.line.charCodeAt(a.key.length + 3) === 102 /* "f" */, source: time(a.line, ca), target: time(b.line, cb) };
}

const byKey = (a: SortRecord, b: SortRecord): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Most run files merged at once: bounds open files and read buffers whatever the listing size. */
export const FAN_IN = 64;

export async function externalSort(
  entries: AsyncIterable<PathEntry>,
  opts: { runSize: number; withAcl: boolean; tmpDir?: string; onEntry?: () => void; fanIn?: number },
): Promise<SortedListing> {
  const fanIn = Math.max(2, opts.fanIn ?? FAN_IN);
  let dir: string | undefined;
  let runs: string[] = [];
  let buffer: SortRecord[] = [];
  let count = 0;
  let files = 0;
  const runFile = (): string => {
    dir ??= mkdtempSync(path.join(opts.tmpDir ?? tmpdir(), "adls-validate-"));
    return path.join(dir, `run-${files++}.txt`);
  };

  const spill = async (): Promise<void> => {
    buffer.sort(byKey);
    const file = runFile();
    await writeRun(file, fromArray(buffer));
    runs.push(file);
    buffer = [];
  };

  try {
    for await (const e of entries) {
      buffer.push(encode(e, opts.withAcl));
      count++;
      opts.onEntry?.();
      if (buffer.length >= opts.runSize) await spill();
    }
    if (runs.length > 0 && buffer.length > 0) await spill();
    // Extra passes merge groups of runs into longer ones until the last merge fits the fan-in.
    while (runs.length > fanIn) {
      const next: string[] = [];
      for (let i = 0; i < runs.length; i += fanIn) {
        const group = runs.slice(i, i + fanIn);
        if (group.length === 1) {
          next.push(group[0]);
          continue;
        }
        const file = runFile();
        await writeRun(file, merge(group));
        for (const f of group) rmSync(f);
        next.push(file);
      }
      runs = next;
    }
  } catch (err) {
    if (dir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  if (runs.length === 0) buffer.sort(byKey);
  const inMemory = runs.length === 0 ? buffer : [];

  return {
    count,
    batches: () => (runs.length === 0 ? fromArray(inMemory) : merge(runs)),
    dispose: () => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function writeRun(file: string, batches: AsyncIterable<SortRecord[]>): Promise<void> {
  await pipeline(Readable.from(joinLines(batches)), createWriteStream(file, { highWaterMark: 1 << 20 }));
}

/** One string per batch keeps the write calls few without building one huge string. */
async function* joinLines(batches: AsyncIterable<SortRecord[]>): AsyncIterable<string> {
  for await (const batch of batches) yield `${batch.map((r) => r.line).join("\n")}\n`;
}

async function* fromArray(records: SortRecord[]): AsyncIterable<SortRecord[]> {
  for (let i = 0; i < records.length; i += BATCH) yield records.slice(i, i + BATCH);
}

const BATCH = 4096;
/** Read buffers of all runs in one merge together stay near this size. */
const MERGE_READ_BYTES = 8 << 20;

/**
 * k-way merge of sorted run files (k <= the fan-in) through a binary min-heap
 * of cursors ordered by their current key: O(log k) per record.
 */
async function* merge(files: string[]): AsyncIterable<SortRecord[]> {
  const chunk = Math.max(16 << 10, Math.min(256 << 10, Math.floor(MERGE_READ_BYTES / files.length)));
  const cursors = files.map((f) => new RunCursor(f, chunk));
  try {
    await Promise.all(cursors.map((c) => c.fill()));
    const heap = cursors.filter((c) => c.head() !== undefined);
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i);
    let out: SortRecord[] = [];
    while (heap.length > 0) {
      const top = heap[0];
      out.push(top.head()!);
      if (!top.advance()) await top.fill();
      if (top.head() === undefined) {
        const last = heap.pop()!;
        if (heap.length > 0) heap[0] = last;
      }
      if (heap.length > 0) siftDown(heap, 0);
      if (out.length === BATCH) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  } finally {
    for (const c of cursors) c.close();
  }
}

function siftDown(heap: RunCursor[], i: number): void {
  const n = heap.length;
  const item = heap[i];
  const key = item.head()!.key;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && heap[child + 1].head()!.key < heap[child].head()!.key) child++;
    if (heap[child].head()!.key >= key) break;
    heap[i] = heap[child];
    i = child;
  }
  heap[i] = item;
}

/** Reads a run file in chunks (256 KB at most), split by hand (readline and per-line awaits are several times slower). */
class RunCursor {
  private readonly chunks: AsyncIterator<string>;
  private readonly stream;
  private lines: string[] = [];
  private i = 0;
  private rest = "";
  private current?: SortRecord;

  constructor(file: string, chunkBytes: number) {
    this.stream = createReadStream(file, { encoding: "utf8", highWaterMark: chunkBytes });
    this.chunks = (this.stream as AsyncIterable<string>)[Symbol.asyncIterator]();
  }

  head(): SortRecord | undefined {
    return this.current;
  }

  /** Moves to the next buffered line; false when the buffer is empty and fill() must be awaited. */
  advance(): boolean {
    this.current = undefined;
    if (this.i < this.lines.length) {
      this.current = toRecord(this.lines[this.i++]);
      return true;
    }
    return false;
  }

  async fill(): Promise<void> {
    while (this.i >= this.lines.length) {
      const r = await this.chunks.next();
      if (r.done) {
        this.lines = this.rest ? [this.rest] : [];
        this.rest = "";
        this.i = 0;
        break;
      }
      this.lines = (this.rest + r.value).split("\n");
      this.rest = this.lines.pop() ?? "";
      this.i = 0;
    }
    this.advance();
  }

  close(): void {
    this.stream.destroy();
  }
}

function toRecord(line: string): SortRecord {
  return { key: line.slice(0, line.indexOf("\t")), line };
}
