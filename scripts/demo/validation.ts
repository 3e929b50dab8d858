import { readFileSync } from "fs";
import * as path from "path";
import { type CommandResult, type CommandStep, type DemoContext, arm, outputs } from "./steps";

/**
 * The converging end of every road map: validate → reconcile → validate,
 * and what each validation must report on the way. A validation's
 * expected differences are what Data Factory is documented to leave
 * behind (docs/patterns.md, "What the incremental patterns miss"), counted
 * from what the demo did to the lakes.
 */

type Kind = "missing" | "extra" | "type" | "size" | "stale" | "acl";
export type Expected = Partial<Record<Kind, number>>;

interface ReportCounts {
  ok: boolean;
  counts: Record<Kind, number>;
  problems: string[];
}

const roots = (ctx: DemoContext): string[] => ctx.folders.map((f) => `/${f.source.split("/").filter(Boolean).join("/")}`);
const under = (ctx: DemoContext, p: string): boolean => roots(ctx).some((r) => p.startsWith(`${r}/`));

/** Every directory of the lake, implicit parents included. */
function lakeDirectories(ctx: DemoContext): Set<string> {
  const dirs = new Set<string>();
  for (const s of ctx.lake) {
    const parts = s.path.split("/").filter(Boolean);
    for (let i = 1; i <= (s.type === "directory" ? parts.length : parts.length - 1); i++) dirs.add(`/${parts.slice(0, i).join("/")}`);
  }
  return dirs;
}

/** Paths of the migrated folders that hold no file below them: a recursive copy does not create them (ADF docs, emulators/factory/copy.ts). */
function emptyFolders(ctx: DemoContext): number {
  const withFiles = new Set<string>();
  const files = [...ctx.lake.filter((s) => s.type !== "directory").map((s) => s.path), ...(ctx.changes?.added.map((s) => s.path) ?? [])];
  for (const f of files) {
    const parts = f.split("/").filter(Boolean);
    for (let i = 1; i < parts.length; i++) withFiles.add(`/${parts.slice(0, i).join("/")}`);
  }
  return [...lakeDirectories(ctx)].filter((d) => under(ctx, d) && !withFiles.has(d)).length;
}

/** Every path below the migrated folders: what validate finds missing on a Gen2 nothing was copied to yet. */
function lakePaths(ctx: DemoContext): number {
  const files = ctx.lake.filter((s) => s.type !== "directory" && under(ctx, s.path)).length;
  return files + [...lakeDirectories(ctx)].filter((d) => under(ctx, d)).length;
}

/** A rename shows as the new path missing and the old one still on Gen2; a delete as an extra. */
const renames = (ctx: DemoContext): number => (ctx.changes?.renamed ? 1 : 0);

/**
 * dual-pipeline: the landed files and the directories made for them.
 * Nothing is preserved into either lake (docs/patterns.md, dual-pipeline),
 * so each lake gives them its own owner and permissions for a new path, and
 * validate --acls reports each as an acl difference for reconcile to set.
 */
function landedPaths(ctx: DemoContext): number {
  const known = lakeDirectories(ctx);
  const paths = new Set<string>();
  for (const l of ctx.landed ?? []) {
    paths.add(l.gen1);
    const parts = l.gen1.split("/").filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const dir = `/${parts.slice(0, i).join("/")}`;
      if (under(ctx, dir) && !known.has(dir)) paths.add(dir);
    }
  }
  return paths.size;
}

/** After the full copy: only the empty folders. */
export const afterFullCopy = (ctx: DemoContext): Expected => ({ missing: emptyFolders(ctx) });
/** After the windows, Gen2 copied by the full copy: the empty folders, the renamed file, the deleted files (and dual-pipeline's landed paths). */
export const afterWindows = (ctx: DemoContext): Expected => ({ missing: emptyFolders(ctx) + renames(ctx), extra: (ctx.changes?.deleted.length ?? 0) + renames(ctx), acl: landedPaths(ctx) });
/** After the windows, Gen2 seeded by reconcile (empty folders included): the renamed and deleted files. */
export const afterWindowsSeeded = (ctx: DemoContext): Expected => ({ missing: renames(ctx), extra: (ctx.changes?.deleted.length ?? 0) + renames(ctx) });
/** Before anything was copied: every path. */
export const nothingCopied = (ctx: DemoContext): Expected => ({ missing: lakePaths(ctx) });

function parse(r: CommandResult): ReportCounts | string {
  try {
    return JSON.parse(r.stdout) as ReportCounts;
  } catch {
    return `exit ${r.code}, and its output is not a JSON report`;
  }
}

/** exit 1 with exactly the expected differences (exit 0 when none are expected), and no problem. */
const documented = (expected: (ctx: DemoContext) => Expected) => (r: CommandResult, ctx: DemoContext): string | undefined => {
  const report = parse(r);
  if (typeof report === "string") return report;
  const want: Record<Kind, number> = { missing: 0, extra: 0, type: 0, size: 0, stale: 0, acl: 0, ...expected(ctx) };
  const off = (Object.keys(want) as Kind[]).filter((k) => report.counts[k] !== want[k]).map((k) => `${k} ${report.counts[k]} (expected ${want[k]})`);
  if (report.problems.length > 0) off.push(`problems: ${report.problems.join("; ")}`);
  const expectedCode = Object.values(want).some((n) => n > 0) ? 1 : 0;
  if (r.code !== expectedCode) off.unshift(`exit ${r.code}, expected ${expectedCode}`);
  if (expectedCode === 0 && !report.ok) off.unshift("ok is false");
  return off.length === 0 ? undefined : off.join(", ");
};

const BEFORE_RECONCILE = "before-reconcile";

/**
 * validate with ACLs: post-deploy's own entries (the stack's acls rules,
 * resolved through the outputs' principals) are not differences in
 * source-subset mode, so only what Gen1 holds and Gen2 lacks counts.
 */
const validateArgs = (ctx: DemoContext): string[] => [...ctx.stackArgs, ...outputs(ctx), "--source-account-url", ctx.session.endpoints.gen1, "--acls", "--acl-mode", "source-subset", "--json"];

/** A validation on the way: examples only. */
export const validate = (title: string, expected: (ctx: DemoContext) => Expected): CommandStep => ({
  kind: "command",
  title,
  script: "validate",
  args: (ctx) => [...validateArgs(ctx), "--max-listed", "5"],
  main: async () => (await import("../validate")).main,
  check: documented(expected),
  validation: true,
});

/**
 * The validation reconcile acts on: the report saved for `reconcile
 * --report`, every difference in its full list (--out). `allowEmpty`: Gen2's folders are meant to
 * be empty still (nothing seeded yet), which validate otherwise reports as
 * a problem that reconcile refuses to act on.
 */
export const validateBeforeReconcile = (title: string, expected: (ctx: DemoContext) => Expected, allowEmpty = false): CommandStep => ({
  ...validate(title, expected),
  args: (ctx) => [...validateArgs(ctx), ...(allowEmpty ? ["--allow-empty"] : []), "--out", path.join(ctx.scratch, BEFORE_RECONCILE)],
});

/** The last validation: exit 0, zero differences, no problem. */
export const validateAfterReconcile: CommandStep = validate("Validate after reconcile: zero differences", () => ({}));

/** What reconcile prints per kind (scripts/reconcile/output.ts), and the key each has in the demo's `--json`. */
const KINDS = { directories: "directories created", catchUp: "files copied by catch-up", acls: "ACLs set", deletes: "extra paths deleted" } as const;

/** Per kind, `[done, planned]` as reconcile printed it; a kind it did not print is absent. */
function fixes(stdout: string): Partial<Record<keyof typeof KINDS, [number, number]>> {
  const out: Partial<Record<keyof typeof KINDS, [number, number]>> = {};
  for (const [key, label] of Object.entries(KINDS) as [keyof typeof KINDS, string][]) {
    const m = new RegExp(`^  ${label}: (\\d+) of (\\d+)$`, "m").exec(stdout);
    if (m) out[key] = [Number(m[1]), Number(m[2])];
  }
  return out;
}

/** reconcile: exit 0, and per kind it printed everything planned as done, as many fixes as the report had differences. */
function fixedEverything(r: CommandResult, ctx: DemoContext): string | undefined {
  if (r.code !== 0) return `exit ${r.code}, expected 0`;
  const report = JSON.parse(readFileSync(path.join(ctx.scratch, `${BEFORE_RECONCILE}.json`), "utf8")) as ReportCounts;
  const found = fixes(r.stdout);
  const off: string[] = [];
  let done = 0;
  for (const [key, label] of Object.entries(KINDS) as [keyof typeof KINDS, string][]) {
    const f = found[key];
    if (!f) off.push(`no "${label}" line`);
    else if (f[0] !== f[1]) off.push(`${label}: ${f[0]} of ${f[1]}`);
    else done += f[0];
  }
  const differences = Object.values(report.counts).reduce((a, b) => a + b, 0);
  if (off.length === 0 && done !== differences) off.push(`${done} fixes for ${differences} differences`);
  return off.length === 0 ? undefined : off.join(", ");
}

export const reconcile = (title: string): CommandStep => ({
  kind: "command",
  title,
  script: "reconcile",
  args: (ctx) => [
    ...ctx.stackArgs,
    ...outputs(ctx),
    "--report", path.join(ctx.scratch, `${BEFORE_RECONCILE}.json`),
    "--delete",
    "--endpoint", arm(ctx),
    "--source-account-url", ctx.session.endpoints.gen1,
    "--journal", path.join(ctx.scratch, "reconcile.jsonl"),
  ],
  main: async () => (await import("../reconcile")).main,
  check: fixedEverything,
  counts: (r) => Object.fromEntries(Object.entries(fixes(r.stdout)).map(([k, [done]]) => [k, done])),
});

/** validate → reconcile → validate until zero, the end of every road map. */
export const converge = (title: string, expected: (ctx: DemoContext) => Expected, allowEmpty = false): CommandStep[] => [
  validateBeforeReconcile(title, expected, allowEmpty),
  reconcile("Reconcile: fix what the validation found (directories, catch-up copies, ACLs, deletes)"),
  validateAfterReconcile,
];
