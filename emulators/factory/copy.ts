import { createHash, randomUUID } from "crypto";
import { type LakeEntry, type LakeStore, type Location, StoreError, joinPath } from "./stores/store";

/**
 * One Binary Copy activity run between two lakes, after the activity's JSON
 * has been checked and its expressions evaluated (activities/copy.ts).
 * Behaviour, each from the ADF documentation:
 *
 * - Folder selection: `recursive` reads the folder's subtree, otherwise its
 *   direct files; `modifiedDatetimeStart/End` select files whose last
 *   modified time is >= start and < end (either may be absent)
 *   (learn.microsoft.com/azure/data-factory/connector-azure-data-lake-store,
 *   "Azure Data Lake Store as source").
 * - `copyBehavior: PreserveHierarchy` (the default): a file's path relative
 *   to the source folder is kept under the sink folder (same page, "Examples
 *   of behavior of the copy operation").
 * - "When recursive is set to true and the sink is a file-based store, an
 *   empty folder or subfolder isn't copied or created at the sink" (same
 *   page, recursive): only directories on the way to a copied file appear.
 * - `preserve: ACL/Owner/Group`, Gen1 or Gen2 to Gen2 only: the folder's and
 *   every copied file's and directory's POSIX ACL, owner and group are
 *   replicated, and existing ACLs on the sink's folders and files are
 *   overwritten (learn.microsoft.com/azure/data-factory/copy-activity-preserve-metadata,
 *   "Preserve ACLs from Data Lake Storage Gen1/Gen2 to Gen2").
 * - `validateDataConsistency`: for binary copies, size (and MD5 when the
 *   sink has one) is compared after the write, and a source changed during
 *   the copy is an inconsistency; `skipErrorFile.dataInconsistency` skips
 *   such a file instead of failing; `fileMissing` (default true) skips a file
 *   deleted during the copy; `fileForbidden` and `invalidFileName` skip
 *   forbidden and sink-rejected names
 *   (learn.microsoft.com/azure/data-factory/copy-activity-fault-tolerance,
 *   "Copying binary files"). Without the matching option, the copy fails.
 * - Session log: with `logSettings.enableCopyActivityLog`, a CSV text file
 *   `Timestamp,Level,OperationName,OperationItem,Message` is written under
 *   `<path>/copyactivity-logs/<activity name>/<activity run id>/`; level
 *   Warning logs skipped files, Info also every copied file
 *   (learn.microsoft.com/azure/data-factory/copy-activity-log).
 */

export type PreserveKind = "ACL" | "Owner" | "Group";

export interface SkipOptions {
  fileMissing: boolean;
  dataInconsistency: boolean;
  invalidFileName: boolean;
  fileForbidden: boolean;
}

export interface CopySpec {
  activityName: string;
  activityRunId: string;
  source: { store: LakeStore; location: Location; recursive: boolean; modifiedStart?: number; modifiedEnd?: number; fileList?: Location };
  sink: { store: LakeStore; location: Location };
  preserve: Set<PreserveKind>;
  validateDataConsistency: boolean;
  skip: SkipOptions;
  log?: { store: LakeStore; location: Location; level: "Warning" | "Info" };
  /** The emulator's clock, for log timestamps. */
  now: () => Date;
}

/** The Copy activity output fields a monitor reads (names as in the activity run output). */
export interface CopyOutput {
  filesRead: number;
  filesWritten: number;
  filesSkipped: number;
  dataRead: number;
  dataWritten: number;
  /** Gen2 path of the session log, when one was written. */
  logFilePath?: string;
  /** Relative paths of the files copied, in order (the emulator's own addition, for tests and demos). */
  copied: string[];
}

export class CopyFailure extends Error {}

type SkipReason = keyof SkipOptions;

export async function runCopy(spec: CopySpec): Promise<CopyOutput> {
  const { root, files, dirs } = spec.source.fileList ? await fromFileList(spec, spec.source.fileList) : await fromFolder(spec);
  const out: CopyOutput = { filesRead: 0, filesWritten: 0, filesSkipped: 0, dataRead: 0, dataWritten: 0, copied: [] };
  const log: string[] = [];
  const prepared = new Set<string>();

  for (const file of files) {
    const rel = file.path === "" ? nameOf(spec.source.location.path) : file.path;
    try {
      await prepareParents(spec, root, dirs, rel, prepared);
      await copyFile(spec, file, rel, out);
      out.copied.push(rel);
      if (spec.log?.level === "Info") log.push(logLine(spec, "Info", "FileWrite", rel, "Complete"));
    } catch (err) {
      const reason = skipReason(err);
      if (!reason || !spec.skip[reason]) throw new CopyFailure(`${rel}: ${(err as Error).message}`);
      out.filesSkipped++;
      log.push(logLine(spec, "Warning", "FileSkip", rel, `${reason}: ${(err as Error).message}`));
    }
  }
  if (spec.log && log.length > 0) out.logFilePath = await writeLog(spec.log, spec, log);
  return out;
}

interface Selection {
  /** The source folder, whose metadata goes onto the sink folder; undefined: the sink folder is only created. */
  root?: LakeEntry;
  files: LakeEntry[];
  dirs: Map<string, LakeEntry>;
}

async function fromFolder(spec: CopySpec): Promise<Selection> {
  const { source } = spec;
  const listed = await source.store.list(source.location, source.recursive);
  if (!listed) throw new CopyFailure(`source folder ${describe(source.location)} does not exist`);
  const [root, ...below] = listed;
  const files = (root.isDir ? below : [{ ...root, path: "" }]).filter((e) => !e.isDir && inWindow(e, spec));
  return { root: root.isDir ? root : undefined, files, dirs: new Map(below.filter((e) => e.isDir).map((e) => [e.path, e])) };
}

/**
 * The files a file list names, each relative to the dataset's folder. A
 * named file that does not exist is read anyway, so it fails as missing
 * (skipped under fileMissing, as a file deleted during the copy is). The
 * directories on the way are created but get no metadata of their own:
 * ADF documents preserve for the copied files, and reconcile creates the
 * missing directories (with theirs) before it starts the copy.
 */
async function fromFileList(spec: CopySpec, list: Location): Promise<Selection> {
  const { source } = spec;
  const text = (await source.store.read(list).catch((err: Error) => {
    throw new CopyFailure(`file list ${describe(list)}: ${err.message}`);
  })).toString("utf8");
  const root = (await source.store.list(source.location, false))?.[0];
  if (!root?.isDir) throw new CopyFailure(`source folder ${describe(source.location)} does not exist`);
  const files: LakeEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    const rel = joinPath(line.trim());
    if (rel === "") continue;
    const found = await source.store.list({ fileSystem: source.location.fileSystem, path: joinPath(source.location.path, rel) }, false);
    const entry = found?.[0];
    if (entry?.isDir) throw new CopyFailure(`file list ${describe(list)}: ${rel} is a directory`);
    files.push(entry ? { ...entry, path: rel } : { path: rel, isDir: false, size: 0, modified: 0, owner: "", group: "", acl: "" });
  }
  return { files, dirs: new Map() };
}

function inWindow(e: LakeEntry, spec: CopySpec): boolean {
  const { modifiedStart, modifiedEnd } = spec.source;
  return (modifiedStart === undefined || e.modified >= modifiedStart) && (modifiedEnd === undefined || e.modified < modifiedEnd);
}

/**
 * Creates the sink folder and each directory on the way to a file once;
 * with ACL/Owner/Group preserved each gets its source directory's metadata.
 */
async function prepareParents(spec: CopySpec, root: LakeEntry | undefined, dirs: Map<string, LakeEntry>, rel: string, done: Set<string>): Promise<void> {
  const segments = rel.split("/").slice(0, -1);
  const chain: [string, LakeEntry | undefined][] = [["", root]];
  for (let i = 1; i <= segments.length; i++) {
    const p = segments.slice(0, i).join("/");
    chain.push([p, dirs.get(p)]);
  }
  for (const [p, src] of chain) {
    if (done.has(p)) continue;
    const loc = { fileSystem: spec.sink.location.fileSystem, path: joinPath(spec.sink.location.path, p) };
    await spec.sink.store.ensureDir(loc);
    if (src) await preserveOnto(spec, loc, src);
    done.add(p);
  }
}

async function preserveOnto(spec: CopySpec, loc: Location, src: LakeEntry): Promise<void> {
  const p = spec.preserve;
  if (p.size === 0) return;
  await spec.sink.store.setPosix(loc, {
    ...(p.has("ACL") ? { acl: src.acl } : {}),
    ...(p.has("Owner") ? { owner: src.owner } : {}),
    ...(p.has("Group") ? { group: src.group } : {}),
  });
}

async function copyFile(spec: CopySpec, file: LakeEntry, rel: string, out: CopyOutput): Promise<void> {
  const from = { fileSystem: spec.source.location.fileSystem, path: file.path === "" ? spec.source.location.path : joinPath(spec.source.location.path, file.path) };
  const to = { fileSystem: spec.sink.location.fileSystem, path: joinPath(spec.sink.location.path, rel) };
  const bytes = await spec.source.store.read(from);
  out.filesRead++;
  out.dataRead += bytes.length;
  await spec.sink.store.writeFile(to, bytes);
  await preserveOnto(spec, to, file);
  if (spec.validateDataConsistency) await checkConsistency(spec, from, to, file, bytes);
  out.filesWritten++;
  out.dataWritten += bytes.length;
}

class Inconsistent extends Error {}

async function checkConsistency(spec: CopySpec, from: Location, to: Location, file: LakeEntry, bytes: Buffer): Promise<void> {
  const now = await spec.source.store.stat(from);
  if (!now) throw new StoreError("missing", "source file was deleted during the copy");
  if (now.size !== file.size || bytes.length !== file.size) throw new Inconsistent(`source changed during the copy (size ${file.size} -> ${now.size})`);
  const written = await spec.sink.store.stat(to);
  if (!written || written.size !== bytes.length) throw new Inconsistent(`sink size ${written?.size ?? "missing"} differs from source size ${bytes.length}`);
  if (written.md5 && !written.md5.equals(createHash("md5").update(bytes).digest())) throw new Inconsistent("sink MD5 differs from the source's");
}

function skipReason(err: unknown): SkipReason | undefined {
  if (err instanceof Inconsistent) return "dataInconsistency";
  if (!(err instanceof StoreError)) return undefined;
  return err.kind === "missing" ? "fileMissing" : err.kind === "forbidden" ? "fileForbidden" : err.kind === "invalidName" ? "invalidFileName" : undefined;
}

function logLine(spec: CopySpec, level: string, op: string, item: string, message: string): string {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return [spec.now().toISOString(), level, op, q(item), q(message)].join(",");
}

async function writeLog(target: NonNullable<CopySpec["log"]>, spec: CopySpec, lines: string[]): Promise<string> {
  const file = { fileSystem: target.location.fileSystem, path: joinPath(target.location.path, "copyactivity-logs", spec.activityName, spec.activityRunId, `${randomUUID()}.txt`) };
  const text = ["Timestamp,Level,OperationName,OperationItem,Message", ...lines].join("\n") + "\n";
  await target.store.writeFile(file, Buffer.from(text, "utf8"));
  return `${file.fileSystem}/${file.path}`;
}

const describe = (l: Location) => (l.fileSystem === undefined ? `/${l.path}` : `${l.fileSystem}/${l.path}`);
const nameOf = (p: string) => p.split("/").filter((s) => s !== "").pop() ?? "";
