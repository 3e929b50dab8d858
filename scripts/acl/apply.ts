import type { AccessControlChanges, DataLakeDirectoryClient, DataLakeServiceClient } from "@azure/storage-file-datalake";
import pLimit from "p-limit";
import { Interrupted, UsageError } from "../lib/cli";
import { Ace, applyModify, applySet, formatAces, fromSdk, limitProblems, satisfies, toSdk, traverseChanges } from "./aclModel";
import { Checkpoint, FailedEntry, MAX_FAILED_ENTRIES, RuleState, UnitState, openCheckpoint, saveCheckpoint } from "./checkpoint";
import { DEFAULT_RETRY, RetryOptions, errorReason, withRetry } from "./retry";
import type { ResolvedRule } from "./spec";

/**
 * The ACL applier. Per rule, in spec order (later rules may refine earlier
 * ones): grant --x on the parents (traverse), then apply the rule to the rule
 * root and every path below it. The SDK runs recursive batches serially, so
 * the rule root is split into independent subtrees (its child directories
 * and files) that run with bounded concurrency, each batch by batch with its
 * continuation token checkpointed.
 */

/** Recursive ACL batch size: the service maximum, and the default (range 1-2000). */
export const MAX_BATCH = 2000;
/** Subtrees applied in parallel: default 16 (range 1-MAX_CONCURRENCY). */
export const DEFAULT_CONCURRENCY = 16;
export const MAX_CONCURRENCY = 64;
/**
 * A rule root with more direct files than this is applied as one recursive
 * unit: one request per file would cost more than serial 2000-path batches.
 */
export const FANOUT_MAX_FILES = 256;

export interface ApplyEvents {
  /** A rule was planned; `units` subtrees to apply (0: nothing to change). */
  ruleStart?(rule: ResolvedRule, units: number): void;
  /** Paths written (directories + files) and failures, after each batch or single write. */
  progress?(delta: { paths: number; failures: number }): void;
  unitDone?(): void;
  retry?(reason: string, delayMs: number): void;
  /** Human-readable plan lines (dry run) and notes. */
  note?(line: string): void;
  /** Something the user should know before the rule is applied (dry runs included). */
  warn?(line: string): void;
}

export interface ApplyOptions {
  service: DataLakeServiceClient;
  accountUrl: string;
  rules: ResolvedRule[];
  dryRun: boolean;
  concurrency: number;
  /** Not used for dry runs. */
  checkpointFile: string;
  resume: boolean;
  /**
   * Apply every subtree, even those whose top path already has the entries
   * (the default skips them): paths added below since, e.g. by a copy that
   * preserves ACLs, are only fixed this way.
   */
  full?: boolean;
  batchSize?: number;
  retry?: RetryOptions;
  signal?: AbortSignal;
  events?: ApplyEvents;
}

export interface RuleSummary {
  path: string;
  mode: string;
  changed: boolean;
  /** Parents that got --x (traverse). */
  traversed: string[];
  /** Subtrees applied (or, in a dry run, that would be). */
  subtrees: number;
  /** Subtrees left alone because their top path already had the wanted entries. */
  unchanged: number;
}

export interface ApplySummary {
  directories: number;
  files: number;
  failures: number;
  failedEntries: FailedEntry[];
  rules: RuleSummary[];
  changed: boolean;
}

/** Stopped by the signal (Ctrl-C); the checkpoint holds the position. */
/** Ctrl-C during an apply: the checkpoint holds the position for --resume. */
export class ApplyAborted extends Interrupted {}

interface PathInfo {
  acl: Ace[];
  isDir: boolean;
}

export async function applyAcls(opts: ApplyOptions): Promise<ApplySummary> {
  const batchSize = opts.batchSize ?? MAX_BATCH;
  const retry = opts.retry ?? DEFAULT_RETRY;
  const ev = opts.events ?? {};
  const limit = pLimit(opts.concurrency);
  let cp: Checkpoint | undefined;

  const call = <T>(fn: () => Promise<T>) =>
    withRetry(fn, {
      ...retry,
      signal: opts.signal,
      onRetry: (err, _attempt, delay) => {
        if (cp) cp.counters.retries += 1;
        ev.retry?.(errorReason(err), delay);
      },
    });
  const dir = (fs: string, path: string): DataLakeDirectoryClient =>
    opts.service.getFileSystemClient(fs).getDirectoryClient(path === "" ? "/" : path);

  /** ACL and kind of a path; `isDir` when already known (from a listing) saves the properties request. */
  async function readPath(fs: string, path: string, isDir?: boolean): Promise<PathInfo | undefined> {
    try {
      const client = dir(fs, path);
      const known = path === "" ? true : isDir;
      const [props, acl] = await Promise.all([
        known !== undefined ? Promise.resolve({ metadata: { hdi_isfolder: String(known) } }) : call(() => client.getProperties({ abortSignal: opts.signal })),
        call(() => client.getAccessControl({ abortSignal: opts.signal })),
      ]);
      return { acl: fromSdk(acl.acl), isDir: props.metadata?.hdi_isfolder === "true" };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  // 1. Read-only validation of every rule before any write.
  const problems: string[] = [];
  await Promise.all(
    opts.rules.map((rule) =>
      limit(async () => {
        const where = `rules[${rule.index}] (${rule.path})`;
        const root = await readPath(rule.filesystem, rule.directory);
        if (!root) return void problems.push(`${where}: the path does not exist`);
        if (!root.isDir && rule.entries.some((e) => e.scope === "default")) {
          problems.push(`${where}: is a file; default entries apply to directories only`);
        }
        for (const p of limitProblems(desiredAcl(rule, root.acl, root.acl, root.isDir))) problems.push(`${where}: ${p}`);
        if (rule.traverse) {
          for (const parent of parentsOf(rule.directory)) {
            const info = await readPath(rule.filesystem, parent, true);
            if (!info) continue;
            const after = applyModify(info.acl, traverseChanges(info.acl, traversePrincipals(rule)), true);
            for (const p of limitProblems(after)) problems.push(`${where}: parent ${rule.filesystem}/${parent}: ${p}`);
          }
        }
      }),
    ),
  );
  if (problems.length > 0) throw new UsageError("ACL spec cannot be applied; nothing was changed", problems.sort());

  cp = opts.dryRun
    ? undefined
    : openCheckpoint({ file: opts.checkpointFile, resume: opts.resume, rules: opts.rules, accountUrl: opts.accountUrl });
  if (cp) {
    cp.status = "running";
    if (opts.resume) resetFailures(cp);
  }
  const save = () => {
    if (cp) saveCheckpoint(opts.checkpointFile, cp);
  };
  const counters = cp?.counters ?? { directories: 0, files: 0, failures: 0, batches: 0, retries: 0 };
  const failedEntries: FailedEntry[] = cp?.failedEntries ?? [];
  const fail = (path: string, reason: string) => {
    counters.failures += 1;
    if (failedEntries.length < MAX_FAILED_ENTRIES) failedEntries.push({ path, reason });
  };
  const summaries: RuleSummary[] = [];

  try {
    for (const rule of opts.rules) {
      const rs: RuleState = cp?.rules.find((r) => r.index === rule.index) ?? { index: rule.index, state: "pending", traverseDone: false };
      const summary: RuleSummary = { path: rule.path, mode: rule.mode, changed: false, traversed: [], subtrees: 0, unchanged: 0 };
      summaries.push(summary);
      if (rs.state === "done") {
        ev.ruleStart?.(rule, 0);
        continue;
      }

      // 2. Traverse (--x on the parents) and 3. plan the subtrees below the rule
      // root: independent of each other, so they run together (against a
      // distant account each is a few round trips).
      // A resume keeps the stored plan.
      const [traverse, plan] = await Promise.all([
        rule.traverse && !rs.traverseDone ? grantTraverse(rule) : Promise.resolve({ changed: [], failed: 0 }),
        rs.units ? undefined : planUnits(rule),
      ]);
      summary.traversed = traverse.changed;
      // A parent that failed keeps the traverse pending, so --resume grants it again.
      if (rule.traverse && traverse.failed === 0) rs.traverseDone = true;
      if (plan) {
        rs.units = plan.units;
        summary.unchanged = plan.unchanged;
      }
      const units = rs.units ?? [];
      rs.state = "running";
      summary.subtrees = units.length;
      summary.changed = summary.traversed.length > 0 || units.length > 0;
      save();
      if (rule.mode === "set" && units.some((u) => u.state !== "done")) await warnSet(rule);
      ev.ruleStart?.(rule, units.filter((u) => u.state !== "done").length);
      if (opts.dryRun) {
        for (const u of units) ev.note?.(`${rule.filesystem}/${u.path || "(root)"}: would ${rule.mode} ${formatAces(rule.entries)}${u.kind === "tree" ? " (and everything below)" : ""}`);
        if (units.length === 0 && summary.traversed.length === 0) ev.note?.(`${rule.path}: no change`);
        continue;
      }

      // 4. Apply the subtrees with bounded concurrency.
      await Promise.all(units.filter((u) => u.state !== "done").map((u) => limit(() => runUnit(rule, u))));
      rs.state = rule.traverse && !rs.traverseDone ? "running" : "done";
      save();
    }
  } catch (err) {
    if (cp) {
      cp.status = "failed";
      save();
    }
    if (opts.signal?.aborted) throw new ApplyAborted("stopped; the checkpoint holds the position, run again with --resume");
    throw err;
  }

  const unitFailed = cp?.rules.some((r) => r.units?.some((u) => u.state === "failed")) ?? false;
  if (cp) {
    cp.status = unitFailed || counters.failures > 0 ? "failed" : "complete";
    save();
  }
  return {
    directories: counters.directories,
    files: counters.files,
    failures: counters.failures,
    failedEntries,
    rules: summaries,
    changed: summaries.some((s) => s.changed),
  };

  /**
   * --x for the rule's access principals on every parent, each parent read
   * fresh right before its write. Parents are independent of each other, so
   * they are done in parallel. Returns the parents that changed (or, failed,
   * needed to), top first, and how many of them failed.
   */
  async function grantTraverse(rule: ResolvedRule): Promise<{ changed: string[]; failed: number }> {
    let failed = 0;
    const changed = await Promise.all(
      parentsOf(rule.directory).map((parent) =>
        limit(async () => {
          const info = await readPath(rule.filesystem, parent, true);
          if (!info) return undefined;
          const changes = traverseChanges(info.acl, traversePrincipals(rule));
          if (changes.length === 0) return undefined;
          const label = parent === "" ? rule.filesystem : `${rule.filesystem}/${parent}`;
          if (opts.dryRun) {
            ev.note?.(`${rule.filesystem}/${parent || "(root)"}: would add ${formatAces(changes)} (traverse)`);
            return label;
          }
          try {
            await call(() => dir(rule.filesystem, parent).setAccessControl(toSdk(applyModify(info.acl, changes, true)), { abortSignal: opts.signal }));
            counters.directories += 1;
            ev.progress?.({ paths: 1, failures: 0 });
          } catch (err) {
            if (opts.signal?.aborted) throw err;
            failed += 1;
            fail(`${rule.filesystem}/${parent}`, errorReason(err));
            ev.progress?.({ paths: 0, failures: 1 });
          }
          return label;
        }),
      ),
    );
    return { changed: changed.filter((p): p is string => p !== undefined), failed };
  }

  async function planUnits(rule: ResolvedRule): Promise<{ units: UnitState[]; unchanged: number }> {
    // The listing is started with the root read: one round trip less on the
    // critical path. (Listing a file fails; that answer is then unused.)
    const [root, listing] = await Promise.all([
      readPath(rule.filesystem, rule.directory),
      listChildren(rule.filesystem, rule.directory).catch(() => undefined),
    ]);
    if (!root) throw new UsageError(`rules[${rule.index}] (${rule.path}): the path disappeared during the run`);
    // --full: plan as if the root lacked the entries, so that every subtree is applied.
    const rootOk = !opts.full && satisfies(root.acl, rule.entries, rule.mode, root.isDir);
    if (!root.isDir) return rootOk ? { units: [], unchanged: 1 } : { units: [{ path: rule.directory, kind: "tree", state: "pending" }], unchanged: 0 };

    const { children, files } = listing ?? (await listChildren(rule.filesystem, rule.directory));
    if (files > FANOUT_MAX_FILES || children.length === 0) {
      return rootOk && children.length === 0
        ? { units: [], unchanged: 1 }
        : { units: [{ path: rule.directory, kind: "tree", state: "pending" }], unchanged: 0 };
    }
    const dirs = new Set(children.filter((c) => c.isDir).map((c) => c.path));
    if (!rootOk) {
      // The root lacks the entries (a first run, or --full): every subtree gets applied
      // without checking each one first (applying is idempotent; the checks would only delay it).
      const units: UnitState[] = [{ path: rule.directory, kind: "self", state: "pending" }];
      for (const c of children) units.push({ path: c.path, kind: "tree", state: "pending" });
      return { units: await fillLastWave(rule, units, dirs), unchanged: 0 };
    }
    const units: UnitState[] = [];
    let unchanged = 1;
    const checks = await Promise.all(
      children.map((c) =>
        limit(async () => {
          const info = await readPath(rule.filesystem, c.path, c.isDir);
          return { path: c.path, ok: info ? satisfies(info.acl, rule.entries, rule.mode, info.isDir) : true };
        }),
      ),
    );
    for (const c of checks) {
      if (c.ok) unchanged += 1;
      else units.push({ path: c.path, kind: "tree", state: "pending" });
    }
    return { units: await fillLastWave(rule, units, dirs), unchanged };
  }

  /**
   * Subtrees run `concurrency` at a time, each batch after batch, so when
   * the count leaves a short last wave (50 subtrees on 16 slots: 16+16+16+2)
   * most slots idle while it runs. The directories of that last wave are
   * split one level down (the directory itself, then each child as its own
   * subtree) and queued last, so their pieces spread over the idle slots.
   */
  async function fillLastWave(rule: ResolvedRule, units: UnitState[], dirs: Set<string>): Promise<UnitState[]> {
    const slots = opts.concurrency;
    const trees = units.filter((u) => u.kind === "tree");
    const lastWave = trees.length % slots;
    if (trees.length === 0 || lastWave === 0 || lastWave > slots / 2) return units;
    const toSplit = new Set(trees.slice(-lastWave).filter((u) => dirs.has(u.path)).map((u) => u.path));
    const kept = units.filter((u) => !toSplit.has(u.path));
    const split = await Promise.all(
      [...toSplit].map((path) =>
        limit(async (): Promise<UnitState[]> => {
          const { children, files } = await listChildren(rule.filesystem, path);
          if (files > FANOUT_MAX_FILES || children.length === 0) return [{ path, kind: "tree", state: "pending" }];
          return [{ path, kind: "self", state: "pending" }, ...children.map((c): UnitState => ({ path: c.path, kind: "tree", state: "pending" }))];
        }),
      ),
    );
    return [...kept, ...split.flat()];
  }

  /**
   * A set rule sends one ACL, the rule root's base entries plus the rule's
   * entries, to every path below, so files lose their own owner/group/other
   * permissions: say so when there are files below (one listing page is
   * looked at; a tree larger than that is assumed to hold files).
   */
  async function warnSet(rule: ResolvedRule): Promise<void> {
    const root = await readPath(rule.filesystem, rule.directory);
    if (!root?.isDir) return;
    const client = opts.service.getFileSystemClient(rule.filesystem);
    const page = await call(() =>
      client.listPaths({ path: rule.directory || undefined, recursive: true, abortSignal: opts.signal }).byPage({ maxPageSize: 5000 }).next(),
    );
    if (page.done) return;
    const files = (page.value.pathItems ?? []).some((p) => !p.isDirectory) || Boolean(page.value.continuation);
    if (!files) return;
    const base = formatAces(root.acl.filter((a) => a.scope === "access" && a.id === "" && a.type !== "mask"));
    ev.warn?.(
      `${rule.path} (mode set): every path below it, files included, gets the owner/group/other permissions of ${rule.path} (${base}) plus the rule's entries; a file readable only by its owner becomes readable like this directory. Use mode: modify to keep each path's own permissions.`,
    );
  }

  /** Direct children of a directory; stops early once it has more than FANOUT_MAX_FILES files (the caller then keeps it whole). */
  async function listChildren(fs: string, directory: string): Promise<{ children: { path: string; isDir: boolean }[]; files: number }> {
    const children: { path: string; isDir: boolean }[] = [];
    let files = 0;
    const client = opts.service.getFileSystemClient(fs);
    let continuationToken: string | undefined;
    do {
      // Page by page, each a fresh iterator from the last token, so that a throttled page is retried like any other call.
      const next = await call(() =>
        client.listPaths({ path: directory || undefined, recursive: false, abortSignal: opts.signal }).byPage({ continuationToken, maxPageSize: 5000 }).next(),
      );
      if (next.done) break;
      for (const p of next.value.pathItems ?? []) {
        children.push({ path: p.name!, isDir: p.isDirectory === true });
        if (!p.isDirectory) files += 1;
      }
      continuationToken = next.value.continuation || undefined;
    } while (continuationToken && files <= FANOUT_MAX_FILES);
    return { children, files };
  }

  /** A unit whose request failed after its retries: recorded, saved, and left for --resume. Aborts propagate. */
  function failUnit(unit: UnitState, full: string, err: unknown): void {
    if (opts.signal?.aborted) throw err;
    unit.state = "failed";
    fail(full, errorReason(err));
    ev.progress?.({ paths: 0, failures: 1 });
    save();
    ev.unitDone?.();
  }

  async function runUnit(rule: ResolvedRule, unit: UnitState): Promise<void> {
    const client = dir(rule.filesystem, unit.path);
    const full = `${rule.filesystem}/${unit.path}`;
    if (unit.kind === "self") {
      try {
        const info = await readPath(rule.filesystem, unit.path, true);
        if (info && !satisfies(info.acl, rule.entries, rule.mode, true)) {
          await call(() => client.setAccessControl(toSdk(desiredAcl(rule, info.acl, info.acl, true)), { abortSignal: opts.signal }));
          counters.directories += 1;
          ev.progress?.({ paths: 1, failures: 0 });
        }
        unit.state = "done";
      } catch (err) {
        failUnit(unit, full, err);
        return;
      }
      save();
      ev.unitDone?.();
      return;
    }

    // set mode: every path gets the rule root's base entries plus the rule's entries.
    let setAcl: Ace[] | undefined;
    if (rule.mode === "set") {
      const root = await readPath(rule.filesystem, rule.directory, true);
      setAcl = desiredAcl(rule, root?.acl ?? [], root?.acl ?? [], true);
    }
    do {
      const failures: FailedEntry[] = [];
      const options = {
        batchSize,
        maxBatches: 1,
        continuationToken: unit.token,
        continueOnFailure: true,
        abortSignal: opts.signal,
        onProgress: (p: AccessControlChanges) => {
          failures.length = 0;
          failures.push(...p.batchFailures.map((f) => ({ path: `${rule.filesystem}/${f.name}`, reason: f.message })));
        },
      };
      let result;
      try {
        result = await call(() =>
          setAcl ? client.setAccessControlRecursive(toSdk(setAcl), options) : client.updateAccessControlRecursive(toSdk(rule.entries), options),
        );
      } catch (err) {
        // The whole request failed (not a per-path failure): the token stays for --resume.
        failUnit(unit, full, err);
        return;
      }
      const c = result.counters;
      counters.directories += c.changedDirectoriesCount;
      counters.files += c.changedFilesCount;
      counters.batches += 1;
      for (const f of failures) fail(f.path, f.reason);
      unit.failures = (unit.failures ?? 0) + failures.length;
      unit.token = result.continuationToken || undefined;
      if (!unit.token) unit.state = unit.failures > 0 ? "failed" : "done";
      save();
      ev.progress?.({ paths: c.changedDirectoriesCount + c.changedFilesCount, failures: c.failedChangesCount });
    } while (unit.token);
    ev.unitDone?.();
  }
}

/**
 * Prepares a resumed checkpoint: every failure it recorded is redone by this
 * run, so the failure counters and list start empty and the final status
 * reflects this run alone. A subtree with failed paths starts over (the
 * service reports no token to go back to them); one whose request failed as
 * a whole, with no failed path, continues from its recorded token.
 */
function resetFailures(cp: Checkpoint): void {
  cp.counters.failures = 0;
  cp.failedEntries = [];
  for (const rs of cp.rules) {
    for (const u of rs.units ?? []) {
      // A unit interrupted after some failed paths is not "failed" yet, but its failures were just forgotten too.
      if ((u.failures ?? 0) > 0) Object.assign(u, { state: "pending", token: undefined, failures: 0 });
      else if (u.state === "failed") u.state = "pending";
    }
    if (rs.state === "done" && rs.units?.some((u) => u.state !== "done")) rs.state = "running";
  }
}

/** Principals of a rule's access entries: they need --x on every parent. */
function traversePrincipals(rule: ResolvedRule): Ace[] {
  const seen = new Set<string>();
  return rule.entries.filter((e) => e.scope === "access" && !seen.has(`${e.type}:${e.id}`) && seen.add(`${e.type}:${e.id}`));
}

/** The ACL the rule gives a path whose current ACL is `current`; `base` supplies base entries in set mode. */
function desiredAcl(rule: ResolvedRule, current: Ace[], base: Ace[], isDir: boolean): Ace[] {
  return rule.mode === "set" ? applySet(base, rule.entries, isDir) : applyModify(current, rule.entries, isDir);
}

/** "a/b/c" → ["", "a", "a/b"]: the filesystem root and every directory above the rule root. */
export function parentsOf(directory: string): string[] {
  if (directory === "") return [];
  const segs = directory.split("/");
  return segs.map((_, i) => segs.slice(0, i).join("/"));
}
