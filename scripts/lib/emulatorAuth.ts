import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { UsageError } from "./cli";

/**
 * Credentials for the loopback emulators (`npm run emulators`, `npm run
 * demo`), taken from the environment so that every command reaches them
 * without code and without a DefaultAzureCredential round trip (which needs
 * a signed-in Azure identity the emulators never check). A token is only
 * ever sent to a loopback host: set against a real endpoint it is refused,
 * so an exported emulator token can never leak to Azure or replace a real
 * sign-in by accident.
 */

/** Bearer token for the Gen1 WebHDFS emulator (printed by `npm run emulators`). */
export const GEN1_TOKEN_ENV = "ADLS_MIGRATION_GEN1_TOKEN";
/** Bearer token for the Data Factory (ARM) emulator (printed by `npm run emulators`). */
export const ARM_TOKEN_ENV = "ADLS_MIGRATION_ARM_TOKEN";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export const isLoopbackHost = (host: string): boolean => LOOPBACK.has(host.toLowerCase());

export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** A fixed token, valid for an hour from each request (the emulators do not expire tokens). */
export function staticTokenCredential(token: string): TokenCredential {
  return {
    async getToken(): Promise<AccessToken> {
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

/**
 * The emulator credential named by `variable` when it is set, for an
 * `endpoint` on loopback; undefined when it is not set (the caller signs in
 * as usual). Set with a non-loopback endpoint (or none: the public cloud):
 * a UsageError naming the variable.
 */
export function emulatorCredential(env: NodeJS.ProcessEnv, variable: string, endpoint: string | undefined): TokenCredential | undefined {
  const token = env[variable];
  if (token === undefined || token === "") return undefined;
  if (endpoint === undefined || !isLoopbackUrl(endpoint)) {
    throw new UsageError(`${variable} is set, but ${endpoint ?? "the public Azure endpoint"} is not an emulator on 127.0.0.1/localhost: unset it to sign in to Azure, or point the command at the emulator's endpoint`);
  }
  return staticTokenCredential(token);
}

/**
 * How often to poll a Data Factory run: `remoteMs` against Azure (runs take
 * minutes; polling faster only spends ARM read quota), 250 ms against a
 * loopback emulator, whose runs end in milliseconds.
 */
export function runPollIntervalMs(endpoint: string | undefined, remoteMs: number): number {
  return endpoint !== undefined && isLoopbackUrl(endpoint) ? 250 : remoteMs;
}
