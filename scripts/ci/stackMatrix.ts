import * as path from "path";
import { ConfigError, parseStackConfig } from "../../components/config/load";
import { ENVIRONMENTS, type Environment } from "../../components/config/schema";
import { EXIT_OK, UsageError } from "../lib/cli";
import { defineCommand, runMain } from "../lib/command";
import { StackFileError, listStacks, readStackConfig } from "../lib/stackFile";

/**
 * `npm run --silent stack-matrix >> "$GITHUB_OUTPUT"`: the CI matrices,
 * derived from the Pulumi.<stack>.yaml files present, so a stack file added
 * to the repo is previewed and deployed without editing a workflow. Prints
 * `stacks=[...]` (every stack) and one `<environment>=[...]` line per
 * environment, each a JSON array as `fromJSON` in a workflow expects.
 */
function stackMatrix(projectDir: string): Record<"stacks" | Environment, string[]> {
  const matrix: Record<"stacks" | Environment, string[]> = { stacks: [], dev: [], test: [], prod: [] };
  const problems: string[] = [];
  for (const stack of listStacks(projectDir)) {
    try {
      const { values, secretKeys } = readStackConfig({ stack, projectDir });
      const config = parseStackConfig(values, secretKeys);
      matrix.stacks.push(stack);
      matrix[config.environment].push(stack);
    } catch (err) {
      if (!(err instanceof StackFileError || err instanceof ConfigError)) throw err;
      problems.push(`Pulumi.${stack}.yaml: ${err.message}`);
    }
  }
  if (problems.length > 0) throw new UsageError("cannot build the stack matrix", problems);
  return matrix;
}

export const main = defineCommand<{ projectDir: string }>(
  (program) =>
    program
      .name("stack-matrix")
      .description("GitHub Actions matrices (stacks=[...], dev=[...], test=[...], prod=[...]) from the Pulumi.<stack>.yaml files")
      .option("-C, --project-dir <path>", "directory holding Pulumi.yaml and the stack files", path.resolve(__dirname, "../..")),
  async (opts, io) => {
    const matrix = stackMatrix(path.resolve(opts.projectDir));
    const lines = (["stacks", ...ENVIRONMENTS] as const).map((key) => `${key}=${JSON.stringify(matrix[key])}`);
    io.out(`${lines.join("\n")}\n`);
    return EXIT_OK;
  },
);

if (require.main === module) runMain(main);
