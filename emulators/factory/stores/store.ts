/**
 * What the copy engine needs from a lake, whichever generation it is. Paths
 * are relative to the account (Gen1) or the filesystem (Gen2), without a
 * leading '/'; "" is the root.
 */

export interface LakeEntry {
  /** Relative to the folder that was listed. */
  path: string;
  isDir: boolean;
  size: number;
  /** Last modification, epoch ms. */
  modified: number;
  owner: string;
  group: string;
  /** Full POSIX ACL, access entries then `default:` ones, as setAccessControl takes it. */
  acl: string;
}

export interface Location {
  /** Gen2 only. */
  fileSystem?: string;
  path: string;
}

export interface PosixMeta {
  owner?: string;
  group?: string;
  acl?: string;
}

/** A failure the fault tolerance settings can skip, classified as ADF classifies them. */
export class StoreError extends Error {
  constructor(
    readonly kind: "missing" | "forbidden" | "invalidName" | "other",
    message: string,
  ) {
    super(message);
  }
}

export interface LakeStore {
  readonly generation: "gen1" | "gen2";
  /** The folder itself (path "") then its descendants (or only its children when not recursive); undefined when it does not exist. */
  list(folder: Location, recursive: boolean): Promise<LakeEntry[] | undefined>;
  read(file: Location): Promise<Buffer>;
  /** Creates or replaces a file, creating missing parent directories. */
  writeFile(file: Location, content: Buffer): Promise<void>;
  /** Creates a directory if missing (parents too). */
  ensureDir(dir: Location): Promise<void>;
  setPosix(path: Location, meta: PosixMeta): Promise<void>;
  /** Size and MD5 of a written file, for validateDataConsistency. */
  stat(file: Location): Promise<{ size: number; md5?: Buffer } | undefined>;
}

export const joinPath = (...parts: string[]): string => parts.flatMap((p) => p.split("/")).filter((s) => s !== "").join("/");
