import type { Engine } from "../lib/duckEngine";
import { Listed } from "./classify";

/**
 * The comparison in DuckDB: both listings are loaded into tables of one
 * engine (sources/duckLoad.ts), DuckDB joins them on every core under a
 * memory limit, spilling to the scratch directory beyond it. It decides
 * only which entries meet; `classify` decides what differs.
 */

/** What DuckDB settles without JavaScript: pairs equal but for the time and not stale. */
export interface SettledPairs {
  matched: number;
  timesCompared: number;
  timesUnavailable: number;
}

/** How the engine settles pairs in SQL: whether it may at all, and classify's staleFrom (epoch ms) when set. */
export interface Shortcut {
  /** False with a principal map: equal raw ids can differ once the source's are mapped. */
  enabled: boolean;
  staleFrom?: number;
}

/**
 * Equal in every loaded field but the time, and not stale (classify's
 * isStale, in whole seconds, only from staleFrom when set): what classify
 * calls a match.
 */
function same(staleFrom: number | undefined): string {
  const from = staleFrom === undefined ? "" : ` AND s.modified >= ${staleFrom}`;
  return (
    "s.dir = t.dir AND s.size = t.size AND s.owner IS NOT DISTINCT FROM t.owner AND s.grp IS NOT DISTINCT FROM t.grp " +
    "AND s.perm IS NOT DISTINCT FROM t.perm AND s.acl IS NOT DISTINCT FROM t.acl " +
    `AND NOT (NOT s.dir AND s.modified IS NOT NULL AND t.modified IS NOT NULL${from} AND floor(s.modified / 1000) > floor(t.modified / 1000))`
  );
}

/** What the JS side saw of the unsettled pairs, from which the settled ones are counted without a second join. */
export class Tally {
  loneSource = 0;
  both = 0;
  /** Per side: file entries in unsettled pairs, and those without a time. */
  readonly files = { source: 0, target: 0 };
  readonly untimed = { source: 0, target: 0 };

  see(s: Listed | undefined, t: Listed | undefined): void {
    if (s && t) this.both++;
    else if (s) this.loneSource++;
    for (const [side, l] of [["source", s], ["target", t]] as const) {
      if (l?.type !== "file") continue;
      this.files[side]++;
      if (l.modified === null) this.untimed[side]++;
    }
  }
}

/**
 * The plain matches: every source path that met a target path and was not
 * handed to classify (paths are unique per side, as in a file system), and
 * their times from per-side totals less what classify saw. Only when both
 * sides have settled files without a time is the join run again to count
 * the pairs where both lack one.
 */
export async function settled(engine: Engine, shortcut: Shortcut, seen: Tally, sourcePaths: number): Promise<SettledPairs> {
  if (!shortcut.enabled) return { matched: 0, timesCompared: 0, timesUnavailable: 0 };
  const totals = async (table: string): Promise<{ files: number; untimed: number }> => {
    const r = await engine.connection.runAndReadAll(
      `SELECT count(*) FILTER (WHERE NOT dir)::DOUBLE AS files, count(*) FILTER (WHERE NOT dir AND modified IS NULL)::DOUBLE AS untimed FROM ${table}`,
    );
    const row = r.getRowObjectsJS()[0];
    return { files: Number(row.files), untimed: Number(row.untimed) };
  };
  const [s, t] = await Promise.all([totals("source"), totals("target")]);
  // Settled pairs have the same type on both sides, so their file pairs are the settled source files.
  const files = s.files - seen.files.source;
  const sUntimed = s.untimed - seen.untimed.source;
  const tUntimed = t.untimed - seen.untimed.target;
  const bothUntimed = sUntimed > 0 && tUntimed > 0 ? await untimedPairs(engine, shortcut.staleFrom) : 0;
  const unavailable = sUntimed + tUntimed - bothUntimed;
  return { matched: sourcePaths - seen.loneSource - seen.both, timesCompared: files - unavailable, timesUnavailable: unavailable };
}

async function untimedPairs(engine: Engine, staleFrom: number | undefined): Promise<number> {
  const r = await engine.connection.runAndReadAll(
    `SELECT count(*)::DOUBLE AS n FROM source s JOIN target t ON s.path = t.path WHERE NOT s.dir AND s.modified IS NULL AND t.modified IS NULL AND ${same(staleFrom)}`,
  );
  return Number(r.getRowObjectsJS()[0].n);
}

/** Every other pair (or lone entry), in chunks, for classify; in no particular order. */
export async function* unsettled(engine: Engine, shortcut: Shortcut): AsyncIterable<[path: string, s: Listed | undefined, t: Listed | undefined][]> {
  const cols = (a: string): string => `${a}.path, ${a}.dir, ${a}.size, ${a}.modified, ${a}.owner, ${a}.grp, ${a}.perm, ${a}.acl`;
  const where = shortcut.enabled ? `WHERE s.path IS NULL OR t.path IS NULL OR NOT (${same(shortcut.staleFrom)})` : "";
  const result = await engine.connection.stream(`SELECT ${cols("s")}, ${cols("t")} FROM source s FULL OUTER JOIN target t ON s.path = t.path ${where}`);
  for await (const rows of result.yieldRowsJs()) {
    yield rows.map((r) => {
      const s = toListed(r.slice(0, 8));
      const t = toListed(r.slice(8));
      return [String(r[0] ?? r[8]), s, t];
    });
  }
}

function toListed(r: unknown[]): Listed | undefined {
  if (r[0] === null) return undefined;
  const str = (v: unknown): string | null => (v === null ? null : String(v));
  return { type: r[1] ? "directory" : "file", size: Number(r[2]), modified: r[3] === null ? null : Number(r[3]), owner: str(r[4]), group: str(r[5]), permissions: str(r[6]), acl: str(r[7]) };
}

/**
 * Every difference of a comparison, however many: a table of the engine
 * (in its database file, so it leaves memory under the limit and spills
 * like the join), read back in kind then path order. Paths sort by their
 * UTF-8 bytes (DuckDB's default collation), so a directory comes before
 * everything below it.
 */
export interface DifferenceTable {
  /** `kind`: the difference kind's position in DIFFERENCE_KINDS; `encoded`: the difference as JSON. */
  add(kind: number, path: string, encoded: string): void;
  /** Ends adding; chunks of the encoded differences in order. */
  sorted(): AsyncIterable<string[]>;
}

export async function differenceTable(engine: Engine, flushRows: number): Promise<DifferenceTable> {
  const conn = await engine.connect();
  await conn.run("CREATE TABLE differences (kind UTINYINT, path VARCHAR, encoded VARCHAR)");
  const appender = await conn.createAppender("differences");
  let pending = 0;
  return {
    add(kind, path, encoded) {
      appender.appendUTinyInt(kind);
      appender.appendVarchar(path);
      appender.appendVarchar(encoded);
      appender.endRow();
      if (++pending === flushRows) {
        appender.flushSync();
        pending = 0;
      }
    },
    async *sorted() {
      appender.closeSync();
      const result = await conn.stream("SELECT encoded FROM differences ORDER BY kind, path");
      for await (const rows of result.yieldRowsJs()) yield rows.map((r) => String(r[0]));
    },
  };
}
