import { UsageError } from "../../scripts/lib/cli";
import { parseStackOutputs } from "../../scripts/lib/stackOutputs";
import { ISSUE_GRANTS } from "../support/accessGrants";
import { planWith } from "../support/plan";

/**
 * The stack-outputs contract against what the stack really returns: the
 * offline plan's outputs are what `pulumi stack output --json` prints after
 * `pulumi up`, so the schema must take them as they are, and name any output
 * that is renamed, missing or of the wrong type.
 */

function problemsOf(raw: unknown): string {
  try {
    parseStackOutputs(raw, "--outputs out.json");
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error("outputs were accepted");
}

describe("stack outputs contract", () => {
  it("accepts exactly the outputs the offline plan produces, for a stack with and without access grants", async () => {
    for (const overrides of [{}, { "adls-migration:access": ISSUE_GRANTS.slice(2, 3) }]) {
      const { outputs } = await planWith(overrides);
      expect(parseStackOutputs(outputs, "plan")).toEqual(outputs);
    }
  });

  it("names a renamed or missing output, and a malformed one, in one message", async () => {
    const { outputs } = await planWith();
    const { dfsEndpoint, ...rest } = outputs;
    const message = problemsOf({ ...rest, dfsEndPoint: dfsEndpoint, triggers: "nightly" });
    expect(message).toMatch(/^--outputs out\.json: stack outputs do not match/);
    expect(message).toContain('  - output "dfsEndpoint" is missing');
    expect(message).toMatch(/ {2}- output "triggers": .*array/);
  });

  it("rejects something that is not an outputs object at all", () => {
    expect(problemsOf([])).toMatch(/expected object/);
  });
});
