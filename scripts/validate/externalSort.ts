import { createReadStream, createWriteStream, mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { finished } from "stream/promises";
import { PathEntry } from "../sources/types";

/**
 * External sort of a listing by path. Gen1 walks folder by folder and Gen2
 * lists depth-first, and neither order is a plain string order ("a/b" vs
 * "a-c"), so both sides are brought into one order before the merge-join.
 * At most `runSize` records are in memory: full runs are sorted and spilled
 * to a temp file, then all runs are merged k-way while the comparison reads.
 *
 * A record is one line: JSON-encoded path, a tab, then the compared fields as
 * a JSON array. JSON strings never contain a raw tab, so the key is the text
 * before the first tab, and equal keys mean equal paths.
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
export type Fields = [type: "f" | "d", size: number, owner: string, group: string, permissions: string, acl: string | null];

/** Without `withAcl`, owner/group/permissions are left out so equal paths compare as equal lines. */
export function encode(e: PathEntry, withAcl: boolean): SortRecord {
  const key = JSON.stringify(e.path);
  const fields: Fields = withAcl
    ? [e.type === "directory" ? "d" : "f", e.size, e.owner, e.group, e.permissions, e.acl ?? null]
    : [e.type === "directory" ? "d" : "f", e.size, "", "", "", null];
  return { key, line: `${key}\t${JSON.stringify(fields)}` };
}

export function decode(rec: SortRecord): { path: string; fields: Fields } {
  return { path: JSON.parse(rec.key) as string, fields: JSON.parse(rec.line.slice(rec.key.length + 1)) as Fields };
}

const byKey = (a: SortRecord, b: SortRecord): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

export async function externalSort(
  entries: AsyncIterable<PathEntry>,
  opts: { runSize: number; withAcl: boolean; tmpDir?: string; onEntry?: () => void },
): Promise<SortedListing> {
  let dir: string | undefined;
  const runs: string[] = [];
  let buffer: SortRecord[] = [];
  let count = 0;

  const spill = async (): Promise<void> => {
    buffer.sort(byKey);
    dir ??= mkdtempSync(path.join(opts.tmpDir ?? tmpdir(), "adls-validate-"));
    const file = path.join(dir, `run-${runs.length}.txt`);
    const out = createWriteStream(file, { highWaterMark: 1 << 20 });
    // Batches of lines keep the write calls few without building one huge string.
    for (let i = 0; i < buffer.length; i += 2000) {
      const chunk = `${buffer.slice(i, i + 2000).map((r) => r.line).join("\n")}\n`;
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    }
    out.end();
    await finished(out);
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
  } catch (err) {
    if (dir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  if (runs.length > 0 && buffer.length > 0) await spill();
  else buffer.sort(byKey);
  const inMemory = runs.length === 0 ? buffer : [];

  return {
    count,
    batches: () => (runs.length === 0 ? fromArray(inMemory) : merge(runs)),
    dispose: () => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function* fromArray(records: SortRecord[]): AsyncIterable<SortRecord[]> {
  for (let i = 0; i < records.length; i += BATCH) yield records.slice(i, i + BATCH);
}

const BATCH = 4096;

/** k-way merge of sorted run files; k is small (listing size / run size), so a linear scan beats a heap. */
async function* merge(files: string[]): AsyncIterable<SortRecord[]> {
  const cursors = files.map((f) => new RunCursor(f));
  try {
    await Promise.all(cursors.map((c) => c.fill()));
    let out: SortRecord[] = [];
    for (;;) {
      let min: RunCursor | undefined;
      for (const c of cursors) {
        const h = c.head();
        if (h && (!min || h.key < min.head()!.key)) min = c;
      }
      if (!min) break;
      out.push(min.head()!);
      if (!min.advance()) await min.fill();
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

/** Reads a run file in 256 KB chunks, split by hand (readline and per-line awaits are several times slower). */
class RunCursor {
  private readonly chunks: AsyncIterator<string>;
  private readonly stream;
  private lines: string[] = [];
  private i = 0;
  private rest = "";
  private current?: SortRecord;

  constructor(file: string) {
    this.stream = createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 18 });
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
