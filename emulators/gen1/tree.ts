/** One WebHDFS path as FileStatus / AclStatus report it. */
export interface Gen1Node {
  type: "FILE" | "DIRECTORY";
  length: number;
  modificationTime: number;
  owner: string;
  group: string;
  /** Octal, e.g. "750". */
  permission: string;
  /** GETACLSTATUS entries (named and default ones; empty for a plain mode). */
  acl?: string[];
  /** File bytes, when a fixture gave them; `length` is what listings report. */
  content?: Buffer;
}

/** A path to seed: absolute or relative; parents are created as directories. */
export interface Gen1Seed {
  path: string;
  type?: "file" | "directory";
  size?: number;
  /** Epoch ms. */
  modified?: number;
  owner?: string;
  group?: string;
  /** Octal, e.g. "750". */
  permission?: string;
  /** GETACLSTATUS entries, e.g. ["user::rwx", "user:<oid>:r-x", "group::r-x", "other::---"]. */
  acl?: string[];
  /** File content; sets the size when `size` is not given. */
  content?: Buffer | string;
}

export const ROOT = "/";
const SEEDED_AT = 1_700_000_000_000;

/**
 * The Gen1 namespace: absolute paths to nodes, and each directory's child
 * names kept sorted in the server's listing order (binary-search inserts, so
 * paths added while the server runs list in the right place).
 */
export class Gen1Tree {
  private readonly nodes = new Map<string, Gen1Node>();
  private readonly children = new Map<string, string[]>();

  constructor(readonly compare: (a: string, b: string) => number = (a, b) => (a < b ? -1 : a > b ? 1 : 0)) {
    this.nodes.set(ROOT, directory());
    this.children.set(ROOT, []);
  }

  get(path: string): Gen1Node | undefined {
    return this.nodes.get(absolute(path));
  }

  /** Child names of a directory in listing order (empty for a file or a missing path). */
  childNames(path: string): readonly string[] {
    return this.children.get(absolute(path)) ?? [];
  }

  /** Adds or replaces one path; missing parents become directories. */
  put(seed: Gen1Seed): void {
    const p = absolute(seed.path);
    const isDir = seed.type === "directory";
    if (p === ROOT && !isDir) throw new Error("the root is a directory");
    const existing = this.nodes.get(p);
    if (existing && (existing.type === "DIRECTORY") !== isDir) throw new Error(`${p} exists as a ${existing.type.toLowerCase()}`);
    this.ensureDir(parentOf(p));
    if (!existing && p !== ROOT) this.link(p);
    if (isDir && !this.children.has(p)) this.children.set(p, []);
    const content = typeof seed.content === "string" ? Buffer.from(seed.content) : seed.content;
    this.nodes.set(p, {
      type: isDir ? "DIRECTORY" : "FILE",
      length: isDir ? 0 : (seed.size ?? content?.length ?? 0),
      modificationTime: seed.modified ?? SEEDED_AT,
      owner: seed.owner ?? "owner-oid",
      group: seed.group ?? "group-oid",
      permission: seed.permission ?? (isDir ? "770" : "640"),
      ...(seed.acl ? { acl: seed.acl } : {}),
      ...(content && !isDir ? { content } : {}),
    });
  }

  /** Changes owner, group, permission or ACL entries of an existing path. */
  update(path: string, change: Partial<Pick<Gen1Node, "owner" | "group" | "permission" | "acl">>): void {
    const node = this.nodes.get(absolute(path));
    if (!node) throw new Error(`${absolute(path)} does not exist`);
    Object.assign(node, Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)));
  }

  /** Removes a path (a non-empty directory only with `recursive`); false when it did not exist. */
  delete(path: string, recursive = false): boolean {
    const p = absolute(path);
    if (p === ROOT) throw new Error("the root directory cannot be deleted");
    if (!this.nodes.has(p)) return false;
    const kids = this.children.get(p) ?? [];
    if (kids.length > 0 && !recursive) throw new Error(`${p}: directory not empty`);
    for (const name of [...kids]) this.delete(join(p, name), true);
    this.nodes.delete(p);
    this.children.delete(p);
    const siblings = this.children.get(parentOf(p))!;
    siblings.splice(siblings.indexOf(nameOf(p)), 1);
    return true;
  }

  private ensureDir(p: string): void {
    if (this.nodes.has(p)) {
      if (this.nodes.get(p)!.type !== "DIRECTORY") throw new Error(`${p} is a file`);
      return;
    }
    this.ensureDir(parentOf(p));
    this.nodes.set(p, directory());
    this.children.set(p, []);
    this.link(p);
  }

  private link(p: string): void {
    const siblings = this.children.get(parentOf(p))!;
    siblings.splice(upperBound(siblings, nameOf(p), this.compare), 0, nameOf(p));
  }
}

function directory(): Gen1Node {
  return { type: "DIRECTORY", length: 0, modificationTime: SEEDED_AT, owner: "owner-oid", group: "group-oid", permission: "770" };
}

export function absolute(p: string): string {
  const parts = p.split("/").filter((s) => s.length > 0);
  return `/${parts.join("/")}`;
}
export function parentOf(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? ROOT : p.slice(0, i);
}
export function nameOf(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}
export function join(dir: string, name: string): string {
  return dir === ROOT ? `/${name}` : `${dir}/${name}`;
}
/** Index of the first name strictly greater than `after` in a sorted list. */
export function upperBound(names: readonly string[], after: string, compare: (a: string, b: string) => number): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(names[mid], after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
