import { PathAcl, inheritedAcl, minimalAcl } from "./posixAcl";

/**
 * In-memory hierarchical namespace. Children live in a Map plus a name array
 * sorted lazily (bulk creation stays O(n log n)); every walk is pre-order in
 * that sorted order, and a continuation token is simply the path to resume
 * at, found again by binary search.
 */
export class PathNode {
  children?: Map<string, PathNode>;
  private sorted?: string[];
  acl: PathAcl;
  owner = "$superuser";
  group = "$superuser";
  etag: string;
  lastModified: number;
  readonly created: number;
  /** Committed content (files). */
  content: Buffer = Buffer.alloc(0);
  /** Appended, not yet flushed data by position (files). */
  pending?: Map<number, Buffer>;
  contentMd5?: Buffer;
  metadata?: Record<string, string>;

  constructor(
    readonly isDir: boolean,
    acl: PathAcl,
  ) {
    if (isDir) this.children = new Map();
    this.acl = acl;
    this.created = Date.now();
    this.lastModified = this.created;
    this.etag = nextEtag();
  }

  touch(): void {
    this.lastModified = Date.now();
    this.etag = nextEtag();
  }

  names(): string[] {
    if (!this.children) return [];
    if (!this.sorted) this.sorted = [...this.children.keys()].sort(compareNames);
    return this.sorted;
  }

  add(name: string, child: PathNode): void {
    this.children!.set(name, child);
    this.sorted = undefined;
  }

  remove(name: string): void {
    this.children!.delete(name);
    this.sorted = undefined;
  }
}

let etagCounter = 0x8d000000000;
function nextEtag(): string {
  etagCounter += 1;
  return `"0x${etagCounter.toString(16).toUpperCase()}"`;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lowerBound(names: string[], name: string): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (names[mid] < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function splitPath(path: string): string[] {
  return path.split("/").filter((s) => s !== "");
}

export interface WalkItem {
  path: string;
  node: PathNode;
}

/**
 * Descendants of `dir` (not `dir` itself) in pre-order, starting at the
 * relative path `from` (inclusive) when given.
 */
export function* descendants(dir: PathNode, prefix: string, from?: string[]): Generator<WalkItem> {
  const names = dir.names();
  let i = from && from.length > 0 ? lowerBound(names, from[0]) : 0;
  const first = i;
  for (; i < names.length; i++) {
    const name = names[i];
    const child = dir.children!.get(name);
    if (!child) continue;
    const path = prefix === "" ? name : `${prefix}/${name}`;
    const inside = i === first && from !== undefined && from.length > 1 && name === from[0];
    if (!inside) yield { path, node: child };
    if (child.children) yield* descendants(child, path, inside ? from!.slice(1) : undefined);
  }
}

export class Filesystem {
  readonly root: PathNode;
  etag: string;
  readonly created = Date.now();
  metadata: Record<string, string> = {};

  constructor(readonly name: string) {
    this.root = new PathNode(true, minimalAcl(0o750));
    this.etag = this.root.etag;
  }

  get(path: string): PathNode | undefined {
    let node: PathNode | undefined = this.root;
    for (const seg of splitPath(path)) {
      node = node.children?.get(seg);
      if (!node) return undefined;
    }
    return node;
  }

  parentOf(path: string): { parent: PathNode | undefined; name: string } {
    const segs = splitPath(path);
    const name = segs.pop() ?? "";
    return { parent: this.get(segs.join("/")), name };
  }

  /**
   * Creates a path and any missing parent directories (as the hierarchical
   * namespace does), each inheriting its parent's default ACL.
   */
  create(path: string, isDir: boolean, mode: number, umask: number): PathNode | "conflict" {
    const segs = splitPath(path);
    let node = this.root;
    for (let i = 0; i < segs.length; i++) {
      const last = i === segs.length - 1;
      const existing = node.children?.get(segs[i]);
      if (existing && !last) {
        if (!existing.isDir) return "conflict";
        node = existing;
        continue;
      }
      if (!node.isDir) return "conflict";
      if (existing && last && existing.isDir !== isDir) return "conflict";
      const childIsDir = last ? isDir : true;
      const childMode = last ? mode : 0o777;
      const child = new PathNode(childIsDir, inheritedAcl(node.acl, childIsDir, childMode, umask));
      if (existing && existing.isDir) {
        // Re-creating a directory keeps its subtree.
        existing.touch();
        return existing;
      }
      node.add(segs[i], child);
      node = child;
    }
    return node;
  }
}
