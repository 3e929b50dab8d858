import { createHash } from "crypto";

/**
 * The bytes of a Gen1 file a fixture gave only metadata for: generated from
 * its path (without the leading '/'), size and modification time, so the
 * same inputs always give the same bytes and any change to a file changes
 * them. OPEN serves these, and tests compare Gen2 copies against them.
 */
export function gen1Content(path: string, size: number, modified: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash("sha256").update(`${path}\n${modified}`).digest();
  for (let i = 0; i < size; i += block.length) {
    block.copy(out, i);
    block = createHash("sha256").update(block).digest();
  }
  return out;
}
