import { configKey } from "./load";
import type { MigrationConfig } from "./migration";
import { landingPath, sessionLogLocation } from "./migration";

/**
 * Folders of `adls-migration:migration` that share files. A Gen1 folder
 * inside another is copied twice; in bidirectional-sync, with different
 * writers, a file the inner folder's writer makes is copied to the other side
 * and comes back over the outer folder's copy with a new modification time,
 * every window. The same holds for Gen2 targets, for dual-pipeline landing
 * paths (`<ingest.path>/<target>` of two folders), and for the landing zone
 * or the session log directory inside a migrated target.
 */

type Issue = { path: PropertyKey[]; message: string };

/** One area of a lake that a config key names: `path` relative to its store, "" for the root. */
interface Area {
  key: PropertyKey[];
  /** Filesystem for Gen2 areas; "gen1" for the Gen1 account. */
  store: string;
  path: string;
  what: string;
}

/** Whether `outer` is `inner` or one of its ancestors ("" is the root: it contains everything). */
export function pathContains(outer: string, inner: string): boolean {
  return outer === "" || outer === inner || inner.startsWith(`${outer}/`);
}

const shown = (a: Area) => (a.path === "" ? `the root of filesystem ${a.store}` : a.store === "gen1" ? `"/${a.path}"` : `"${a.store}/${a.path}"`);

/** Every pair of areas on the same store where one contains the other, reported on the later key. */
function pairwise(areas: Area[], why: string): Issue[] {
  const issues: Issue[] = [];
  areas.forEach((b, j) => {
    const a = areas.slice(0, j).find((x) => x.store === b.store && (pathContains(x.path, b.path) || pathContains(b.path, x.path)));
    if (a) {
      const relation = a.path === b.path ? "is the same as" : pathContains(a.path, b.path) ? "is inside" : "contains";
      issues.push({ path: b.key, message: `${b.what} ${shown(b)} ${relation} ${configKey(a.key)} (${a.what} ${shown(a)}): ${why}` });
    }
  });
  return issues;
}

export function folderOverlaps(pattern: string, m: MigrationConfig): Issue[] {
  const folderKey = (i: number, k: string) => ["migration", "folders", i, k];
  const sources: Area[] = m.folders.map((f, i) => ({ key: folderKey(i, "source"), store: "gen1", path: f.source.slice(1), what: "Gen1 folder" }));
  const gen2: Area[] = m.folders.map((f, i) => ({ key: folderKey(i, "target"), store: f.filesystem, path: f.target, what: "target" }));
  if (pattern === "dual-pipeline" && m.ingest) {
    gen2.push({ key: ["migration", "ingest", "path"], store: m.ingest.filesystem, path: m.ingest.path, what: "landing zone" });
  }
  const log = sessionLogLocation(pattern, m);
  if (log) gen2.push({ key: ["migration", "copy", log.defaulted ? "logFilesystem" : "logPath"], store: log.filesystem, path: log.path, what: "session log directory" });

  const issues = [
    ...pairwise(sources, "their files would be copied by both folders (and, with different writers, back and forth every window); list only one of them"),
    ...pairwise(gen2, "two copies would write (or read) the same files; give each a directory of its own"),
  ];
  if (pattern === "dual-pipeline" && m.ingest) {
    const ingest = m.ingest;
    const landings: Area[] = m.folders.map((f, i) => ({ key: folderKey(i, "target"), store: ingest.filesystem, path: landingPath(ingest.path, f.target), what: "landing path" }));
    issues.push(...pairwise(landings, "producers of both folders would land in one directory and each batch would reach both targets; make the targets' names distinct"));
  }
  return issues;
}
