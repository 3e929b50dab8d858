import { asRecord, isUnknown } from "./types";

/**
 * Account tag that carries a shared-key waiver. Its value is the reason, so
 * the waiver is visible on the account in the portal and to the policy pack,
 * which only sees resource inputs (never the stack config). The stack sets it
 * from `adls-migration:policyWaivers.sharedKeyAccess.reason`.
 */
export const SHARED_KEY_WAIVER_TAG = "policy-waiver-shared-key-access";

/** Azure tag values are limited to 256 characters. */
export const WAIVER_REASON_MAX = 256;
/** A reason a reviewer can act on; the config and the policy pack ask for the same minimum. */
export const WAIVER_REASON_MIN = 10;

/** The waiver reason on an account's tags (trimmed), or undefined when there is no tag. */
export function sharedKeyWaiver(props: Record<string, unknown>): string | undefined {
  const tags = props.tags;
  if (isUnknown(tags)) return undefined;
  const reason = asRecord(tags)?.[SHARED_KEY_WAIVER_TAG];
  return typeof reason === "string" ? reason.trim() : undefined;
}
