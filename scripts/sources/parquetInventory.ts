import { existsSync } from "fs";
import type { InventoryFiles } from "./duckListing";
import { duckRows, DuckRowsOptions } from "./duckRows";
import { rowToEntry } from "./rowEntry";
import { checkColumns } from "./inventory";
import { ListOptions, PathEntry, SourceError, SourceReader } from "./types";

/**
 * A saved listing in Parquet (for example a Gen1 account's, exported before it
 * went read-only), with the same columns a CSV or JSON-lines listing has.
 */
export class ParquetInventoryReader implements SourceReader {
  readonly describe: string;

  constructor(
    private readonly file: string,
    private readonly duck: DuckRowsOptions = {},
  ) {
    this.describe = file;
  }

  inventoryFiles(opts: ListOptions = {}): InventoryFiles {
    this.checkExists();
    return { files: [this.file], format: "parquet", where: this.file, require: opts.require };
  }

  private checkExists(): void {
    if (!existsSync(this.file)) throw new SourceError(`${this.file}: cannot read inventory file: it does not exist`);
  }

  async *list(opts: ListOptions = {}): AsyncIterable<PathEntry> {
    this.checkExists();
    let row = 0;
    try {
      for await (const raw of duckRows([this.file], "parquet", this.duck)) {
        row++;
        // DuckDB gives every column of the file on every row, nulls included: the first row's keys are the schema.
        if (row === 1) checkColumns(Object.keys(raw), opts.require ?? [], `${this.file} (Parquet columns)`);
        const entry = rowToEntry(raw);
        if (typeof entry === "string") throw new SourceError(`${this.file}: row ${row}: ${entry}`);
        yield entry;
      }
    } catch (err) {
      if (err instanceof SourceError) throw err;
      throw new SourceError(`${this.file}: cannot read as Parquet: ${(err as Error).message.split("\n")[0]}`);
    }
  }
}
