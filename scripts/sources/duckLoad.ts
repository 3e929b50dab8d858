import type { DuckDBAppender, DuckDBConnection } from "@duckdb/node-api";
import { Carried, InventoryFiles, LISTING_CASTS, LISTING_COLUMNS, checkInventoryColumns, inventorySelect } from "./duckListing";
import { InputError, PathEntry, SourceError } from "./types";

/**
 * Loading one listing into a DuckDB table of LISTING_COLUMNS: inventory
 * files are read by DuckDB itself (no row through JavaScript), any other
 * listing is streamed in through an appender. validate loads both sides so,
 * assess its one source.
 */

/** Rows appended before the appender hands them to DuckDB (bounds what the appender holds). */
export const DEFAULT_FLUSH_ROWS = 100_000;

export interface LoadOptions {
  /** Owner, group, bits and ACL kept; the others are NULL. */
  carry: Carried;
  flushRows: number;
  /** Called per appended entry (a listing streamed in JS). */
  onEntry?: () => void;
  /**
   * Stops the load: it rejects with the signal's reason at once, and no
   * DuckDB call of this load runs by then (a read of files is interrupted;
   * between entries of a listing nothing of DuckDB runs, appends being
   * synchronous, while the reader ends by itself, see Stoppable).
   */
  signal?: AbortSignal;
}

/** Loads `input` into `table`; returns the number of paths. `describe` names the source in errors. */
export async function loadListing(
  conn: DuckDBConnection,
  table: string,
  input: InventoryFiles | AsyncIterable<PathEntry>,
  describe: string,
  opts: LoadOptions,
): Promise<number> {
  const signal = opts.signal ?? new AbortController().signal;
  signal.throwIfAborted();
  if (!(Symbol.asyncIterator in input)) return whileInterruptible(conn, signal, () => loadFiles(conn, table, describe, input, opts.carry));
  await conn.run(`CREATE TABLE ${table} (${LISTING_COLUMNS})`);
  const appender = await conn.createAppender(table);
  const entries = new Stoppable(input, signal);
  let count = 0;
  try {
    for (let r = await entries.next(); !r.done; r = await entries.next()) {
      appendEntry(appender, r.value, opts.carry);
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

function appendEntry(a: DuckDBAppender, e: PathEntry, carry: Carried): void {
  a.appendVarchar(e.path);
  a.appendBoolean(e.type === "directory");
  a.appendDouble(e.size);
  if (Number.isFinite(e.modified)) a.appendDouble(e.modified);
  else a.appendNull();
  for (const v of carry.owners ? [e.owner, e.group, e.permissions] : [undefined, undefined, undefined]) {
    if (v === undefined) a.appendNull();
    else a.appendVarchar(v);
  }
  if (carry.acl && e.acl !== undefined) a.appendVarchar(e.acl);
  else a.appendNull();
  a.endRow();
}

async function loadFiles(conn: DuckDBConnection, table: string, describe: string, f: InventoryFiles, carry: Carried): Promise<number> {
  const raw = `${table}_raw`;
  const select = await readable(describe, f, () => inventorySelect(conn, f, carry));
  // Without the raw size text (a string per row): it is read again only for the message about a bad row.
  await readable(describe, f, () => conn.run(`CREATE TABLE ${raw} AS SELECT ${LISTING_CASTS}, inside FROM (${select})`));
  const counts = (await conn.runAndReadAll(`SELECT count(*)::DOUBLE AS rows, count(*) FILTER (WHERE inside)::DOUBLE AS inside FROM ${raw}`)).getRowObjectsJS()[0];
  if (f.objectCount !== undefined && Number(counts.rows) !== f.objectCount) {
    throw new SourceError(`${describe}: read ${counts.rows} rows but ${f.where} says the run holds ${f.objectCount}: the files do not belong to this manifest`);
  }
  const bad = (await conn.runAndReadAll(`SELECT path FROM ${raw} WHERE inside AND (path IS NULL OR path = '' OR size IS NULL OR size < 0 OR NOT isfinite(size)) LIMIT 1`)).getRowObjectsJS()[0];
  if (bad) {
    if (bad.path === null || bad.path === "") throw new SourceError(`${describe}: a row has no path (expected a "path" or "Name" column)`);
    const raws = await conn.runAndReadAll(`SELECT rawsize FROM (${select}) WHERE inside AND path = $path LIMIT 1`, { path: String(bad.path) });
    throw new SourceError(`${describe}: ${bad.path}: size ${JSON.stringify(raws.getRowObjectsJS()[0]?.rawsize ?? null)} is not a byte count`);
  }
  // A view, not a copy: the rows are read by the queries that follow.
  await conn.run(`CREATE VIEW ${table} AS SELECT path, dir, size, modified, owner, grp, perm, acl FROM ${raw} WHERE inside`);
  return Number(counts.inside);
}

/** Runs a step that reads the files; DuckDB's failure to read them is a SourceError naming them (a missing column stays an InputError, exit 2). */
async function readable<T>(describe: string, f: InventoryFiles, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new SourceError(`${describe}: cannot read ${f.format} files of ${f.where}: ${(err as Error).message.split("\n")[0]}`);
  }
}

/**
 * Refuses (InputError) files lacking a column their reader requires, before
 * any load starts, so nothing else is in flight then; other read failures
 * are SourceErrors naming the files.
 */
export async function checkFiles(conn: DuckDBConnection, describe: string, f: InventoryFiles): Promise<void> {
  await readable(describe, f, () => checkInventoryColumns(conn, f));
}
