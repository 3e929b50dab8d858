import type { ReconcileResult } from "./run";

const LABELS = { mkdir: "directories created", copy: "files copied by catch-up", acl: "ACLs set", delete: "extra paths deleted" } as const;

/** The plain-text result: per kind planned and done, what is left and why, the soft-delete retention. */
export function formatResult(r: ReconcileResult, ctx: { softDeleteDays: number; journal: string }): string {
  const lines: string[] = [r.dryRun ? "reconcile --dry-run: nothing changed; would do:" : "reconcile:"];
  for (const k of ["mkdir", "copy", "acl", "delete"] as const) {
    lines.push(r.dryRun ? `  ${LABELS[k]}: ${r.planned[k]}` : `  ${LABELS[k]}: ${r.done[k]} of ${r.planned[k]}`);
  }
  if (r.resumed > 0) lines.push(`  already done by the journal's earlier run: ${r.resumed}`);
  const run = r.catchUp;
  if (run) {
    lines.push(`  catch-up run ${run.runId}: ${run.status}, ${run.files} files in ${run.lists} list(s)${run.message ? ` (${run.message})` : ""}`);
    const c = run.copyActivities;
    if (c) lines.push(`    its Copy activities: ${c.filesRead} files read, ${c.filesWritten} written, ${c.filesSkipped} skipped; ${run.confirmed ?? 0} of ${run.files} files confirmed on Gen2`);
  }
  if (r.planned.delete > 0) lines.push(`  deleted paths stay restorable for ${ctx.softDeleteDays} days (blob soft delete, config softDeleteDays)`);
  if (r.extrasCount > 0) {
    lines.push(`  ${r.extrasCount} extra paths on Gen2 left in place (pass --delete to delete them):`);
    for (const e of r.extras.slice(0, 50)) lines.push(`    ${e.filesystem}/${e.gen2Path}`);
  }
  if (r.unfixableCount > 0) {
    lines.push(`  ${r.unfixableCount} could not be fixed:`);
    for (const u of r.unfixable.slice(0, 200)) lines.push(`    ${u.kind} ${u.filesystem}/${u.gen2Path}: ${u.reason}`);
  }
  if (!r.dryRun) lines.push(`  requests: ${r.requests}; journal ${ctx.journal}`);
  lines.push(r.ok ? "nothing left to do: run validate again to confirm zero differences" : "something is left (above): fix it, then validate → reconcile again");
  return `${lines.join("\n")}\n`;
}
