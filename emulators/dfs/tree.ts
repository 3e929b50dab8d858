import { PathAcl, STICKY_BIT, formatMode, inheritedAcl, minimalAcl } from "./posixAcl";

/** The umask a create applies when the request names none. */
export const DEFAULT_UMASK = 0o027;

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
  /** Set from the parent's owning group at creation (see Filesystem.create). */
  group = "$superuser";
  /** The sticky bit of the mode; not part of the ACL. */
  sticky = false;
  /** Bumped on every change; the ETag is derived from it on demand. */
  version: number;
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
    now = Date.now(),
  ) {
    if (isDir) this.children = new Map();
    this.acl = acl;
    this.created = now;
    this.lastModified = this.created;
    this.version = nextVersion();
  }

  /** x-ms-permissions as the service reports it. */
  get permissions(): string {
    return formatMode(this.acl, this.sticky);
  }

  get etag(): string {
    return `"0x${this.version.toString(16).toUpperCase()}"`;
  }

  touch(now = Date.now()): void {
    this.lastModified = now;
    this.version = nextVersion();
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

let versionCounter = 0x8d000000000;
function nextVersion(): number {
  versionCounter += 1;
  return versionCounter;
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
 * relative path `from` (inclusive) when given. An explicit stack rather than
 * nested generators: recursive ACL batches walk 2000 paths per request, and
 * the server's CPU must stay negligible next to the modelled service time.
 */
export function descendants(dir: PathNode, prefix: string, from?: string[]): Iterator<WalkItem> & Iterable<WalkItem> {
  interface Frame {
    node: PathNode;
    names: string[];
    i: number;
    prefix: string;
  }
  const stack: Frame[] = [];
  // Position the stack at `from`: each level starts at its segment (lower bound).
  let node = dir;
  let pre = prefix;
  let pendingSelf: WalkItem | undefined;
  for (let depth = 0; ; depth++) {
    const names = node.names();
    const seg = from && depth < from.length ? from[depth] : undefined;
    const i = seg === undefined ? 0 : lowerBound(names, seg);
    stack.push({ node, names, i, prefix: pre });
    if (seg === undefined || names[i] !== seg) break;
    const child = node.children!.get(seg)!;
    const path = pre === "" ? seg : `${pre}/${seg}`;
    stack[stack.length - 1].i = i + 1;
    if (depth === from!.length - 1) {
      // `from` itself is the first item; its subtree follows.
      pendingSelf = { path, node: child };
      if (child.children) stack.push({ node: child, names: child.names(), i: 0, prefix: path });
      break;
    }
    if (!child.children) break;
    node = child;
    pre = path;
  }
  const iter = {
    next(): IteratorResult<WalkItem> {
      if (pendingSelf) {
        const value = pendingSelf;
        pendingSelf = undefined;
        return { done: false, value };
      }
      while (stack.length > 0) {
        const top = stack[stack.length - 1];
        if (top.i >= top.names.length) {
          stack.pop();
          continue;
        }
        const name = top.names[top.i++];
        const child = top.node.children!.get(name);
        if (!child) continue;
        const path = top.prefix === "" ? name : `${top.prefix}/${name}`;
        if (child.children) stack.push({ node: child, names: child.names(), i: 0, prefix: path });
        return { done: false, value: { path, node: child } };
      }
      return { done: true, value: undefined };
    },
    [Symbol.iterator]() {
      return iter;
    },
  };
  return iter;
}

export class Filesystem {
  readonly root: PathNode;
  etag: string;
  readonly created: number;
  metadata: Record<string, string> = {};

  constructor(
    readonly name: string,
    /** Epoch ms for creation and Last-Modified times (the server's `now` option). */
    readonly clock: () => number = Date.now,
  ) {
    this.created = clock();
    this.root = new PathNode(true, minimalAcl(0o750), this.created);
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
   * namespace does), each inheriting its parent's default ACL and owning
   * group: "The owning group is copied from the owning group of the parent
   * directory under which the new file or directory is created"
   * (learn.microsoft.com, azure/storage/blobs/data-lake-storage-access-control,
   * "Which group is set as the owning group of a file or directory at creation?").
   * The sticky bit of `mode` is kept (umask applies to the permission bits only).
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
      if (existing && existing.isDir) {
        // Re-creating a directory keeps its subtree.
        existing.touch(this.clock());
        return existing;
      }
      const childIsDir = last ? isDir : true;
      const childMode = last ? mode & 0o777 : 0o777;
      const child = new PathNode(childIsDir, inheritedAcl(node.acl, childIsDir, childMode, umask), this.clock());
      child.group = node.group;
      child.sticky = last && (mode & STICKY_BIT) !== 0;
      node.add(segs[i], child);
      node = child;
    }
    return node;
  }
}
