import { rmSync } from "fs";
import { Option, type Command } from "commander";
import { EXIT_FAILED, EXIT_OK, Interrupted, UsageError } from "./lib/cli";
import { type Io, defineCommand, runMain } from "./lib/command";
import { gen1Seeds, readInventory } from "./emulators/seed";
import { planStack } from "./plan/stack";
import { builtInLake } from "./demo/lake";
import { type DemoPattern, demoSteps } from "./demo/roadmap";
import { runDemo } from "./demo/run";
import { type DemoStack, exampleStack, stackForLake } from "./demo/stack";

/**
 * `npm run demo -- [--lake <inventory> | --small] [--pattern <p>] [--json]`:
 * a pattern's road map (docs/patterns.md) offline in one command, against
 * the emulators started in this process: assess → plan → post-deploy →
 * the pattern's copies and windows while workloads change the lakes →
 * validate → reconcile → validate (zero differences), and for
 * bidirectional-sync a writer flip after it (scripts/demo/roadmap.ts).
 * Exit 0 when every step behaved as documented, 1 otherwise, 2 for bad
 * flags or a malformed lake (before anything starts).
 */

export const DEMO_PATTERNS: readonly DemoPattern[] = ["incremental", "lift-and-shift", "dual-pipeline", "bidirectional-sync"];

interface Flags {
  lake?: string;
  small?: boolean;
  pattern: string;
  json?: boolean;
}

function build(program: Command): Command {
  return program
    .name("demo")
    .description("Rehearse the whole migration offline: the road map of a pattern against the Gen1, Gen2 and Data Factory emulators, on a built-in demo lake or your own Gen1 inventory.")
    .addOption(new Option("--lake <inventory>", "Gen1 lake to migrate instead of the built-in one: CSV/JSONL inventory (path,type,size,modified,owner,group,permissions,acl); one folder per top-level directory").conflicts("small"))
    .option("--small", "the built-in lake with a few paths of each kind (about 15 per folder instead of 630): the same steps in seconds")
    .addOption(new Option("--pattern <pattern>", `migration pattern (its example stack Pulumi.<pattern>.yaml): ${DEMO_PATTERNS.join(", ")}`).default("incremental"))
    .option("--json", "print one JSON document: every step (command, exit code, seconds, counts) and each validate report");
}

function isPattern(p: string): p is DemoPattern {
  return (DEMO_PATTERNS as readonly string[]).includes(p);
}

export const main = defineCommand<Flags>(build, async (flags: Flags, io: Io) => {
  const pattern = flags.pattern;
  if (!isPattern(pattern)) throw new UsageError(`--pattern ${pattern}: one of ${DEMO_PATTERNS.join(", ")}`);
  let stack: DemoStack;
  let lake;
  if (flags.lake !== undefined) {
    lake = gen1Seeds("--lake", flags.lake, await readInventory("--lake", flags.lake));
    stack = stackForLake(pattern, lake, flags.lake);
  } else {
    stack = exampleStack(pattern);
    lake = builtInLake(stack.folders.map((f) => f.source), flags.small ? "small" : "full");
  }
  try {
    const plan = await planStack(stack.stackArgs[0] === "--stack" ? { stack: stack.stackArgs[1] } : { configFile: stack.stackArgs[1] });
    const narrate = flags.json ? undefined : (text: string) => io.out(`${text}\n`);
    const lakeName = flags.lake ?? `the built-in${flags.small ? " small" : ""} demo lake`;
    narrate?.(`Rehearsing the ${pattern} pattern on ${lakeName} (${lake.length} paths), offline.`);
    const result = await runDemo({ ...stack, plan, lake, steps: demoSteps(pattern), narrate, env: io.env, signal: io.signal });
    if (io.signal?.aborted) throw new Interrupted(`demo: interrupted after ${result.steps.length} of its steps; the emulators are closed and their files removed: run it again`);
    if (flags.json) io.out(`${JSON.stringify({ pattern, lake: flags.lake ?? (flags.small ? "built-in small" : "built-in"), paths: lake.length, ...result }, null, 2)}\n`);
    else io.out(`\n${result.ok ? "Every step behaved as documented" : "Some steps did NOT behave as documented"} (${result.seconds} s).\n`);
    return result.ok ? EXIT_OK : EXIT_FAILED;
  } finally {
    if (stack.tempDir) rmSync(stack.tempDir, { recursive: true, force: true });
  }
});

if (require.main === module) runMain(main, { interruptible: true });
