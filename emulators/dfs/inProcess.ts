import { STICKY_BIT, aclWithMode, applyAcl, formatAcl, parseAclList, parseMode } from "./posixAcl";
import { DEFAULT_UMASK, Filesystem, PathNode, descendants, splitPath } from "./tree";

/** Owner, owning group and permissions of a path, as Path Get Properties (getAccessControl) reports them. */
export interface DfsAccessControl {
  owner: string;
  group: string;
  /** e.g. "rwxr-x---+" ("+" marks an extended ACL). */
  permissions: string;
  /** e.g. "user::rwx,group::r-x,other::---,default:user::rwx,...". */
  acl: string;
}

/** One listed path (relative to the filesystem root, no leading "/"). */
export interface DfsTreeEntry extends DfsAccessControl {
  path: string;
  isDirectory: boolean;
  size: number;
}

export interface DfsCreateOptions {
  /** Create mode before umask (default 0777 for directories, 0666 for files). Ignored bits follow the parent's default ACL when it has one. */
  mode?: number;
  /** Default 027, as the service applies. */
  umask?: number;
  owner?: string;
  group?: string;
  /** A full access (and, for a directory, default) ACL to set after creation, in x-ms-acl syntax. */
  acl?: string;
}

export interface DfsAccessChange {
  owner?: string;
  group?: string;
  /** Octal ("750", "1777") or symbolic ("rwxr-x---", "rwxrwxrwt"): changes owner/other bits, the sticky bit and the group class (the mask when there is one). */
  permissions?: string;
  /** A full ACL in x-ms-acl syntax (mode "set"), replacing access and default entries. */
  acl?: string;
}

/**
 * Direct access to the emulator's namespace without HTTP and without
 * signatures, for seeding fixtures too large to create over HTTP and for
 * reading back what a tool did. Every change follows the same rules as the
 * REST operations (implicit parents, default ACL inheritance, 32 entries);
 * a rule broken throws an Error naming the path. Paths are relative to the
 * filesystem root ("a/b.csv"); "" is the root.
 */
export class DfsTree {
  constructor(
    private readonly filesystems: Map<string, Filesystem>,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Creates the filesystem if it does not exist. */
  createFilesystem(name: string): void {
    if (!this.filesystems.has(name)) this.filesystems.set(name, new Filesystem(name, this.clock));
  }

  filesystemNames(): string[] {
    return [...this.filesystems.keys()].sort();
  }

  /** Creates a directory and any missing parents; an existing directory is kept. */
  mkdir(fs: string, path: string, opts: DfsCreateOptions = {}): void {
    this.create(fs, path, true, undefined, opts);
  }

  /** Creates (or overwrites) a file and any missing parent directories. */
  writeFile(fs: string, path: string, content: Buffer | string = Buffer.alloc(0), opts: DfsCreateOptions = {}): void {
    this.create(fs, path, false, typeof content === "string" ? Buffer.from(content) : content, opts);
  }

  /** Changes owner, group, permissions or the whole ACL, as Path Update setAccessControl does. */
  setAccessControl(fs: string, path: string, change: DfsAccessChange): void {
    const node = this.nodeOrThrow(fs, path);
    if (change.acl !== undefined && change.permissions !== undefined) throw new Error(`${fs}/${path}: acl and permissions are mutually exclusive`);
    if (change.acl !== undefined) {
      const result = applyAcl(node.acl, parseAclList(change.acl, true), "set", node.isDir);
      if (result.error) throw new Error(`${fs}/${path}: ${result.error}`);
      node.acl = result.acl;
    }
    if (change.permissions !== undefined) {
      const mode = parseMode(change.permissions);
      node.acl = aclWithMode(node.acl, mode);
      node.sticky = (mode & STICKY_BIT) !== 0;
    }
    if (change.owner !== undefined) node.owner = change.owner;
    if (change.group !== undefined) node.group = change.group;
  }

  /** undefined when the path does not exist. */
  getAccessControl(fs: string, path: string): DfsAccessControl | undefined {
    const node = this.filesystems.get(fs)?.get(path);
    return node ? accessOf(node) : undefined;
  }

  /** A file's committed content; undefined for a directory or a missing path. */
  read(fs: string, path: string): Buffer | undefined {
    const node = this.filesystems.get(fs)?.get(path);
    return node && !node.isDir ? node.content : undefined;
  }

  exists(fs: string, path: string): boolean {
    return this.filesystems.get(fs)?.get(path) !== undefined;
  }

  /** The paths below a directory (not itself) in the listing's pre-order; only its children unless `recursive`. */
  list(fs: string, path = "", opts: { recursive?: boolean } = {}): DfsTreeEntry[] {
    const dir = this.nodeOrThrow(fs, path);
    const prefix = splitPath(path).join("/");
    const out: DfsTreeEntry[] = [];
    const items = opts.recursive
      ? descendants(dir, prefix)
      : dir.names().map((name) => ({ path: prefix === "" ? name : `${prefix}/${name}`, node: dir.children!.get(name)! }));
    for (const { path: p, node } of items) out.push({ path: p, isDirectory: node.isDir, size: node.content.length, ...accessOf(node) });
    return out;
  }

  /** Number of paths below (not counting) the given directory; 0 when it does not exist. */
  count(fs: string, path = ""): number {
    const node = this.filesystems.get(fs)?.get(path);
    if (!node) return 0;
    let n = 0;
    for (const _ of descendants(node, path)) n += 1;
    return n;
  }

  /** Deletes a path; a non-empty directory only with `recursive`. Returns false when it did not exist. */
  delete(fs: string, path: string, opts: { recursive?: boolean } = {}): boolean {
    const filesystem = this.filesystems.get(fs);
    const node = filesystem?.get(path);
    if (!filesystem || !node) return false;
    if (splitPath(path).length === 0) throw new Error(`${fs}: the root directory cannot be deleted`);
    if (node.isDir && node.children!.size > 0 && !opts.recursive) throw new Error(`${fs}/${path}: directory not empty`);
    const { parent, name } = filesystem.parentOf(path);
    parent!.remove(name);
    return true;
  }

  private create(fs: string, path: string, isDir: boolean, content: Buffer | undefined, opts: DfsCreateOptions): void {
    const filesystem = this.filesystems.get(fs);
    if (!filesystem) throw new Error(`no filesystem ${fs}`);
    const node = filesystem.create(path, isDir, opts.mode ?? (isDir ? 0o777 : 0o666), opts.umask ?? DEFAULT_UMASK);
    if (node === "conflict") throw new Error(`cannot create ${fs}/${path}`);
    if (content) node.content = content;
    if (opts.owner !== undefined || opts.group !== undefined || opts.acl !== undefined) {
      this.setAccessControl(fs, path, { owner: opts.owner, group: opts.group, acl: opts.acl });
    }
  }

  private nodeOrThrow(fs: string, path: string): PathNode {
    const node = this.filesystems.get(fs)?.get(path);
    if (!node) throw new Error(`${fs}/${path} does not exist`);
    return node;
  }
}

function accessOf(node: PathNode): DfsAccessControl {
  return { owner: node.owner, group: node.group, permissions: node.permissions, acl: formatAcl(node.acl) };
}
