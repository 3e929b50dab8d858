import { spawnSync } from "child_process";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { listStacks } from "../../scripts/lib/stackFile";
import { PROJECT_DIR, runScript } from "../support/cli";
import { BASE_CONFIG } from "../support/plan";

const WORKFLOWS_DIR = path.join(PROJECT_DIR, ".github", "workflows");
const TSX = path.join(PROJECT_DIR, "node_modules", ".bin", "tsx");
const workflowFiles = readdirSync(WORKFLOWS_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => path.join(WORKFLOWS_DIR, f));

interface ParseResult {
  file: string;
  errors: string[];
  jobs: string[];
}

/**
 * GitHub's parser is ESM-only and imports its JSON schema without import
 * attributes, which plain node refuses; tsx runs the .mjs script as is.
 */
function parseWithGitHub(files: string[]): ParseResult[] {
  const res = spawnSync(TSX, [path.join(__dirname, "..", "support", "parseWorkflows.mjs"), ...files], { encoding: "utf8", timeout: 60_000 });
  if (res.status !== 0) throw new Error(`parseWorkflows.mjs failed (${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout) as ParseResult[];
}

type Step = { name?: string; if?: string; uses?: string; run?: string; with?: Record<string, unknown>; id?: string; env?: Record<string, string> };
type Job = {
  steps?: Step[];
  strategy?: { matrix?: Record<string, unknown> };
  concurrency?: { group: string; "cancel-in-progress"?: boolean; queue?: string };
  permissions?: Record<string, string>;
  environment?: string;
  outputs?: Record<string, string>;
  uses?: string;
  with?: Record<string, unknown>;
  needs?: string | string[];
};
type Workflow = { on: Record<string, unknown>; jobs: Record<string, Job> };

function load(name: string): Workflow {
  return parse(readFileSync(path.join(WORKFLOWS_DIR, name), "utf8")) as Workflow;
}

/** The step using `action` that runs a Pulumi command (an install-only step has no `command`). */
function stepUsing(job: Job, action: string): Step | undefined {
  const steps = job.steps?.filter((s) => s.uses?.startsWith(`${action}@`)) ?? [];
  return steps.find((s) => s.with?.command !== undefined) ?? steps[0];
}

describe("GitHub workflows", () => {
  it("every workflow file parses without errors under @actions/workflow-parser", () => {
    expect(workflowFiles.map((f) => path.basename(f)).sort()).toEqual(["deploy.yml", "preview.yml", "pulumi-up.yml"]);
    const results = parseWithGitHub(workflowFiles);
    expect(results.map((r) => ({ file: path.basename(r.file), errors: r.errors }))).toEqual(
      workflowFiles.map((f) => ({ file: path.basename(f), errors: [] })),
    );
    expect(results.find((r) => r.file.endsWith("deploy.yml"))?.jobs).toEqual(["verify", "up-dev", "up-test", "up-prod"]);
  });

  it("the parser check fails on a workflow GitHub would reject", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "workflows-"));
    const source = readFileSync(path.join(WORKFLOWS_DIR, "preview.yml"), "utf8");
    const broken = {
      "typo-key.yml": source.replace("    runs-on: ubuntu-latest\n", "    runs_on: ubuntu-latest\n"),
      "unclosed-expression.yml": source.replace("${{ fromJSON(needs.verify.outputs.stacks) }}", "${{ fromJSON(needs.verify.outputs.stacks) }"),
      "bad-queue.yml": source.replace("queue: max", "queue: everything"),
    };
    const files = Object.entries(broken).map(([name, content]) => {
      expect(content).not.toBe(source);
      writeFileSync(path.join(dir, name), content);
      return path.join(dir, name);
    });
    const results = parseWithGitHub(files);
    expect(results.map((r) => r.errors.length > 0)).toEqual([true, true, true]);
    expect(results[0].errors.join("\n")).toMatch(/Unexpected value 'runs_on'/);
    expect(results[1].errors.join("\n")).toMatch(/expression is not closed/);
    expect(results[2].errors.join("\n")).toMatch(/Unexpected value 'everything'/);
  });

  it("uses the current major versions of the actions, Node 22 and npm ci", () => {
    const allowed = new Set(["actions/checkout@v7", "actions/setup-node@v7", "azure/login@v3", "pulumi/actions@v7"]);
    const used: string[] = [];
    for (const file of workflowFiles) {
      const wf = parse(readFileSync(file, "utf8")) as Workflow;
      for (const job of Object.values(wf.jobs)) {
        used.push(...(job.steps ?? []).flatMap((s) => (s.uses ? [s.uses] : [])));
        if (job.steps) {
          expect(stepUsing(job, "actions/setup-node")?.with?.["node-version"]).toBe(22);
          expect(job.steps.some((s) => s.run === "npm ci")).toBe(true);
        }
      }
    }
    expect(used.filter((u) => !allowed.has(u))).toEqual([]);
    expect(new Set(used)).toEqual(allowed);
  });

  it("previews every stack from a matrix built from the stack files, with OIDC, the policy pack and a PR comment", () => {
    const wf = load("preview.yml");
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    const verify = wf.jobs.verify;
    expect(verify.outputs?.stacks).toBe("${{ steps.matrix.outputs.stacks }}");
    expect(verify.steps?.find((s) => s.id === "matrix")?.run).toBe('npm run --silent stack-matrix >> "$GITHUB_OUTPUT"');
    expect(verify.steps?.some((s) => s.run === "npm test")).toBe(true);
    expect(verify.steps?.some((s) => s.run?.includes('npm run --silent plan -- --stack "$stack" --policy'))).toBe(true);

    const preview = wf.jobs.preview;
    expect(preview.needs).toBe("verify");
    expect(preview.strategy?.matrix).toEqual({ stack: "${{ fromJSON(needs.verify.outputs.stacks) }}" });
    expect(preview.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
    expect(stepUsing(preview, "pulumi/actions")?.with).toMatchObject({ command: "preview", policyPacks: "policy", "comment-on-pr": true });
  });

  it("deploys dev, then test, then prod, each in its GitHub environment", () => {
    const wf = load("deploy.yml");
    expect(wf.on).toMatchObject({ push: { branches: ["main"] } });
    const up = (env: string) => wf.jobs[`up-${env}`];
    for (const env of ["dev", "test", "prod"]) {
      expect(up(env).uses).toBe("./.github/workflows/pulumi-up.yml");
      expect(up(env).with).toEqual({ environment: env, stacks: `\${{ needs.verify.outputs.${env} }}` });
      expect(up(env).permissions?.["id-token"]).toBe("write");
    }
    expect(up("test").needs).toEqual(["verify", "up-dev"]);
    expect(up("prod").needs).toEqual(["verify", "up-test"]);
    const reusable = load("pulumi-up.yml").jobs.up;
    expect(reusable.environment).toBe("${{ inputs.environment }}");
    expect(reusable.strategy?.matrix).toEqual({ stack: "${{ fromJSON(inputs.stacks) }}" });
    expect(stepUsing(reusable, "pulumi/actions")?.with).toMatchObject({ command: "up", policyPacks: "policy" });
    // Started triggers block updates: the deploy stops them before `up` and starts them after, even after a failed up.
    const names = (reusable.steps ?? []).map((st) => st.name ?? st.uses ?? "");
    expect(names.indexOf("Stop the Data Factory triggers")).toBeLessThan(names.indexOf("Pulumi up"));
    expect(names.indexOf("Start the Data Factory triggers")).toBeGreaterThan(names.indexOf("Pulumi up"));
    const start = (reusable.steps ?? []).find((st) => st.name === "Start the Data Factory triggers");
    expect(start?.if).toContain("!cancelled()");
  });

  it("every job that runs Pulumi holds the stack's concurrency group, logs in to Azure by OIDC and installs the policy pack", () => {
    const pulumiJobs = workflowFiles.flatMap((file) =>
      Object.entries((parse(readFileSync(file, "utf8")) as Workflow).jobs).filter(([, job]) => stepUsing(job, "pulumi/actions")),
    );
    expect(pulumiJobs.map(([id]) => id).sort()).toEqual(["preview", "up"]);
    for (const [, job] of pulumiJobs) {
      expect(job.concurrency).toEqual({ group: "pulumi-stack-${{ matrix.stack }}", "cancel-in-progress": false, queue: "max" });
      expect(job.permissions?.["id-token"]).toBe("write");
      const login = stepUsing(job, "azure/login");
      expect(login?.with).toEqual({
        "client-id": "${{ secrets.AZURE_CLIENT_ID }}",
        "tenant-id": "${{ secrets.AZURE_TENANT_ID }}",
        "subscription-id": "${{ secrets.AZURE_SUBSCRIPTION_ID }}",
      });
      const steps = job.steps ?? [];
      expect(steps.findIndex((s) => s.run === "npm ci --prefix policy")).toBeLessThan(steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@")));
      expect(steps.findIndex((s) => s.run === "npm ci --prefix policy")).toBeGreaterThan(-1);
    }
  });
});

describe("the policy pack directory", () => {
  it("has what the Pulumi CLI needs to run it as a local policy pack", () => {
    const dir = path.join(PROJECT_DIR, "policy");
    expect(parse(readFileSync(path.join(dir, "PulumiPolicy.yaml"), "utf8"))).toMatchObject({ runtime: "nodejs" });
    const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string; dependencies: Record<string, string> };
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(pkg.dependencies).sort()).toEqual(["@pulumi/policy", "@pulumi/pulumi"]);
    const lock = JSON.parse(readFileSync(path.join(dir, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
    const rootLock = JSON.parse(readFileSync(path.join(PROJECT_DIR, "package-lock.json"), "utf8")) as typeof lock;
    // The pack runs with the same SDK versions as the tests that exercise its rules.
    for (const dep of ["@pulumi/policy", "@pulumi/pulumi"]) {
      expect(lock.packages[`node_modules/${dep}`]?.version).toBe(rootLock.packages[`node_modules/${dep}`]?.version);
    }
  });
});

describe("npm run stack-matrix", () => {
  const matrixOf = (stdout: string) => Object.fromEntries(stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), JSON.parse(l.slice(l.indexOf("=") + 1))]));

  it("lists exactly the stack files in the repo", () => {
    const res = runScript("ci/stackMatrix.ts", []);
    expect(res.code).toBe(0);
    const matrix = matrixOf(res.stdout);
    expect(matrix.stacks).toEqual(listStacks(PROJECT_DIR));
    expect([...matrix.dev, ...matrix.test, ...matrix.prod].sort()).toEqual([...matrix.stacks].sort());
  });

  it("picks up every Pulumi.<stack>.yaml, grouped by its environment", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "stacks-"));
    copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const stacks: [string, string, string][] = [
      ["dev", "dev", "incremental"],
      ["lift-and-shift", "test", "lift-and-shift"],
      ["incremental", "dev", "incremental"],
      ["dual-pipeline", "prod", "dual-pipeline"],
      ["bidirectional-sync", "test", "bidirectional-sync"],
    ];
    for (const [stack, environment, pattern] of stacks) {
      // Valid for every pattern: bidirectional sync needs a writer side, dual pipeline a landing path.
      const migration = {
        folders: [{ source: "/raw/sales", filesystem: "raw", target: "sales", writer: "gen1" }],
        schedule: { frequency: "Hour", interval: 1, startTime: "2026-12-01T00:00:00Z", allowBackfill: true },
        ingest: { filesystem: "raw", path: "landing" },
      };
      const config = {
        ...BASE_CONFIG,
        "adls-migration:environment": environment,
        "adls-migration:pattern": pattern,
        "adls-migration:migration": migration,
        "adls-migration:source": { accountName: "contosogen1", subscriptionId: "22222222-3333-4444-5555-666666666666", resourceGroupName: "contoso-gen1" },
      };
      writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
    }
    const res = runScript("ci/stackMatrix.ts", ["--project-dir", dir]);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(
      [
        'stacks=["bidirectional-sync","dev","dual-pipeline","incremental","lift-and-shift"]',
        'dev=["dev","incremental"]',
        'test=["bidirectional-sync","lift-and-shift"]',
        'prod=["dual-pipeline"]',
        "",
      ].join("\n"),
    );
  });

  it("exits 2 naming the stack file when one is invalid", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "stacks-"));
    copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    writeFileSync(path.join(dir, "Pulumi.qa.yaml"), stringify({ config: { ...BASE_CONFIG, "adls-migration:environment": "qa" } }));
    const res = runScript("ci/stackMatrix.ts", ["--project-dir", dir]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe("");
    expect(res.stderr).toContain('Pulumi.qa.yaml: Invalid stack configuration:\n  - adls-migration:environment: "qa" is not one of dev, test, prod');
  });
});
