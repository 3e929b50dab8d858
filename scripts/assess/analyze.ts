import { PathEntry } from "../sources/types";

/** Named entries an access or default ACL can hold: 32 minus the four base entries. */
export const MAX_NAMED_ACL_ENTRIES = 28;

/** Path names Gen2 or the copy tooling rejects or silently changes. */
export const NAME_RULES = [
  { id: "trailing-dot", title: "name ends with a dot", test: (seg: string) => seg.endsWith(".") },
  { id: "colon", title: "name contains ':'", test: (seg: string) => seg.includes(":") },
  { id: "only-spaces", title: "name is only spaces", test: (seg: string) => seg.length > 0 && seg.trim() === "" },
  { id: "empty-segment", title: "path contains '//'", test: (seg: string) => seg === "" },
] as const;
export type NameRule = (typeof NAME_RULES)[number]["id"];

const AGE_BUCKETS = [
  { label: "< 30 days", maxDays: 30 },
  { label: "30-90 days", maxDays: 90 },
  { label: "90 days - 1 year", maxDays: 365 },
  { label: "1-2 years", maxDays: 730 },
  { label: "2-5 years", maxDays: 1826 },
  { label: "> 5 years", maxDays: Infinity },
];

export interface Finding {
  path: string;
  detail: string;
}

export interface Assessment {
  source: string;
  paths: number;
  files: number;
  directories: number;
  bytes: number;
  topLevel: { folder: string; files: number; directories: number; bytes: number }[];
  ages: { bucket: string; files: number; bytes: number }[];
  largest: { path: string; size: number }[];
  badNames: Record<NameRule, { count: number; examples: string[] }>;
  /** undefined when the listing carried no ACLs. */
  largeAcls?: { count: number; examples: Finding[] };
  throughputBytesPerSecond: number;
  estimatedCopySeconds: number;
}

export interface AssessOptions {
  acls: boolean;
  throughput: number;
  top: number;
  examples: number;
  now?: number;
}

/** Folds a listing into the assessment in one pass; memory grows with top-level folders and kept examples only. */
export async function assess(source: string, entries: AsyncIterable<PathEntry>, opts: AssessOptions): Promise<Assessment> {
  const now = opts.now ?? Date.now();
  const top = new Map<string, { files: number; directories: number; bytes: number }>();
  const ages = AGE_BUCKETS.map(() => ({ files: 0, bytes: 0 }));
  const unknownAge = { files: 0, bytes: 0 };
  const largest: { path: string; size: number }[] = [];
  const badNames = Object.fromEntries(NAME_RULES.map((r) => [r.id, { count: 0, examples: [] as string[] }])) as Assessment["badNames"];
  const largeAcls = { count: 0, examples: [] as Finding[] };
  let sawAcl = opts.acls;
  let paths = 0;
  let files = 0;
  let bytes = 0;

  for await (const e of entries) {
    paths++;
    const segments = e.path.split("/");
    const folder = segments.length > 1 ? segments[0] : e.type === "directory" ? segments[0] : "(root files)";
    const t = top.get(folder) ?? { files: 0, directories: 0, bytes: 0 };
    top.set(folder, t);
    for (const rule of NAME_RULES) {
      if (segments.some(rule.test)) {
        const b = badNames[rule.id];
        if (b.count++ < opts.examples) b.examples.push(e.path);
      }
    }
    if (e.acl !== undefined) {
      sawAcl = true;
      const named = namedEntries(e.acl);
      if (named.access > MAX_NAMED_ACL_ENTRIES || named.default > MAX_NAMED_ACL_ENTRIES) {
        if (largeAcls.count++ < opts.examples) largeAcls.examples.push({ path: e.path, detail: `${named.access} named access entries, ${named.default} named default entries` });
      }
    }
    if (e.type === "directory") {
      if (segments.length > 1) t.directories++;
      continue;
    }
    files++;
    bytes += e.size;
    t.files++;
    t.bytes += e.size;
    const days = (now - e.modified) / 86_400_000;
    const bucket = Number.isFinite(days) ? ages[AGE_BUCKETS.findIndex((b) => days < b.maxDays)] : unknownAge;
    bucket.files++;
    bucket.bytes += e.size;
    keepLargest(largest, { path: e.path, size: e.size }, opts.top);
  }

  return {
    source,
    paths,
    files,
    directories: paths - files,
    bytes,
    topLevel: [...top].map(([folder, v]) => ({ folder, ...v })).sort((a, b) => b.bytes - a.bytes || (a.folder < b.folder ? -1 : 1)),
    ages: [...AGE_BUCKETS.map((b, i) => ({ bucket: b.label, ...ages[i] })), ...(unknownAge.files > 0 ? [{ bucket: "unknown", ...unknownAge }] : [])],
    largest,
    badNames,
    ...(sawAcl ? { largeAcls } : {}),
    throughputBytesPerSecond: opts.throughput,
    estimatedCopySeconds: bytes / opts.throughput,
  };
}

/** Named user/group entries per scope ("user:<id>:rwx"; base entries have an empty id). */
export function namedEntries(acl: string): { access: number; default: number } {
  const n = { access: 0, default: 0 };
  for (const entry of acl.split(",")) {
    const parts = entry.trim().split(":");
    const scoped = parts[0] === "default";
    const [type, id] = scoped ? parts.slice(1) : parts;
    if ((type === "user" || type === "group") && id) n[scoped ? "default" : "access"]++;
  }
  return n;
}

/** Keeps `list` as the `n` largest files, descending (n is small: a linear insert is enough). */
function keepLargest(list: { path: string; size: number }[], item: { path: string; size: number }, n: number): void {
  if (n <= 0 || (list.length >= n && item.size <= list[list.length - 1].size)) return;
  let i = list.length;
  while (i > 0 && list[i - 1].size < item.size) i--;
  list.splice(i, 0, item);
  if (list.length > n) list.pop();
}

/** "2GB/s", "500 MB/s", "1.5TB/s", or plain bytes per second. */
export function parseThroughput(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?(?:\/s|ps)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 }[(m[2] ?? "B").toUpperCase() as "B"];
  const v = Number(m[1]) * unit;
  return v > 0 ? v : undefined;
}
