import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";

/**
 * Baseline process: the SDK's own recursive call on the filesystem root,
 * batches of 2000 run serially (as the SDK does). Prints one JSON line.
 */
async function main(): Promise<void> {
  const [url, account, key, groupId] = process.argv.slice(2);
  const client = new DataLakeServiceClient(url, new StorageSharedKeyCredential(account, key));
  const root = client.getFileSystemClient("bench").getDirectoryClient("/");
  const started = performance.now();
  const result = await root.updateAccessControlRecursive(
    [{ accessControlType: "group", entityId: groupId, defaultScope: false, permissions: { read: true, write: false, execute: true } }],
    { batchSize: 2000 },
  );
  const ms = performance.now() - started;
  const paths = result.counters.changedDirectoriesCount + result.counters.changedFilesCount;
  process.stdout.write(`${JSON.stringify({ paths, ms, maxRssKb: process.resourceUsage().maxRSS })}\n`);
}

void main();
