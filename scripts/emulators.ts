import { Option, type Command } from "commander";
import { EXIT_OK, UsageError } from "./lib/cli";
import { type Io, defineCommand, runMain } from "./lib/command";
import type { Plan } from "./plan/runtime";
import { planStack } from "./plan/stack";
import { banner } from "./emulators/banner";
import { gen1Seeds, gen2Seeds, readInventory } from "./emulators/seed";
import { type SessionOptions, parseFaults, startSession } from "./emulators/session";

/**
 * `npm run emulators -- [--stack <s> | --config-file <f>] [--gen1-seed <inventory>] [--gen2-seed <inventory>] [--faults <json>] [--lifetime <s>]`:
 * the Gen1 WebHDFS, Gen2 DFS and (with a stack) Data Factory emulators on
 * 127.0.0.1, and what to export and pass so every command talks to them.
 * Serves until the lifetime ends or SIGINT / SIGTERM / SIGHUP, then exits 0. Bad
 * flags, seeds or config: exit 2 with one message, before anything starts.
 */

export const DEFAULT_LIFETIME_SECONDS = 3600;
export const MAX_LIFETIME_SECONDS = 86_400;

interface Flags {
  stack?: string;
  configFile?: string;
  gen1Seed?: string;
  gen2Seed?: string;
  faults?: string;
  lifetime: number;
}

function lifetime(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isInteger(n) || n < 1 || n > MAX_LIFETIME_SECONDS) throw new UsageError(`--lifetime ${v}: must be a whole number of seconds between 1 and ${MAX_LIFETIME_SECONDS}`);
  return n;
}

function build(program: Command): Command {
  return program
    .name("emulators")
    .description("Serve the Gen1 WebHDFS, Gen2 DFS and Data Factory (ARM) emulators on 127.0.0.1, in memory, and print how to point every command at them.")
    .addOption(new Option("-s, --stack <name>", "the emulated factory holds this stack's linked services, datasets, pipelines and triggers (offline plan of Pulumi.<name>.yaml); the DFS emulator has its filesystems").conflicts("configFile"))
    .option("-c, --config-file <path>", "like --stack, from any stack config file")
    .option("--gen1-seed <inventory>", "Gen1 lake to serve: CSV/JSONL inventory (path,type,size,modified,owner,group,permissions,acl; Gen1 paths)")
    .option("--gen2-seed <inventory>", "paths to create on Gen2 first: same format, paths <filesystem>/<path>; files get generated content of their size")
    .option("--faults <json>", 'faults to inject, e.g. \'{"gen2":{"failEvery":{"n":10,"status":503},"latencyMs":20,"resetEvery":50},"gen1":[{"op":"LISTSTATUS","status":503,"times":3}]}\'')
    .option("--lifetime <seconds>", `stop by itself after this long (1..${MAX_LIFETIME_SECONDS})`, lifetime, DEFAULT_LIFETIME_SECONDS);
}

/** Everything checked and loaded before a server starts. */
async function prepare(flags: Flags): Promise<SessionOptions & { stackArgs: string[] }> {
  const faults = flags.faults !== undefined ? parseFaults("--faults", flags.faults) : undefined;
  const gen1 = flags.gen1Seed !== undefined ? gen1Seeds("--gen1-seed", flags.gen1Seed, await readInventory("--gen1-seed", flags.gen1Seed)) : undefined;
  const gen2 = flags.gen2Seed !== undefined ? gen2Seeds("--gen2-seed", flags.gen2Seed, await readInventory("--gen2-seed", flags.gen2Seed)) : undefined;
  let plan: Plan | undefined;
  let stackArgs: string[] = [];
  if (flags.stack !== undefined || flags.configFile !== undefined) {
    plan = await planStack({ stack: flags.stack, configFile: flags.configFile });
    stackArgs = flags.stack !== undefined ? ["--stack", flags.stack] : ["--config-file", flags.configFile!];
  }
  return { faults, gen1, gen2, plan, stackArgs, lifetimeMs: flags.lifetime * 1000 };
}

export const main = defineCommand<Flags>(build, async (flags: Flags, io: Io) => {
  const prepared = await prepare(flags);
  const session = await startSession(prepared);
  io.out(banner(session, prepared.stackArgs, flags.lifetime));
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, flags.lifetime * 1000);
    io.signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
  await session.close();
  io.err("emulators stopped\n");
  return EXIT_OK;
});

if (require.main === module) runMain(main, { interruptible: true });
