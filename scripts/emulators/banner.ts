import type { EmulatorSession } from "./session";

/**
 * What `npm run emulators` prints: endpoints, the exports, and each
 * command of the road map with the flags that point it at the emulators.
 */
export function banner(s: EmulatorSession, stackArgs: string[], lifetimeSeconds: number): string {
  const { gen1, dfs, arm } = s.endpoints;
  const lines = [
    `gen1 (WebHDFS)      ${gen1}`,
    `gen2 (DFS)          ${dfs}`,
    ...(arm ? [`data factory (ARM)  ${arm}`] : []),
    ...(s.outputsFile ? [`stack outputs       ${s.outputsFile}`] : []),
    "",
    "Export these in the shell you run the commands from:",
    ...Object.entries(s.env).map(([k, v]) => `  export ${k}='${v}'`),
    "",
    "Then pass the endpoints:",
  ];
  // Any Gen1 account name reaches the emulator: the endpoint is what counts.
  lines.push(`  npm run assess -- --source adl://<gen1 account>.azuredatalakestore.net/ --account-url ${gen1}`);
  if (s.outputsFile && arm) {
    const st = stackArgs.join(" ");
    lines.push(
      `  npm run post-deploy -- ${st} --outputs ${s.outputsFile} --arm-endpoint ${arm}`,
      `  npm run factory -- run full-copy --outputs ${s.outputsFile} --endpoint ${arm}`,
      `  npm run factory -- clock --advance 1h --outputs ${s.outputsFile} --endpoint ${arm}`,
      `  npm run acl -- diff --spec <file> --outputs ${s.outputsFile}`,
      `  npm run validate -- ${st} --outputs ${s.outputsFile} --source-account-url ${gen1}`,
    );
  } else {
    lines.push(
      `  npm run acl -- diff --spec <file> --principals <file> --account-url ${dfs}`,
      `  npm run validate -- --source adl://<gen1>.azuredatalakestore.net/<path> --source-account-url ${gen1} --target abfss://<fs>@${dfs.split("/").pop()}.dfs.core.windows.net/<path> --account-url ${dfs}`,
      "  (start with --stack <s> to get the stack's Data Factory and an outputs file)",
    );
  }
  lines.push("", `Everything is in memory. Stops after ${lifetimeSeconds} s or on Ctrl-C.`, "");
  return lines.join("\n");
}
