import type { DataFactoryManagementClient } from "@azure/arm-datafactory";
import { createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import { UsageError } from "../lib/cli";

/**
 * The Data Factory emulator's clock (emulators/factory/armRoutes.ts,
 * /emulator/clock): read it, or move it forward so that the tumbling
 * windows that fall due run. Real ARM has no such operation; against it the
 * request fails with 404.
 */

export interface ClockWindow {
  trigger: string;
  windowStart: string;
  windowEnd: string;
  status: string;
  attempts: number;
}

export interface ClockReply {
  now?: string;
  from?: string;
  to?: string;
  windows?: ClockWindow[];
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "90m", "2h", "1d", "30s" → seconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)([smhd])$/.exec(text);
  if (!m) throw new UsageError(`--advance ${text}: give a duration like 30s, 15m, 2h or 1d`);
  return Number(m[1]) * UNITS[m[2]];
}

export async function emulatorClock(client: DataFactoryManagementClient, endpoint: string, body?: { advanceTo?: string; advanceBySeconds?: number }): Promise<ClockReply> {
  const request = createPipelineRequest({
    url: `${endpoint.replace(/\/+$/, "")}/emulator/clock`,
    method: body ? "POST" : "GET",
    headers: createHttpHeaders({ "content-type": "application/json" }),
    body: body ? JSON.stringify(body) : undefined,
  });
  const res = await client.sendRequest(request);
  const parsed = (res.bodyAsText ? JSON.parse(res.bodyAsText) : {}) as ClockReply & { error?: { message?: string } };
  if (res.status === 404) throw new UsageError(`${endpoint} has no emulator clock: clock works against the Data Factory emulator only`);
  if (res.status !== 200) throw new Error(`clock: HTTP ${res.status} ${parsed.error?.message ?? ""}`);
  return parsed;
}
