import { execFileSync } from "child_process";
import { randomUUID } from "crypto";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import * as http from "http";
import * as https from "https";
import type { AddressInfo } from "net";
import { tmpdir } from "os";
import * as path from "path";
import { type ArmReply, clockRoute, factoryRoute } from "./armRoutes";
import type { FactoryEmulator } from "./emulator";

/**
 * A loopback stand-in for the parts of Azure Resource Manager the factory
 * CLI calls, answering like ARM does: trigger GET, trigger start/stop as
 * long-running POSTs (202 + Location, polled until 200), createRun and
 * pipeline run GET, and queryTriggerRuns (filtered by TriggerName and
 * lastUpdatedAfter/Before against triggerRunTimestamp, two runs per page so
 * that clients follow continuationToken). HTTPS because the Azure SDK refuses to send a bearer
 * token over plain HTTP; the certificate is self-signed for 127.0.0.1 and
 * handed to the client as its CA. It records every call for assertions.
 *
 * With `factory`, the factory's own operations (runs and their activity
 * runs, triggers, trigger runs, and the emulator clock at /emulator/clock) are answered by that
 * FactoryEmulator (armRoutes.ts) instead of the recorded maps below.
 * `protocol: "http"` serves plain HTTP, for clients on loopback that send
 * their token without TLS (the factory CLI accepts that on loopback only).
 */

export interface FakeArmOptions {
  factory?: FactoryEmulator;
  protocol?: "http" | "https";
  /** The server closes itself after this long (default 60 s, so a test that forgets to close it does not hang); `npm run emulators` passes its --lifetime. */
  lifetimeMs?: number;
}

export interface RecordedCall {
  method: string;
  path: string;
  apiVersion: string | null;
  authorization: string | undefined;
  body: string;
}

export interface FakeArm {
  endpoint: string;
  /** PEM certificate to trust (client `tlsOptions.ca`). */
  ca: string;
  calls: RecordedCall[];
  /** Trigger name → runtime state; unknown names answer 404. */
  triggers: Map<string, string>;
  /** Run id → pipeline run as ARM returns it. */
  runs: Map<string, Record<string, unknown>>;
  /** Trigger runs as queryTriggerRuns returns them (TriggerRun: triggerName, triggerRunTimestamp, status, triggeredPipelines …). */
  triggerRuns: Record<string, unknown>[];
  close(): Promise<void>;
}

const FACTORY_PATH = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.DataFactory\/factories\/([^/]+)\/(.+)$/i;

export async function startFakeArm(options: FakeArmOptions = {}): Promise<FakeArm> {
  const dir = mkdtempSync(path.join(tmpdir(), "fake-arm-"));
  try {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"),
      "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    ], { stdio: "ignore", timeout: 10_000 });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`openssl is needed to make the loopback certificate: ${(err as Error).message}`);
  }
  const key = readFileSync(path.join(dir, "key.pem"), "utf8");
  const cert = readFileSync(path.join(dir, "cert.pem"), "utf8");
  rmSync(dir, { recursive: true, force: true });

  const calls: RecordedCall[] = [];
  const triggers = new Map<string, string>();
  const runs = new Map<string, Record<string, unknown>>();
  const triggerRuns: Record<string, unknown>[] = [];
  /** Pending long-running operations: operation id → what completing it does. */
  const operations = new Map<string, () => void>();
  let endpoint = "";

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => void respond().catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "InternalServerError", message: err.message } }));
    }));
    const respond = async () => {
      const url = new URL(req.url ?? "/", "https://127.0.0.1");
      const body = Buffer.concat(chunks).toString("utf8");
      calls.push({ method: req.method ?? "", path: url.pathname, apiVersion: url.searchParams.get("api-version"), authorization: req.headers.authorization, body });
      const send = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", "x-ms-request-id": randomUUID(), ...headers });
        res.end(json === undefined ? "" : JSON.stringify(json));
      };
      const notFound = (what: string) => send(404, { error: { code: "NotFound", message: `${what} not found` } });

      const op = /^\/operations\/([^/]+)$/.exec(url.pathname);
      if (op && req.method === "GET") {
        const complete = operations.get(op[1]);
        if (!complete) return notFound(`operation ${op[1]}`);
        operations.delete(op[1]);
        complete();
        return send(200);
      }
      const emu = options.factory;
      const answer = (r: ArmReply) => {
        if (!r.operation) return send(r.status, r.body);
        const id = randomUUID();
        operations.set(id, r.operation);
        return send(202, undefined, { location: `${endpoint}/operations/${id}`, "retry-after": "0" });
      };
      if (emu && url.pathname === "/emulator/clock") return answer(await clockRoute(emu, req.method ?? "", body));
      const m = FACTORY_PATH.exec(url.pathname);
      if (!m) return notFound(url.pathname);
      const [, factory, rest] = m;
      const parts = rest.split("/");
      if (emu) {
        if (factory !== emu.catalog.factoryName) return notFound(`factory ${factory}`);
        return answer(factoryRoute(emu, url.pathname.slice(0, url.pathname.length - rest.length - 1), req.method ?? "", parts.map(decodeURIComponent), body));
      }
      if (parts[0] === "triggers" && parts.length >= 2) {
        const name = decodeURIComponent(parts[1]);
        const state = triggers.get(name);
        if (state === undefined) return notFound(`trigger ${name}`);
        if (parts.length === 2 && req.method === "GET") {
          return send(200, {
            id: `${url.pathname}`,
            name,
            type: "Microsoft.DataFactory/factories/triggers",
            properties: { type: "TumblingWindowTrigger", runtimeState: state, pipeline: { pipelineReference: { type: "PipelineReference", referenceName: "p" } } },
          });
        }
        if (parts.length === 3 && req.method === "POST" && (parts[2] === "start" || parts[2] === "stop")) {
          const id = randomUUID();
          operations.set(id, () => triggers.set(name, parts[2] === "start" ? "Started" : "Stopped"));
          return send(202, undefined, { location: `${endpoint}/operations/${id}`, "retry-after": "0" });
        }
      }
      if (parts[0] === "pipelines" && parts[2] === "createRun" && req.method === "POST") {
        const runId = randomUUID();
        runs.set(runId, { runId, pipelineName: decodeURIComponent(parts[1]), status: "InProgress", runStart: new Date().toISOString(), parameters: JSON.parse(body || "{}") });
        return send(200, { runId });
      }
      if (parts[0] === "queryTriggerRuns" && req.method === "POST") return send(200, queryTriggerRuns(triggerRuns, JSON.parse(body || "{}")));
      if (parts[0] === "pipelineruns" && parts.length === 2 && req.method === "GET") {
        const run = runs.get(parts[1]);
        return run ? send(200, run) : notFound(`pipeline run ${parts[1]} in factory ${factory}`);
      }
      return notFound(url.pathname);
    };
  };
  const protocol = options.protocol ?? "https";
  const server = protocol === "http" ? http.createServer(handler) : https.createServer({ key, cert }, handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `${protocol}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Stops by itself if its owner forgets to close it.
  const guard = setTimeout(() => server.close(), options.lifetimeMs ?? 60_000);
  guard.unref();

  return {
    endpoint,
    ca: cert,
    calls,
    triggers,
    runs,
    triggerRuns,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(guard);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const TRIGGER_RUNS_PAGE = 2;

/** One page of trigger runs matching RunFilterParameters; continuationToken is the next offset. */
function queryTriggerRuns(all: Record<string, unknown>[], filter: { lastUpdatedAfter?: string; lastUpdatedBefore?: string; continuationToken?: string; filters?: { operand: string; operator: string; values: string[] }[] }) {
  const after = Date.parse(filter.lastUpdatedAfter ?? "");
  const before = Date.parse(filter.lastUpdatedBefore ?? "");
  const names = filter.filters?.find((f) => f.operand === "TriggerName" && f.operator === "Equals")?.values;
  const matching = all.filter((r) => {
    const t = Date.parse(String(r.triggerRunTimestamp));
    return t >= after && t <= before && (names === undefined || names.includes(String(r.triggerName)));
  });
  const offset = Number(filter.continuationToken ?? 0);
  const next = offset + TRIGGER_RUNS_PAGE;
  return { value: matching.slice(offset, next), ...(next < matching.length ? { continuationToken: String(next) } : {}) };
}
