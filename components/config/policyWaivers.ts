import { z } from "zod";
import { SHARED_KEY_WAIVER_TAG, WAIVER_REASON_MAX, WAIVER_REASON_MIN } from "../../policy/rules/waivers";

/**
 * `adls-migration:policyWaivers`: deliberate exceptions to the security
 * baseline (policy/), each with the reason a reviewer will read. Only the
 * policies listed here can be waived; the others have no exception.
 */
const waiverSchema = z.strictObject({
  /** Why the exception is needed and until when; stored as an Azure tag value, so at most 256 characters. */
  reason: z
    .string({ error: "is required: say why the exception is needed (and until when)" })
    .trim()
    .min(WAIVER_REASON_MIN, { error: `must explain the exception in at least ${WAIVER_REASON_MIN} characters` })
    .max(WAIVER_REASON_MAX, { error: `must be at most ${WAIVER_REASON_MAX} characters (it is stored as an Azure tag value)` }),
});

export const policyWaiversSchema = z.strictObject({
  /** Allows `sharedKeyAccess: true` past the storage-shared-key-disabled policy. */
  sharedKeyAccess: waiverSchema.optional(),
});
export type PolicyWaiversConfig = z.infer<typeof policyWaiversSchema>;

/**
 * The tags that make waivers visible to the policy pack, which sees resource
 * inputs but never the stack config. Applied to the storage account.
 */
export function waiverTags(waivers: PolicyWaiversConfig): Record<string, string> {
  return waivers.sharedKeyAccess ? { [SHARED_KEY_WAIVER_TAG]: waivers.sharedKeyAccess.reason } : {};
}
