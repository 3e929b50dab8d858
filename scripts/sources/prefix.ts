import { ListOptions, PathEntry, SourceReader, relativePath } from "./types";

/** A path prefix to strip (`to` = "") or to replace, e.g. "raw/sales" → "" or "raw/sales" → "sales". */
export interface PrefixMap {
  from: string;
  to: string;
}

/** Parses `<from>` or `<from>=<to>` (leading and trailing slashes ignored). */
export function parsePrefix(value: string): PrefixMap {
  const i = value.indexOf("=");
  return i < 0 ? { from: relativePath(value), to: "" } : { from: relativePath(value.slice(0, i)), to: relativePath(value.slice(i + 1)) };
}

/**
 * A listing seen through a prefix: paths under `from` are renamed to sit
 * under `to`; `from` itself (the folder root, which listings of a folder do
 * not include) and paths outside it are left out, counted for the hint.
 */
export class PrefixReader implements SourceReader {
  readonly describe: string;
  private inside = 0;
  private outside = 0;
  private example?: string;

  constructor(
    private readonly inner: SourceReader,
    private readonly prefix: PrefixMap,
    /** The flag that set it, for the hint. */
    private readonly flag: string,
  ) {
    this.describe = prefix.from === "" && prefix.to === "" ? inner.describe : `${inner.describe} [${prefix.from || "/"} → ${prefix.to || "/"}]`;
  }

  async *list(opts?: ListOptions): AsyncIterable<PathEntry> {
    const { from, to } = this.prefix;
    const head = from === "" ? "" : `${from}/`;
    for await (const e of this.inner.list(opts)) {
      if (!e.path.startsWith(head) || e.path === from) {
        this.outside++;
        this.example ??= e.path;
        continue;
      }
      this.inside++;
      const rest = e.path.slice(head.length);
      yield { ...e, path: to === "" ? rest : `${to}/${rest}` };
    }
  }

  /** Why this side may have listed nothing: every path was outside the prefix. */
  hint(): string | undefined {
    if (this.inside > 0 || this.outside === 0) return undefined;
    return `none of the ${this.outside} paths of ${this.inner.describe} is under "${this.prefix.from}" (${this.flag}); paths look like "${this.example}"`;
  }
}
