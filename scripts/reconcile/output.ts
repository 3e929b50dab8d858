import type { ReconcileResult } from "./run";

const LABELS = { mkdir: "directories created", copy: "files copied by catch-up", acl: "ACLs set", delete: "extra paths deleted" } as const;

/** The plain-text result: per kind planned and done, what is left and why, the soft-delete retention. */
export function formatResult(r: ReconcileResult, ctx: { softDeleteDays: number; journal: string }): string {
  const lines: string[] = [r.dryRun ? "reconcile --dry-run: nothing changed; would do:" : "reconcile:"];
  for (const k of ["mkdir", "copy", "acl", "delete"] as const) {
    lines.push(r.dryRun ? `  ${LABELS[k]}: ${r.planned[k]}` : `  ${LABELS[k]}: ${r.done[k]} of ${r.planned[k]}`);
  }
  if (r.resumed > 0) lines.push(`  already done by the journal's earlier run: ${r.resumed}`);
  if (r.catchUp) lines.push(`  catch-up run ${r.catchUp.runId}: ${r.catchUp.status}, ${r.catchUp.files} files in ${r.catchUp.lists} list(s)${r.catchUp.message ? ` (${r.catchUp.message})` : ""}`);
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
