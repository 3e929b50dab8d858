// Preloaded into a measured process: records its peak resident set size (KB) at exit.
process.on("exit", () => {
  if (process.env.BENCH_RSS_FILE) require("fs").writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
});
