import { DefaultAzureCredential } from "@azure/identity";
import { existsSync, statSync } from "fs";
import { UsageError } from "../lib/cli";
import { GEN1_TOKEN_ENV, emulatorCredential } from "../lib/emulatorAuth";
import { Gen1Reader } from "./gen1";
import { Gen2Reader, ListingMode } from "./gen2";
import { BlobInventoryReader } from "./blobInventory";
import { InventoryReader } from "./inventory";
import { InventoryRun, InventoryRunError, locateRun } from "./inventoryRun";
import { ParquetInventoryReader } from "./parquetInventory";
import { SourceReader, relativePath } from "./types";

/** Where a listing comes from, parsed from `--source` / `--target`. */
export type SourceSpec =
  | { kind: "gen1"; account: string; path: string; uri: string }
  | { kind: "gen2"; account: string; filesystem: string; path: string; uri: string }
  | { kind: "inventory"; file: string; format: "csv" | "jsonl"; uri: string }
  | { kind: "parquet"; file: string; uri: string }
  /** A Gen2 blob inventory run, checked when parsed; `subtree` is "<filesystem>/<folder>" or "" (whole account). */
  | { kind: "blob-inventory"; run: InventoryRun; subtree: string; uri: string };

const GEN1_HOST = /^([a-z0-9]{3,24})\.azuredatalakestore\.net$/;
const GEN2_HOST = /^([a-z0-9]{3,24})\.dfs\.core\.windows\.net$/;
const FILESYSTEM = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;

const FORMS =
  "adl://<account>.azuredatalakestore.net/<path>, https://<account>.azuredatalakestore.net/webhdfs/v1/<path>, " +
  "abfss://<filesystem>@<account>.dfs.core.windows.net/<path>, inventory:<run folder or manifest>#<filesystem>/<path> (a blob inventory run), " +
  "or an inventory file (.csv, .jsonl, .ndjson, .parquet)";

const INVENTORY_SCHEME = "inventory:";

/** How old a blob inventory run may be, and the clock to judge it by. */
export interface InventoryCheckOptions {
  /** Refuse runs completed longer ago than this (ms; default 36 h). */
  maxInventoryAgeMs?: number;
  /** Epoch ms (default now). */
  now?: number;
}

/** Parses a source argument; anything malformed is a UsageError naming the flag (exit 2). */
export function parseSource(flag: string, value: string, inventory: InventoryCheckOptions = {}): SourceSpec {
  if (value.startsWith(INVENTORY_SCHEME)) return parseInventoryRun(flag, value, inventory);
  if (value.includes("://")) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new UsageError(`${flag} ${value}: not a valid URI; expected ${FORMS}`);
    }
    // The URL parser would silently drop these from the path, listing a different folder.
    if (/[?#]/.test(value)) {
      throw new UsageError(`${flag} ${value}: "?" and "#" start a query or fragment, not part of a path; percent-encode them in a folder name (%3F, %23)`);
    }
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      throw new UsageError(`${flag} ${value}: "%" must start a percent-escape; write a literal % as %25`);
    }
    if (url.protocol === "adl:" || url.protocol === "https:") {
      const m = GEN1_HOST.exec(url.hostname);
      if (m && (url.protocol === "adl:" || path.startsWith("/webhdfs/v1"))) {
        return { kind: "gen1", account: m[1], path: url.protocol === "adl:" ? path || "/" : path.slice("/webhdfs/v1".length) || "/", uri: value };
      }
    }
    if (url.protocol === "abfss:" || url.protocol === "abfs:") {
      const m = GEN2_HOST.exec(url.hostname);
      if (m && FILESYSTEM.test(url.username)) return { kind: "gen2", account: m[1], filesystem: url.username, path, uri: value };
      if (m) throw new UsageError(`${flag} ${value}: "${url.username}" is not a filesystem name (3-63 lowercase letters, digits, single hyphens)`);
    }
    throw new UsageError(`${flag} ${value}: unsupported URI; expected ${FORMS}`);
  }
  const format = /\.csv$/i.test(value) ? "csv" : /\.(jsonl|ndjson|json)$/i.test(value) ? "jsonl" : /\.parquet$/i.test(value) ? "parquet" : undefined;
  if (!format) throw new UsageError(`${flag} ${value}: not a URI and not an inventory file; expected ${FORMS}`);
  if (!existsSync(value) || !statSync(value).isFile()) throw new UsageError(`${flag} ${value}: inventory file not found`);
  return format === "parquet" ? { kind: "parquet", file: value, uri: value } : { kind: "inventory", file: value, format, uri: value };
}

/**
 * `inventory:<folder or manifest>[#<filesystem>[/<folder>]]`: a blob inventory
 * run copied to local disk. The part after the first "#" picks the subtree
 * the listing is relative to; a refused run (old, incomplete, missing
 * fields) is bad input.
 */
function parseInventoryRun(flag: string, value: string, opts: InventoryCheckOptions): SourceSpec {
  const rest = value.slice(INVENTORY_SCHEME.length);
  const hash = rest.indexOf("#");
  const location = hash < 0 ? rest : rest.slice(0, hash);
  const subtree = hash < 0 ? "" : relativePath(rest.slice(hash + 1));
  if (location === "" || !existsSync(location)) throw new UsageError(`${flag} ${value}: ${location || "(empty)"} does not exist; expected inventory:<run folder or *-manifest.json>#<filesystem>/<path>`);
  const filesystem = subtree.split("/")[0];
  if (subtree !== "" && !FILESYSTEM.test(filesystem)) throw new UsageError(`${flag} ${value}: "${filesystem}" after "#" is not a filesystem name (3-63 lowercase letters, digits, single hyphens)`);
  try {
    return { kind: "blob-inventory", run: locateRun(location, { subtree, maxAgeMs: opts.maxInventoryAgeMs, now: opts.now }), subtree, uri: value };
  } catch (err) {
    if (err instanceof InventoryRunError) throw new UsageError(`${flag} ${value}: ${err.message}`);
    throw err;
  }
}

export interface OpenOptions {
  /** Replaces https://<account>.azuredatalakestore.net or https://<account>.dfs.core.windows.net (tests, sovereign clouds, private endpoints). */
  accountUrl?: string;
  /** SDK/HTTP retries after the first attempt. */
  retries?: number;
  /** How a live Gen2 side is listed (Gen2Options.listing). */
  listing?: ListingMode;
  /** Gen2Options.maxConcurrency and Gen1Options.maxConcurrency. */
  listConcurrency?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Builds the reader for a spec. Gen2 uses shared key when AZURE_STORAGE_ACCOUNT
 * and AZURE_STORAGE_KEY are set (as the ACL CLI does), otherwise
 * DefaultAzureCredential; Gen1 uses the emulator token ADLS_MIGRATION_GEN1_TOKEN
 * when set (loopback endpoints only, see lib/emulatorAuth.ts), DefaultAzureCredential otherwise.
 */
export function openSource(spec: SourceSpec, opts: OpenOptions = {}): SourceReader {
  const env = opts.env ?? process.env;
  switch (spec.kind) {
    case "inventory":
      return new InventoryReader(spec.file, spec.format);
    case "parquet":
      return new ParquetInventoryReader(spec.file);
    case "blob-inventory":
      return new BlobInventoryReader(spec.run, spec.subtree, spec.uri);
    case "gen1": {
      const accountUrl = opts.accountUrl ?? `https://${spec.account}.azuredatalakestore.net`;
      return new Gen1Reader({
        accountUrl,
        root: spec.path,
        credential: emulatorCredential(env, GEN1_TOKEN_ENV, accountUrl) ?? new DefaultAzureCredential(),
        describe: spec.uri,
        retry: { maxAttempts: (opts.retries ?? 4) + 1 },
        maxConcurrency: opts.listConcurrency,
      });
    }
    case "gen2": {
      const credential =
        env.AZURE_STORAGE_ACCOUNT && env.AZURE_STORAGE_KEY
          ? { accountName: env.AZURE_STORAGE_ACCOUNT, accountKey: env.AZURE_STORAGE_KEY }
          : new DefaultAzureCredential();
      return new Gen2Reader({
        accountUrl: opts.accountUrl ?? `https://${spec.account}.dfs.core.windows.net`,
        filesystem: spec.filesystem,
        root: spec.path,
        credential,
        describe: spec.uri,
        maxTries: (opts.retries ?? 3) + 1,
        listing: opts.listing,
        maxConcurrency: opts.listConcurrency,
      });
    }
  }
}
