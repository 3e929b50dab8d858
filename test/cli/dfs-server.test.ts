import { createServer } from "net";
import type { AddressInfo } from "net";
import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake";
import { dfsServerMain } from "../../scripts/dfs-server";
import type { Io } from "../../scripts/lib/command";

/** `npm run dfs-server`: flags, one-line errors with exit 2, the banner a user copies from, and a bounded lifetime. */

function io(signal = new AbortController().signal) {
  const out: string[] = [];
  const err: string[] = [];
  const value: Io = { out: (s) => out.push(s), err: (s) => err.push(s), env: {}, tty: false, signal };
  return { value, out: () => out.join(""), err: () => err.join("") };
}

describe("dfs-server", () => {
  it("prints help and exits 0", async () => {
    const h = io();
    expect(await dfsServerMain(["--help"], h.value)).toBe(0);
    expect(h.out()).toMatch(/--port <port>/);
    expect(h.out()).toMatch(/--lifetime <seconds>/);
  });

  it.each([
    [["--bogus"], /unknown option '--bogus'/],
    [["--port", "70000"], /^--port 70000: must be a whole number between 0 and 65535\n$/],
    [["--lifetime", "0"], /^--lifetime 0: must be a whole number between 1 and 86400\n$/],
    [["--capacity", "fast"], /^--capacity fast: must be a whole number between 1 and 10000000\n$/],
  ])("refuses %j with one line and exit 2", async (argv, message) => {
    const h = io();
    expect(await dfsServerMain(argv, h.value)).toBe(2);
    expect(h.err()).toMatch(message);
    expect(h.err().trim().split("\n")).toHaveLength(1);
  });

  it("refuses a port in use with one line and exit 2", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const h = io();
      expect(await dfsServerMain(["--port", String(port)], h.value)).toBe(2);
      expect(h.err()).toBe(`--port ${port}: already in use on 127.0.0.1 (pick another, or 0 for a free one)\n`);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it("serves the SDK with the printed account and key until its lifetime ends", async () => {
    const h = io();
    const running = dfsServerMain(["--lifetime", "2"], h.value);
    for (let i = 0; i < 50 && !h.out().includes("Stops after"); i++) await new Promise((r) => setTimeout(r, 20));
    const url = /^listening (\S+)$/m.exec(h.out())![1];
    const account = /^account +(\S+)$/m.exec(h.out())![1];
    const key = /^key +(\S+)$/m.exec(h.out())![1];
    expect(h.out()).toContain(`AZURE_STORAGE_ACCOUNT=${account}`);
    expect(h.out()).toContain(`--account-url ${url}`);
    const client = new DataLakeServiceClient(url, new StorageSharedKeyCredential(account, key), { retryOptions: { maxTries: 1 } });
    await client.getFileSystemClient("tryout").create();
    expect(await client.getFileSystemClient("tryout").exists()).toBe(true);
    expect(await running).toBe(0);
    await expect(client.getFileSystemClient("tryout").exists()).rejects.toThrow();
  });

  it("models an account at its capacity with --capacity", async () => {
    const stop = new AbortController();
    const h = io(stop.signal);
    const running = dfsServerMain(["--capacity", "1"], h.value);
    for (let i = 0; i < 50 && !h.out().includes("Stops after"); i++) await new Promise((r) => setTimeout(r, 20));
    const url = /^listening (\S+)$/m.exec(h.out())![1];
    const key = /^key +(\S+)$/m.exec(h.out())![1];
    try {
      const client = new DataLakeServiceClient(url, new StorageSharedKeyCredential("devstoreaccount1", key), { retryOptions: { maxTries: 1 } });
      await client.getFileSystemClient("cap").create();
      const fs = client.getFileSystemClient("cap");
      await fs.getDirectoryClient("a").create();
      await expect(fs.getDirectoryClient("b").create()).rejects.toMatchObject({ statusCode: 503, code: "ServerBusy" });
    } finally {
      stop.abort();
    }
    expect(await running).toBe(0);
  });

  it("stops on abort (Ctrl-C) and exits 0", async () => {
    const stop = new AbortController();
    const h = io(stop.signal);
    const running = dfsServerMain([], h.value);
    for (let i = 0; i < 50 && !h.out().includes("listening"); i++) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    expect(await running).toBe(0);
  });
});
