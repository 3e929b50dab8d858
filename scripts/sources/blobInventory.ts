import type { InventoryFiles } from "./duckListing";
import { duckRows, DuckRowsOptions } from "./duckRows";
import { InventoryRun } from "./inventoryRun";
import { rowToEntry } from "./rowEntry";
import { ListOptions, PathEntry, SourceError, SourceReader } from "./types";

const ACL_FIELDS = ["Owner", "Group", "Permissions", "Acl"];

/**
 * A Gen2 blob inventory run as a listing. Inventory names are
 * "<container>/<path>" (learn.microsoft.com calculate-blob-count-size splits
 * the container off Name at the first "/"); entries come out relative to
 * `subtree` ("<filesystem>/<folder>"), like a Gen2 listing of that folder,
 * which leaves the folder itself out. Rows come in no particular order (the
 * blob-inventory page says so); validate sorts them.
 */
export class BlobInventoryReader implements SourceReader {
  constructor(
    private readonly run: InventoryRun,
    /** "<filesystem>/<folder>", "<filesystem>", or "" for paths relative to the account. */
    private readonly subtree: string,
    readonly describe: string,
    private readonly duck: DuckRowsOptions = {},
  ) {}

  inventoryFiles(opts: ListOptions = {}): InventoryFiles {
    this.checkAclFields(opts);
    return { files: this.run.files, format: this.run.format, subtree: this.subtree, objectCount: this.run.objectCount, where: this.run.manifest, require: opts.require };
  }

  private checkAclFields(opts: ListOptions): void {
    const fields = new Set(this.run.schemaFields.map((f) => f.toLowerCase()));
    const missing = ACL_FIELDS.filter((f) => !fields.has(f.toLowerCase()));
    if (opts.acls && missing.length > 0) {
      throw new SourceError(`${this.describe}: the run has no ${missing.join(", ")} columns, needed for ACLs (set adls-migration:inventory.acls: true and wait for the next run)`);
    }
  }

  async *list(opts: ListOptions = {}): AsyncIterable<PathEntry> {
    this.checkAclFields(opts);
    const prefix = this.subtree === "" ? "" : `${this.subtree}/`;
    let rows = 0;
    try {
      for await (const row of duckRows(this.run.files, this.run.format, this.duck)) {
        rows++;
        const name = row.Name ?? row.name;
        if (typeof name !== "string" || !name.startsWith(prefix) || name.length === prefix.length) continue;
        const entry = rowToEntry(row, name.slice(prefix.length));
        if (typeof entry === "string") throw new SourceError(`${this.describe}: row ${rows} (${name}): ${entry}`);
        if (!opts.acls) delete entry.acl;
        yield entry;
      }
    } catch (err) {
      if (err instanceof SourceError) throw err;
      throw new SourceError(`${this.describe}: cannot read ${this.run.format} files of ${this.run.manifest}: ${(err as Error).message.split("\n")[0]}`);
    }
    // The per-file sizes were checked when the run was located; this catches a file that is whole but not this run's.
    if (this.run.objectCount !== undefined && rows !== this.run.objectCount) {
      throw new SourceError(`${this.describe}: read ${rows} rows but ${this.run.manifest} says the run holds ${this.run.objectCount}: the files do not belong to this manifest`);
    }
  }
}
