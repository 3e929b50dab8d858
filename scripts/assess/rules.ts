/**
 * What assess looks for, each rule with the SQL that applies it to a
 * listing table (LISTING_COLUMNS: path, dir, size, modified, acl): the one
 * place the rules are written down. The report takes titles and labels
 * from here, the aggregation (aggregate.ts) the SQL.
 */

/** Named entries an access or default ACL can hold: 32 minus the four base entries. */
export const MAX_NAMED_ACL_ENTRIES = 28;

/**
 * What JavaScript's String.prototype.trim removes (ECMAScript WhiteSpace and
 * LineTerminator), taken from the engine itself rather than retyped: "only
 * spaces" and ACL entries are judged as the JavaScript rules were. None lies
 * outside the Basic Multilingual Plane.
 */
const WHITESPACE = Array.from({ length: 0x10000 }, (_, c) => c).filter((c) => String.fromCharCode(c).trim() === "");
/** The whitespace as an RE2 character class (DuckDB's regular expressions). */
const WHITESPACE_CLASS = `[${WHITESPACE.map((c) => `\\x{${c.toString(16)}}`).join("")}]`;
/**
 * A path that may hold whitespace: an ASCII one, or any character beyond
 * ASCII (the others all are). A regular expression costs about as much per
 * row whatever it looks for, so most paths are cleared without one.
 */
const MAY_HOLD_WHITESPACE = [
  ...WHITESPACE.filter((c) => c < 0x80).map((c) => `contains(path, '${String.fromCharCode(c)}')`),
  "strlen(path) <> length(path)",
].join(" OR ");
/** The whitespace as a DuckDB string literal, for trim(s, characters) (a literal: chr() calls are evaluated per entry). */
const WHITESPACE_CHARS = `'${String.fromCharCode(...WHITESPACE)}'`;

/**
 * Path names Gen2 or the copy tooling rejects or silently changes. Each rule
 * is about one path segment (the path split at "/"); `sql` is true when some
 * segment of `path` breaks it, written on the whole path because a list of
 * segments per row costs minutes over 10 M rows where these take seconds.
 */
export const NAME_RULES = [
  // A segment ends with "." exactly where a "." stands before a "/" or at the end.
  { id: "trailing-dot", title: "name ends with a dot", sql: "(ends_with(path, '.') OR contains(path, './'))" },
  { id: "colon", title: "name contains ':'", sql: "contains(path, ':')" },
  // A non-empty run of whitespace from a segment's start to its end; the regular expression only for a path that may hold one.
  {
    id: "only-spaces",
    title: "name is only spaces",
    sql: `CASE WHEN ${MAY_HOLD_WHITESPACE} THEN regexp_matches(path, '(?:^|/)${WHITESPACE_CLASS}+(?:/|$)') ELSE FALSE END`,
  },
  // "", or a "/" at either end or next to another.
  { id: "empty-segment", title: "path contains '//'", sql: "(path = '' OR starts_with(path, '/') OR ends_with(path, '/') OR contains(path, '//'))" },
] as const;
export type NameRule = (typeof NAME_RULES)[number]["id"];

/** Last-modified age of files: the first bucket with days < maxDays; files without a time are "unknown". */
export const AGE_BUCKETS = [
  { label: "< 30 days", maxDays: 30 },
  { label: "30-90 days", maxDays: 90 },
  { label: "90 days - 1 year", maxDays: 365 },
  { label: "1-2 years", maxDays: 730 },
  { label: "2-5 years", maxDays: 1826 },
  { label: "> 5 years", maxDays: Infinity },
] as const;
export const UNKNOWN_AGE = "unknown";

/** The days since `modified` (epoch ms) as seen at `now`, in the double arithmetic the JavaScript rule used; NULL without a time. */
export function ageDaysSql(now: number): string {
  return `((${now}::DOUBLE - modified) / 86400000)`;
}

/** The bucket index of a file `days` old; AGE_BUCKETS.length when it has no time. */
export function ageBucketSql(days: string): string {
  const bounded = AGE_BUCKETS.map((b, i) => (Number.isFinite(b.maxDays) ? `WHEN ${days} < ${b.maxDays} THEN ${i}` : `ELSE ${i}`));
  return `CASE WHEN ${days} IS NULL THEN ${AGE_BUCKETS.length} ${bounded.join(" ")} END`;
}

/**
 * The top-level folder a path counts under: its first segment, or the path
 * itself for a directory at the root; files at the root count under
 * "(root files)". Directories count in `directories` only below the top.
 */
const ROOT_FILES = "(root files)";
export const TOP_FOLDER_SQL = `CASE WHEN contains(path, '/') THEN split_part(path, '/', 1) WHEN dir THEN path ELSE '${ROOT_FILES}' END`;
export const BELOW_TOP_SQL = "contains(path, '/')";

/**
 * Named user and group entries of one scope of `acl` (comma-separated POSIX
 * entries, `[default:]user|group|mask|other:[id]:rwx`): entries are trimmed
 * and split at ":"; a named entry is a user or group one with a non-empty id
 * (base entries have an empty id). NULL for a path without an ACL.
 */
export function namedEntriesSql(scope: "access" | "default"): string {
  const entries = `list_transform(string_split(acl, ','), lambda e: string_split(trim(e, ${WHITESPACE_CHARS}), ':'))`;
  const named =
    scope === "access" ? "p[1] IN ('user', 'group') AND coalesce(p[2], '') <> ''" : "p[1] = 'default' AND p[2] IN ('user', 'group') AND coalesce(p[3], '') <> ''";
  return `len(list_filter(${entries}, lambda p: ${named}))`;
}

/** The shortest ACL that can hold more than 28 named entries in a scope: 29 of at least "user:x", and their commas. */
const MIN_LARGE_ACL_BYTES = (MAX_NAMED_ACL_ENTRIES + 1) * "user:x".length + MAX_NAMED_ACL_ENTRIES;

/**
 * A path whose access or default ACL has more named entries than Gen2
 * allows. Entries are split only for an ACL long enough and of enough
 * entries to be one (CASE evaluates a branch for the rows that reach it
 * alone): splitting every ACL costs seconds per million paths.
 */
export const LARGE_ACL_SQL =
  `CASE WHEN acl IS NULL OR strlen(acl) < ${MIN_LARGE_ACL_BYTES} THEN FALSE WHEN len(string_split(acl, ',')) <= ${MAX_NAMED_ACL_ENTRIES} THEN FALSE ` +
  `ELSE ${namedEntriesSql("access")} > ${MAX_NAMED_ACL_ENTRIES} OR ${namedEntriesSql("default")} > ${MAX_NAMED_ACL_ENTRIES} END`;
