import { main as aclMain } from "../../scripts/acl";

/**
 * Our applier in its own process, through the CLI entry point
 * (`acl apply --concurrency 16 --json`). Prints one JSON line: paths written,
 * wall time from the start of the command, peak RSS.
 */
async function main(): Promise<void> {
  const [url, account, key, spec, checkpoint] = process.argv.slice(2);
  let out = "";
  const started = performance.now();
  const code = await aclMain(["apply", "--spec", spec, "--account-url", url, "--concurrency", "16", "--checkpoint", checkpoint, "--json"], {
    out: (s) => (out += s),
    err: () => undefined,
    env: { AZURE_STORAGE_ACCOUNT: account, AZURE_STORAGE_KEY: key },
    tty: false,
  });
  const ms = performance.now() - started;
  const summary = JSON.parse(out) as { directories: number; files: number; failures: number };
  process.stdout.write(
    `${JSON.stringify({ code, paths: summary.directories + summary.files, failures: summary.failures, ms, maxRssKb: process.resourceUsage().maxRSS })}\n`,
  );
}

void main();
