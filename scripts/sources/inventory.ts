import { createReadStream } from "fs";
import { parse } from "csv-parse";
import { PathEntry, SourceError, SourceReader } from "./types";

/**
 * A saved listing for sources that can no longer be reached: CSV with a
 * header row, or JSON lines (one object per path). Column names are matched
 * case-insensitively, so our own field names and the columns of an Azure
 * blob inventory report (Name, Content-Length, Last-Modified, hdi_isfolder,
 * Owner, Group, Permissions, Acl) both work.
 */
export class InventoryReader implements SourceReader {
  readonly describe: string;

  constructor(
    private readonly file: string,
    private readonly format: "csv" | "jsonl",
  ) {
    this.describe = file;
  }

  async *list(): AsyncIterable<PathEntry> {
    const stream = createReadStream(this.file);
    const opened = new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", (err) => reject(new SourceError(`${this.file}: cannot read inventory file: ${err.message}`)));
    });
    await opened;
    let line = 1;
    try {
      if (this.format === "csv") {
        const parser = stream.pipe(parse({ columns: true, skip_empty_lines: true, bom: true, relax_column_count: true }));
        for await (const row of parser as AsyncIterable<Record<string, string>>) {
          line++;
          yield this.toEntry(row, line);
        }
      } else {
        // Splitting chunks by hand is several times faster than readline for millions of short lines.
        let rest = "";
        stream.setEncoding("utf8");
        for await (const chunk of stream as AsyncIterable<string>) {
          const lines = (rest + chunk).split("\n");
          rest = lines.pop() ?? "";
          for (const text of lines) {
            if (text.trim().length > 0) yield this.toEntry(this.parseJson(text, line), line);
            line++;
          }
        }
        if (rest.trim().length > 0) yield this.toEntry(this.parseJson(rest, line), line);
      }
    } catch (err) {
      if (err instanceof SourceError) throw err;
      throw new SourceError(`${this.file}:${line}: ${(err as Error).message}`);
    } finally {
      stream.destroy();
    }
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
    const path = pick("path", "name");
    if (typeof path !== "string" || path.length === 0) {
      throw new SourceError(`${this.file}:${line}: no path (expected a "path" or "Name" column)`);
    }
    const size = Number(pick("size", "length", "content-length", "contentlength") ?? 0);
    if (!Number.isFinite(size) || size < 0) throw new SourceError(`${this.file}:${line}: size ${JSON.stringify(pick("size", "length", "content-length"))} is not a byte count`);
    const acl = pick("acl");
    return {
      path: trimSlashes(path),
      type: isDirectory(pick("type", "hdi_isfolder", "isdirectory", "resourcetype")) ? "directory" : "file",
      size,
      modified: toEpoch(pick("modified", "last-modified", "lastmodified", "modificationtime")),
      owner: String(pick("owner") ?? ""),
      group: String(pick("group") ?? ""),
      permissions: String(pick("permissions", "permission") ?? ""),
      ...(acl !== undefined ? { acl: String(acl) } : {}),
    };
  }
}

function trimSlashes(p: string): string {
  return p.charCodeAt(0) === 47 || p.charCodeAt(p.length - 1) === 47 ? p.replace(/^\/+/, "").replace(/\/+$/, "") : p;
}

function isDirectory(v: unknown): boolean {
  if (typeof v === "boolean") return v;
  return typeof v === "string" && ["directory", "dir", "true", "folder"].includes(v.toLowerCase());
}

function toEpoch(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v !== "string") return NaN;
  return /^\d+$/.test(v) ? Number(v) : Date.parse(v);
}
