import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { mkdirSync } from "fs";
import { availableParallelism } from "os";
import * as path from "path";

/**
 * A DuckDB instance for one run of a command (validate's comparison,
 * assess's aggregation): its files live in the run's scratch directory, it
 * uses every core under a memory limit and spills to the scratch directory
 * beyond it.
 */
export interface Engine {
  readonly connection: DuckDBConnection;
  /** Another connection (validate loads each side through its own, concurrently); closed with the engine. */
  connect(): Promise<DuckDBConnection>;
  close(): void;
}

/** DuckDB's memory limit by default (validate's and assess's --memory-limit). */
export const DEFAULT_MEMORY_LIMIT = "512MB";

export interface EngineOptions {
  /** DuckDB `memory_limit` (e.g. "512MB"); it spills to the scratch directory beyond it. */
  memoryLimit: string;
  /** DuckDB worker threads (default: every core). */
  threads?: number;
  /**
   * "file": the tables live in a database file in the scratch directory;
   * "memory": in memory, evicted to the spill directory beyond the limit
   * (DuckDB spills in-memory databases too: duckdb.org/docs/1.3/connect/overview,
   * "Both persistent and in-memory databases use spilling to disk"); a table
   * loaded once and read a few times loads about twice as fast so (10 M rows
   * here), without the file's compression.
   */
  storage: "file" | "memory";
}

/** The problem with a --memory-limit value, or undefined when DuckDB takes it. */
export function memoryLimitProblem(value: string): string | undefined {
  return /^[1-9]\d*\s*(KB|MB|GB)$/i.test(value) ? undefined : `--memory-limit ${JSON.stringify(value)}: a size like 512MB or 2GB`;
}

export async function openEngine(scratch: string, opts: EngineOptions): Promise<Engine> {
  const spill = path.join(scratch, "spill");
  mkdirSync(spill);
  const instance = await DuckDBInstance.create(opts.storage === "file" ? path.join(scratch, "listings.duckdb") : ":memory:", {
    memory_limit: opts.memoryLimit,
    temp_directory: spill,
    threads: String(opts.threads ?? availableParallelism()),
    // Row order of a query is of no interest unless it says ORDER BY; this lets DuckDB stream without keeping order.
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
