import { createReadStream, existsSync, statSync } from "fs";
import { parse } from "csv-parse";
import { COLUMNS, isDirectory, toEpoch } from "./columns";
import type { InventoryFiles } from "./duckListing";
import { InputError, ListOptions, ListedField, PathEntry, SourceError, SourceReader } from "./types";

/**
 * A saved listing for sources that can no longer be reached: CSV with a
 * header row, or JSON lines (one object per path). Column names are matched
 * case-insensitively, so our own field names and the columns of an Azure
 * blob inventory report (Name, Content-Length, Last-Modified, hdi_isfolder,
 * Owner, Group, Permissions, Acl) both work.
 *
 * Fields the caller requires (`ListOptions.require`) must have a column: in a
 * CSV header, or as a key of every JSON line (directories need no size; a
 * line without "acl" has no entries beyond its permission bits). A missing
 * one is an InputError naming the column, never a silent default.
 *
 * A CSV file is read by DuckDB directly where a DuckDB engine takes the
 * listing (`inventoryFiles`); JSON lines always stream through `list`: their
 * keys may differ from line to line, and a file line without a size is
 * refused naming its line, which DuckDB's one inferred schema cannot do.
 */
export class InventoryReader implements SourceReader {
  readonly describe: string;

  constructor(
    private readonly file: string,
    private readonly format: "csv" | "jsonl",
  ) {
    this.describe = file;
  }

  inventoryFiles(opts: ListOptions = {}): InventoryFiles | undefined {
    if (this.format !== "csv") return undefined;
    if (!existsSync(this.file)) throw new SourceError(`${this.file}: cannot read inventory file: it does not exist`);
    // An empty file has no header: csv-parse lists no path from it, where DuckDB would invent a column "column0" and refuse it.
    if (statSync(this.file).size === 0) return undefined;
    return { files: [this.file], format: "csv", where: this.file, require: opts.require };
  }

  async *list(listOpts: ListOptions = {}): AsyncIterable<PathEntry> {
    const required = listOpts.require ?? [];
    const stream = createReadStream(this.file);
    const opened = new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", (err) => reject(new SourceError(`${this.file}: cannot read inventory file: ${err.message}`)));
    });
    await opened;
    let line = 1;
    try {
      if (this.format === "csv") {
        let header: string[] = [];
        const columns = (names: string[]): string[] => (header = names);
        const parser = stream.pipe(parse({ columns, skip_empty_lines: true, bom: true, relax_column_count: true }));
        let checked = false;
        for await (const row of parser as AsyncIterable<Record<string, string>>) {
          if (!checked) this.checkColumns(header, required, `${this.file} (CSV header)`);
          checked = true;
          line++;
          yield this.toEntry(row, line);
        }
        if (!checked && header.length > 0) this.checkColumns(header, required, `${this.file} (CSV header)`);
      } else {
        // Splitting chunks by hand is several times faster than readline for millions of short lines.
        let rest = "";
        stream.setEncoding("utf8");
        for await (const chunk of stream as AsyncIterable<string>) {
          const lines = (rest + chunk).split("\n");
          rest = lines.pop() ?? "";
          for (const text of lines) {
            if (text.trim().length > 0) yield this.jsonEntry(text, line, required);
            line++;
          }
        }
        if (rest.trim().length > 0) yield this.jsonEntry(rest, line, required);
      }
    } catch (err) {
      if (err instanceof SourceError) throw err;
      throw new SourceError(`${this.file}:${line}: ${(err as Error).message}`);
    } finally {
      stream.destroy();
    }
  }

  private checkColumns(keys: string[], required: readonly ListedField[], where: string, isDirectory = false): void {
    checkColumns(keys, required, where, isDirectory);
  }

  private jsonEntry(text: string, line: number, required: readonly ListedField[]): PathEntry {
    const raw = this.parseJson(text, line);
    // A JSON line leaves out what is empty, so a record without "acl" has no entries beyond its permission bits (as an empty CSV cell).
    // Exact-case keys first: millions of lines, and our own files always match so.
    const unseen = required.filter((f) => f !== "acl" && !COLUMNS[f].some((c) => c in raw));
    if (unseen.length > 0) this.checkColumns(Object.keys(raw), unseen, `${this.file}:${line}`, raw.type === "directory" || isDirectory(raw.hdi_isfolder));
    return this.toEntry(raw, line);
  }

  private parseJson(text: string, line: number): Record<string, unknown> {
    try {
      const v: unknown = JSON.parse(text);
      if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // reported below with the line number
    }
    throw new SourceError(`${this.file}:${line}: not a JSON object`);
  }

  private toEntry(raw: Record<string, unknown>, line: number): PathEntry {
    // Our own saved listings use the PathEntry field names: skip the case-insensitive lookup.
    if (typeof raw.path === "string" && (raw.type === "file" || raw.type === "directory") && (raw.size === undefined || typeof raw.size === "number")) {
      const size = raw.size ?? 0;
      if (size >= 0) {
        return {
          path: trimSlashes(raw.path),
          type: raw.type,
          size,
          modified: toEpoch(raw.modified),
          owner: typeof raw.owner === "string" ? raw.owner : "",
          group: typeof raw.group === "string" ? raw.group : "",
          permissions: typeof raw.permissions === "string" ? raw.permissions : "",
          ...(typeof raw.acl === "string" ? { acl: raw.acl } : {}),
        };
      }
    }
    const row = new Map(Object.entries(raw).map(([k, v]) => [k.toLowerCase(), v]));
    const pick = (...names: string[]): unknown => names.map((n) => row.get(n)).find((v) => v !== undefined && v !== "");
    const path = pick(...COLUMNS.path);
    if (typeof path !== "string" || path.length === 0) {
      throw new SourceError(`${this.file}:${line}: no path (expected a "path" or "Name" column)`);
    }
    const size = Number(pick(...COLUMNS.size) ?? 0);
    if (!Number.isFinite(size) || size < 0) throw new SourceError(`${this.file}:${line}: size ${JSON.stringify(pick(...COLUMNS.size))} is not a byte count`);
    const acl = pick(...COLUMNS.acl);
    return {
      path: trimSlashes(path),
      type: isDirectory(pick(...COLUMNS.type)) ? "directory" : "file",
      size,
      modified: toEpoch(pick(...COLUMNS.modified)),
      owner: String(pick(...COLUMNS.owner) ?? ""),
      group: String(pick(...COLUMNS.group) ?? ""),
      permissions: String(pick(...COLUMNS.permissions) ?? ""),
      ...(acl !== undefined ? { acl: String(acl) } : {}),
    };
  }
}

/**
 * Throws an InputError naming the first required field no column of `keys`
 * provides (case-insensitive; directories need no size). Shared by every
 * reader of saved listings, so no format can default a missing column to 0.
 */
export function checkColumns(keys: string[], required: readonly ListedField[], where: string, isDirectory = false): void {
  const have = new Set(keys.map((k) => k.toLowerCase()));
  for (const field of required) {
    if (field === "size" && isDirectory) continue;
    if (!COLUMNS[field].some((c) => have.has(c))) {
      throw new InputError(
        `${where}: no "${field}" column (one of ${COLUMNS[field].join(", ")}), needed to compare ${NEEDED_FOR[field]}; add the column, or leave out the flag that compares it`,
      );
    }
  }
}

const NEEDED_FOR: Record<ListedField, string> = {
  type: "files with folders (type)",
  size: "file sizes",
  modified: "modification times (stale copies)",
  owner: "owners (--acls)",
  group: "owning groups (--acls)",
  permissions: "permission bits (--acls)",
  acl: "ACLs (--acls)",
};

function trimSlashes(p: string): string {
  return p.charCodeAt(0) === 47 || p.charCodeAt(p.length - 1) === 47 ? p.replace(/^\/+/, "").replace(/\/+$/, "") : p;
}

