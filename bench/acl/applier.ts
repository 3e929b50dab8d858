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
  // The first progress line (after the progress interval): the rate from there
  // to the end is the steady rate, once the adaptive limit has ramped up.
  let first: { at: number; paths: number } | undefined;
  const err = (s: string) => {
    const m = /^progress: (\d+) paths/m.exec(s);
    if (m && !first) first = { at: performance.now(), paths: Number(m[1]) };
  };
  const fixed = concurrency && concurrency !== "adaptive" ? ["--concurrency", concurrency] : [];
  const code = await aclMain(["apply", "--spec", spec, "--account-url", url, ...fixed, "--checkpoint", checkpoint, "--json"], {
    out: (s) => (out += s),
    err,
    env: { AZURE_STORAGE_ACCOUNT: account, AZURE_STORAGE_KEY: key },
    tty: false,
  });
  const ms = performance.now() - started;
  const summary = JSON.parse(out) as { directories: number; files: number; failures: number; concurrency: { settled: number; peak: number; cuts: number } };
  const paths = summary.directories + summary.files;
  const end = started + ms;
  const steadyRate = first && end - first.at > 1000 ? Math.round((paths - first.paths) / ((end - first.at) / 1000)) : undefined;
  process.stdout.write(`${JSON.stringify({ code, paths, failures: summary.failures, ms, steadyRate, maxRssKb: process.resourceUsage().maxRSS, concurrency: summary.concurrency })}\n`);
}

void main();
