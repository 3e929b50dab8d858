import { closeSync, lstatSync, openSync, readFileSync, readSync, readdirSync } from "fs";
import * as path from "path";

const SKIP_DIRS = new Set(["node_modules", ".git"]);
/** Files larger than this are not code or config; they are reported and left alone. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

export interface Candidate {
  file: string;
  skipped?: string;
}

/** Files under the given paths, depth-first and sorted; node_modules, .git and symlinks are not followed. */
export function* candidates(roots: string[]): Generator<Candidate> {
  for (const root of roots) yield* walk(root);
}

function* walk(p: string): Generator<Candidate> {
  const st = lstatSync(p);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    if (SKIP_DIRS.has(path.basename(p))) return;
    for (const name of readdirSync(p).sort()) yield* walk(path.join(p, name));
    return;
  }
  if (!st.isFile()) return;
  if (st.size > MAX_FILE_BYTES) yield { file: p, skipped: `larger than ${MAX_FILE_BYTES / 1024 / 1024} MB` };
  else if (isBinary(p)) yield { file: p, skipped: "binary" };
  else yield { file: p };
}

/** A NUL byte in the first 8 KB marks a binary file (git uses the same test). */
function isBinary(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(8192);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).includes(0);
  } finally {
    closeSync(fd);
  }
}

// fatal: a lossy decode would write U+FFFD over the undecodable bytes; ignoreBOM: keep a BOM in the text so --write keeps it.
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The file's text, or undefined when it is not valid UTF-8 (Latin-1, UTF-16, ...), which must not be rewritten. */
export function readUtf8(file: string): string | undefined {
  try {
    return UTF8.decode(readFileSync(file));
  } catch {
    return undefined;
  }
}
