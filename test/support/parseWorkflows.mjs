// Parses GitHub Actions workflow files with GitHub's own parser
// (@actions/workflow-parser). The package is ESM only and imports its JSON
// schema without import attributes, which plain node rejects, so jest runs
// this file in a child process under tsx.
// Usage: tsx parseWorkflows.mjs <file>...; prints one JSON array on stdout:
// [{ file, errors: [message...], jobs: [job id...] }]
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } from "@actions/workflow-parser";

const results = [];
for (const file of process.argv.slice(2)) {
  const parsed = parseWorkflow({ name: basename(file), content: readFileSync(file, "utf8") }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  let jobs = [];
  if (errors.length === 0 && parsed.value !== undefined) {
    // Conversion catches what the schema alone cannot: job graph (needs), matrix and reusable-workflow shapes.
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    errors.push(...(template.errors ?? []).map((e) => e.Message));
    jobs = template.jobs.map((j) => j.id.value);
  } else if (parsed.value === undefined && errors.length === 0) {
    errors.push("empty workflow");
  }
  results.push({ file, errors, jobs });
}
process.stdout.write(`${JSON.stringify(results)}\n`);
