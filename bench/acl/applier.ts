import { main as aclMain } from "../../scripts/acl";

/**
 * Our applier in its own process, through the CLI entry point
 * (`acl apply --json`, with `--concurrency <n>` when given, else adaptive).
 * Prints one JSON line: paths written, failures, wall time from the start of
 * the command, peak RSS, and where the concurrency settled.
 */
async function main(): Promise<void> {
  const [url, account, key, spec, checkpoint, concurrency] = process.argv.slice(2);
  let out = "";
  const started = performance.now();
  const fixed = concurrency && concurrency !== "adaptive" ? ["--concurrency", concurrency] : [];
  const code = await aclMain(["apply", "--spec", spec, "--account-url", url, ...fixed, "--checkpoint", checkpoint, "--json"], {
    out: (s) => (out += s),
    err: () => undefined,
    env: { AZURE_STORAGE_ACCOUNT: account, AZURE_STORAGE_KEY: key },
    tty: false,
  });
  const ms = performance.now() - started;
  const summary = JSON.parse(out) as { directories: number; files: number; failures: number; concurrency: { settled: number; peak: number; cuts: number } };
  process.stdout.write(
    `${JSON.stringify({ code, paths: summary.directories + summary.files, failures: summary.failures, ms, maxRssKb: process.resourceUsage().maxRSS, concurrency: summary.concurrency })}\n`,
  );
}

void main();
