import { DuckDBAppender, DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { mkdirSync } from "fs";
import { availableParallelism } from "os";
import * as path from "path";
import { InventoryFiles, LISTING_COLUMNS, inventorySelect } from "../sources/duckListing";
import { InputError, ListOptions, PathEntry, SourceError, SourceReader } from "../sources/types";
import { Listed } from "./classify";

/**
 * The comparison engine: both listings land in tables of one DuckDB
 * database in the scratch directory (JS listings through an appender,
 * inventory files read by DuckDB itself), DuckDB joins them on every core
 * under a memory limit, spilling to the scratch directory beyond it. It
 * decides only which entries meet; `classify` decides what differs.
 */
export interface Engine {
  readonly connection: DuckDBConnection;
  /** Another connection (each side loads through its own, concurrently); closed with the engine. */
  connect(): Promise<DuckDBConnection>;
  close(): void;
}

export interface EngineOptions {
  /** DuckDB `memory_limit` (e.g. "512MB"); it spills to the scratch directory beyond it. */
  memoryLimit: string;
  /** DuckDB worker threads (default: every core). */
  threads?: number;
}

export async function openEngine(scratch: string, opts: EngineOptions): Promise<Engine> {
  const spill = path.join(scratch, "spill");
  mkdirSync(spill);
  // A database file rather than :memory:, so the loaded listings themselves can leave memory (DuckDB evicts its blocks to the file).
  const instance = await DuckDBInstance.create(path.join(scratch, "compare.duckdb"), {
    memory_limit: opts.memoryLimit,
    temp_directory: spill,
    threads: String(opts.threads ?? availableParallelism()),
    // Row order of the join is of no interest (examples are ordered in JS); this lets DuckDB stream without keeping order.
    preserve_insertion_order: "false",
  });
  const open: DuckDBConnection[] = [];
  const connect = async (): Promise<DuckDBConnection> => {
    const c = await instance.connect();
    open.push(c);
    // Timestamps without a zone are UTC in blob inventory (as duckRows reads them).
    await c.run("SET TimeZone = 'UTC'");
    return c;
  };
  const connection = await connect();
  return {
    connection,
    connect,
    close: () => {
      for (const c of open) c.closeSync();
      instance.closeSync();
    },
  };
}

/** Rows appended before the appender hands them to DuckDB (bounds what the appender holds). */
export const DEFAULT_FLUSH_ROWS = 100_000;

/**
 * Loads one side into `table`; returns the number of paths. Inventory files
 * are read by DuckDB directly; anything else is listed in JS and appended.
 * When `signal` aborts it rejects with its reason at once, and no DuckDB
 * call of this side is running by then: a read of files is interrupted, and
 * between entries of a listing nothing of DuckDB runs (appends are
 * synchronous) while the reader ends by itself (see Stoppable).
 */
export async function loadSide(
  engine: Engine,
  table: string,
  reader: SourceReader,
  list: ListOptions,
  opts: { withAcl: boolean; flushRows: number; onEntry?: () => void; signal: AbortSignal },
): Promise<number> {
  const { signal } = opts;
  const conn = await engine.connect();
  signal.throwIfAborted();
  const files = reader.inventoryFiles?.(list);
  if (files) return whileInterruptible(conn, signal, () => loadFiles(conn, table, reader.describe, files, opts.withAcl));
  await conn.run(`CREATE TABLE ${table} (${LISTING_COLUMNS})`);
  const appender = await conn.createAppender(table);
  const entries = new Stoppable(reader.list({ ...list, signal }), signal);
  let count = 0;
  try {
    for (let r = await entries.next(); !r.done; r = await entries.next()) {
      appendEntry(appender, r.value, opts.withAcl);
      count++;
      opts.onEntry?.();
      if (count % opts.flushRows === 0) appender.flushSync();
    }
    appender.flushSync();
  } finally {
    entries.close();
    appender.closeSync();
  }
  return count;
}

/**
 * A listing whose next entry is waited for only until `signal` aborts: a
 * reader that does not take the signal (or is inside a request it cannot
 * abort) may be long in coming with it. Closed early, the reader is
 * returned from in the background: it ends once its pending entry arrives.
 */
class Stoppable<T> {
  private readonly it: AsyncIterator<T>;
  private rejectWait?: (reason: unknown) => void;
  private readonly onAbort = () => this.rejectWait?.(this.signal.reason);

  constructor(
    items: AsyncIterable<T>,
    private readonly signal: AbortSignal,
  ) {
    this.it = items[Symbol.asyncIterator]();
    signal.addEventListener("abort", this.onAbort, { once: true });
  }

  next(): Promise<IteratorResult<T>> {
    return new Promise((resolve, reject) => {
      if (this.signal.aborted) return reject(this.signal.reason);
      this.rejectWait = reject;
      this.it.next().then(resolve, reject);
    });
  }

  close(): void {
    this.signal.removeEventListener("abort", this.onAbort);
    // After the last entry or a reader's own failure this is a no-op; after a stop it must not be awaited.
    this.it.return?.().catch(() => undefined);
  }
}

/**
 * Runs `work` on `conn`, interrupting its query when `signal` aborts
 * (duckdb_interrupt: "Interrupt running query", duckdb/duckdb#8064); the
 * query then fails, and the signal's reason is what is thrown.
 */
async function whileInterruptible<T>(conn: DuckDBConnection, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const interrupt = () => conn.interrupt();
  signal.addEventListener("abort", interrupt, { once: true });
  try {
    return await work();
  } catch (err) {
    throw signal.aborted ? signal.reason : err;
  } finally {
    signal.removeEventListener("abort", interrupt);
  }
}

function appendEntry(a: DuckDBAppender, e: PathEntry, withAcl: boolean): void {
  a.appendVarchar(e.path);
  a.appendBoolean(e.type === "directory");
  a.appendDouble(e.size);
  if (Number.isFinite(e.modified)) a.appendDouble(e.modified);
  else a.appendNull();
  if (withAcl) {
    a.appendVarchar(e.owner);
    a.appendVarchar(e.group);
    a.appendVarchar(e.permissions);
    if (e.acl === undefined) a.appendNull();
    else a.appendVarchar(e.acl);
  } else {
    for (let i = 0; i < 4; i++) a.appendNull();
  }
  a.endRow();
}

async function loadFiles(conn: DuckDBConnection, table: string, describe: string, f: InventoryFiles, withAcl: boolean): Promise<number> {
  const raw = `${table}_raw`;
  try {
    await conn.run(`CREATE TABLE ${raw} AS ${await inventorySelect(conn, f, withAcl)}`);
  } catch (err) {
    // A missing column is bad input (exit 2) and says so itself.
    if (err instanceof InputError) throw err;
    throw new SourceError(`${describe}: cannot read ${f.format} files of ${f.where}: ${(err as Error).message.split("\n")[0]}`);
  }
  const counts = (await conn.runAndReadAll(`SELECT count(*)::DOUBLE AS rows, count(*) FILTER (WHERE inside)::DOUBLE AS inside FROM ${raw}`)).getRowObjectsJS()[0];
  if (f.objectCount !== undefined && Number(counts.rows) !== f.objectCount) {
    throw new SourceError(`${describe}: read ${counts.rows} rows but ${f.where} says the run holds ${f.objectCount}: the files do not belong to this manifest`);
  }
  const bad = (await conn.runAndReadAll(`SELECT path, rawsize FROM ${raw} WHERE inside AND (path IS NULL OR path = '' OR size IS NULL OR size < 0) LIMIT 1`)).getRowObjectsJS()[0];
  if (bad) {
    throw new SourceError(
      bad.path ? `${describe}: ${bad.path}: size ${JSON.stringify(bad.rawsize)} is not a byte count` : `${describe}: a row has no path (expected a "path" or "Name" column)`,
    );
  }
  // A view, not a copy: the rows are read once, by the join.
  await conn.run(`CREATE VIEW ${table} AS SELECT path, dir, size, modified, owner, grp, perm, acl FROM ${raw} WHERE inside`);
  return Number(counts.inside);
}

/** What DuckDB settles without JavaScript: pairs equal but for the time and not stale. */
export interface SettledPairs {
  matched: number;
  timesCompared: number;
  timesUnavailable: number;
}

/**
 * Equal in every loaded field but the time, and not stale (classify's
 * isStale, in whole seconds): what classify calls a match. Not used with a
 * principal map (equal raw ids can differ once the source's are mapped).
 */
const SAME =
  "s.dir = t.dir AND s.size = t.size AND s.owner IS NOT DISTINCT FROM t.owner AND s.grp IS NOT DISTINCT FROM t.grp " +
  "AND s.perm IS NOT DISTINCT FROM t.perm AND s.acl IS NOT DISTINCT FROM t.acl " +
  "AND NOT (NOT s.dir AND s.modified IS NOT NULL AND t.modified IS NOT NULL AND floor(s.modified / 1000) > floor(t.modified / 1000))";

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
export async function settled(engine: Engine, shortcut: boolean, seen: Tally, sourcePaths: number): Promise<SettledPairs> {
  if (!shortcut) return { matched: 0, timesCompared: 0, timesUnavailable: 0 };
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
  const bothUntimed = sUntimed > 0 && tUntimed > 0 ? await untimedPairs(engine) : 0;
  const unavailable = sUntimed + tUntimed - bothUntimed;
  return { matched: sourcePaths - seen.loneSource - seen.both, timesCompared: files - unavailable, timesUnavailable: unavailable };
}

async function untimedPairs(engine: Engine): Promise<number> {
  const r = await engine.connection.runAndReadAll(
    `SELECT count(*)::DOUBLE AS n FROM source s JOIN target t ON s.path = t.path WHERE NOT s.dir AND s.modified IS NULL AND t.modified IS NULL AND ${SAME}`,
  );
  return Number(r.getRowObjectsJS()[0].n);
}

/** Every other pair (or lone entry), in chunks, for classify; in no particular order. */
export async function* unsettled(engine: Engine, shortcut: boolean): AsyncIterable<[path: string, s: Listed | undefined, t: Listed | undefined][]> {
  const cols = (a: string): string => `${a}.path, ${a}.dir, ${a}.size, ${a}.modified, ${a}.owner, ${a}.grp, ${a}.perm, ${a}.acl`;
  const where = shortcut ? `WHERE s.path IS NULL OR t.path IS NULL OR NOT (${SAME})` : "";
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
