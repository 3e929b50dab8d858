import type { PlannedDirectory } from "../acl/plannedLake";
import { ReadyStep, Step, StepContext, retried, storageFailure } from "./steps";

/**
 * Step 1: directories declared under filesystems[].folders (ARM cannot
 * create directories). The check reads which exist (a re-run sends no
 * write at all); the run creates the others.
 */
export const createFolders: Step = {
  name: "folders",
  async check(ctx): Promise<ReadyStep> {
    const { client } = await ctx.service();
    const missing: PlannedDirectory[] = [];
    const failed: string[] = [];
    let existing = 0;
    for (const fs of ctx.config.filesystems) {
      for (const folder of fs.folders) {
        try {
          if (await retried(ctx, (abortSignal) => client.getFileSystemClient(fs.name).getDirectoryClient(folder).exists({ abortSignal }))) existing += 1;
          else missing.push({ filesystem: fs.name, path: folder });
        } catch (err) {
          if (ctx.io.signal?.aborted) throw err;
          failed.push(folderFailure(fs.name, folder, err));
        }
      }
    }
    ctx.newDirectories.push(...missing);
    return { run: () => create(ctx, missing, existing, failed) };
  },
};

function folderFailure(fs: string, folder: string, err: unknown): string {
  const code = (err as { details?: { errorCode?: string } }).details?.errorCode;
  if (code === "FilesystemNotFound" || code === "ContainerNotFound") return `${fs}: the filesystem does not exist; run \`pulumi up\` for this stack first`;
  return `${fs}/${folder}: ${storageFailure(err)}`;
}

async function create(ctx: StepContext, missing: PlannedDirectory[], existingBefore: number, failedBefore: string[]) {
  const { client } = await ctx.service();
  let created = 0;
  let existing = existingBefore;
  const failed = [...failedBefore];
  for (const d of missing) {
    const label = `${d.filesystem}/${d.path}`;
    if (ctx.flags.dryRun) {
      created += 1;
      ctx.io.err(`would create ${label}\n`);
      continue;
    }
    try {
      const res = await retried(ctx, (abortSignal) => client.getFileSystemClient(d.filesystem).getDirectoryClient(d.path).createIfNotExists({ abortSignal }));
      if (res.succeeded) {
        created += 1;
        ctx.io.err(`created ${label}\n`);
      } else existing += 1;
    } catch (err) {
      if (ctx.io.signal?.aborted) throw err;
      failed.push(folderFailure(d.filesystem, d.path, err));
    }
  }
  const verb = ctx.flags.dryRun ? "to create" : "created";
  const message = `${created} ${verb}, ${existing} already present${failed.length > 0 ? `; failed:\n    ${failed.join("\n    ")}` : ""}`;
  return { ok: failed.length === 0, message, counts: { created, existing, failed: failed.length } };
}
