import { rmSync } from "fs";
import { Option, type Command } from "commander";
import { EXIT_FAILED, EXIT_OK, Interrupted, UsageError } from "./lib/cli";
import { type Io, defineCommand, runMain } from "./lib/command";
import { gen1Seeds, readInventory } from "./emulators/seed";
import { planStack } from "./plan/stack";
import { builtInLake } from "./demo/lake";
import { runDemo } from "./demo/run";
import { type DemoStack, exampleStack, stackForLake } from "./demo/stack";
import { demoSteps } from "./demo/steps";

/**
 * `npm run demo -- [--lake <inventory>] [--pattern <p>] [--json]`: the README
 * road map offline in one command, against the emulators started in this
 * process: assess → plan → post-deploy → full copy → validate → changes on
 * Gen1 → incremental window → validate → reconcile → validate (zero
 * differences). Exit 0 when every step behaved as
 * documented, 1 otherwise, 2 for bad flags or a malformed lake (before
 * anything starts).
 */

/** Patterns the emulators can run end to end today; the others write into Gen1, which the Gen1 emulator cannot take yet. */
export const DEMO_PATTERNS = ["incremental", "lift-and-shift"] as const;
const NOT_YET: Record<string, string> = {
  "dual-pipeline": "its ingestion pipeline writes into Gen1",
  "bidirectional-sync": "its Gen2 → Gen1 direction writes into Gen1",
};

interface Flags {
  lake?: string;
  pattern: string;
  json?: boolean;
}

function build(program: Command): Command {
  return program
    .name("demo")
    .description("Rehearse the whole migration offline: the road map of the README against the Gen1, Gen2 and Data Factory emulators, on a built-in demo lake or your own Gen1 inventory.")
    .option("--lake <inventory>", "Gen1 lake to migrate instead of the built-in one: CSV/JSONL inventory (path,type,size,modified,owner,group,permissions,acl); one folder per top-level directory")
    .addOption(new Option("--pattern <pattern>", `migration pattern (its example stack Pulumi.<pattern>.yaml): ${DEMO_PATTERNS.join(", ")}`).default("incremental"))
    .option("--json", "print one JSON document: every step (command, exit code, seconds) and each validate report");
}

export const main = defineCommand<Flags>(build, async (flags: Flags, io: Io) => {
  if (!(DEMO_PATTERNS as readonly string[]).includes(flags.pattern)) {
    const why = NOT_YET[flags.pattern];
    throw new UsageError(`--pattern ${flags.pattern}: ${why ? `not in the demo yet (${why}, which the Gen1 emulator cannot take yet); ` : ""}one of ${DEMO_PATTERNS.join(", ")}`);
  }
  let stack: DemoStack;
  let lake;
  if (flags.lake !== undefined) {
    lake = gen1Seeds("--lake", flags.lake, await readInventory("--lake", flags.lake));
    stack = stackForLake(flags.pattern, lake, flags.lake);
  } else {
    stack = exampleStack(flags.pattern);
    lake = builtInLake(stack.folders);
  }
  try {
    const plan = await planStack(stack.stackArgs[0] === "--stack" ? { stack: stack.stackArgs[1] } : { configFile: stack.stackArgs[1] });
    const narrate = flags.json ? undefined : (text: string) => io.out(`${text}\n`);
    narrate?.(`Rehearsing the ${flags.pattern} pattern on ${flags.lake ?? "the built-in demo lake"} (${lake.length} paths), offline.`);
    const result = await runDemo({ ...stack, plan, lake, steps: demoSteps(plan.outputs.triggers !== undefined && (plan.outputs.triggers as string[]).length > 0), narrate, env: io.env, signal: io.signal });
    if (io.signal?.aborted) throw new Interrupted(`demo: interrupted after ${result.steps.length} of its steps; the emulators are closed and their files removed: run it again`);
    if (flags.json) io.out(`${JSON.stringify({ pattern: flags.pattern, lake: flags.lake ?? "built-in", paths: lake.length, ...result }, null, 2)}\n`);
    else io.out(`\n${result.ok ? "Every step behaved as documented" : "Some steps did NOT behave as documented"} (${result.seconds} s).\n`);
    return result.ok ? EXIT_OK : EXIT_FAILED;
  } finally {
    if (stack.tempDir) rmSync(stack.tempDir, { recursive: true, force: true });
  }
});

if (require.main === module) runMain(main, { interruptible: true });
