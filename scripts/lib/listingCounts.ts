import { randomBytes } from "crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import { z } from "zod";
import type { Expected } from "./progress";
import { stateDir } from "./stateDir";

/** The file in the state directory; one small JSON object for every source. */
export const LISTING_COUNTS_FILE = "listing-counts.json";
/** Sources remembered at most; the oldest listings go first. */
export const MAX_REMEMBERED = 1000;

const fileSchema = z.object({
  counts: z.record(z.string(), z.object({ paths: z.number().int().positive(), at: z.string() })),
});
type Counts = z.infer<typeof fileSchema>["counts"];

/**
 * How many paths the last complete listing of each live source returned, so
 * that the next listing of it shows n / total and an ETA. Estimates only:
 * an unreadable or malformed file counts as empty (and is replaced by the
 * next write), and a failed write is reported, never fatal.
 */
export class ListingCounts {
  readonly file: string;

  constructor(env: NodeJS.ProcessEnv) {
    this.file = path.join(stateDir(env), LISTING_COUNTS_FILE);
  }

  /** The total the next listing of `describe` is expected to reach, from the last complete one. */
  expected(describe: string): Expected | undefined {
    const key = listingKey(describe);
    const last = key === undefined ? undefined : this.read()[key];
    return last && { total: last.paths, from: `the run of ${last.at.slice(0, 16).replace("T", " ")} UTC` };
  }

  /** After a complete listing of `describe`: its count (none for 0: an empty listing says nothing of the next). Returns a problem, if any, to show. */
  remember(describe: string, paths: number, now = new Date()): string | undefined {
    const key = listingKey(describe);
    if (key === undefined) return undefined;
    const counts = this.read();
    delete counts[key];
    if (paths > 0) counts[key] = { paths, at: now.toISOString() };
    const kept = Object.entries(counts)
      .sort(([, a], [, b]) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
      .slice(0, MAX_REMEMBERED);
    // Written beside the file and renamed over it: a reader (another run) sees the old file or the new one, never half of one.
    const tmp = `${this.file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileSync(tmp, `${JSON.stringify({ counts: Object.fromEntries(kept) })}\n`);
      renameSync(tmp, this.file);
      return undefined;
    } catch (err) {
      // Never throws itself: it runs in the middle of a comparison, which a lost estimate must not fail.
      if (existsSync(tmp)) rmSync(tmp);
      return `cannot keep the path count of ${describe} in ${this.file} (the next listing of it shows no ETA): ${(err as Error).message}`;
    }
  }

  private read(): Counts {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file, "utf8"));
    } catch {
      return {};
    }
    const parsed = fileSchema.safeParse(raw);
    return parsed.success ? parsed.data.counts : {};
  }
}

/**
 * The key of a live source, from the URI as the user wrote it: scheme and
 * host in lower case, the Gen1 https://…/webhdfs/v1 form as adl://, abfs as
 * abfss, the path without doubled or trailing slashes. Undefined for
 * inventory files and runs: they are read whole and know their own count.
 * A prefix view (`… [raw → /]`, from --source-prefix) keeps its suffix:
 * it lists fewer paths than the folder.
 */
export function listingKey(describe: string): string | undefined {
  const view = / \[[^\]]* → [^\]]*\]$/.exec(describe);
  const uri = view ? describe.slice(0, view.index) : describe;
  if (!/^(adl|abfss?|https):\/\//i.test(uri)) return undefined;
  let url: URL;
  let folder: string;
  try {
    url = new URL(uri);
    folder = decodeURIComponent(url.pathname);
  } catch {
    return describe;
  }
  let scheme = url.protocol.toLowerCase().replace(/:$/, "");
  if (scheme === "https" && /^\/webhdfs\/v1(\/|$)/.test(folder)) {
    scheme = "adl";
    folder = folder.slice("/webhdfs/v1".length);
  }
  if (scheme === "abfs") scheme = "abfss";
  const user = url.username === "" ? "" : `${url.username}@`;
  const segments = folder.split("/").filter((s) => s !== "");
  return `${scheme}://${user}${url.host.toLowerCase()}/${segments.join("/")}${view ? view[0] : ""}`;
}
