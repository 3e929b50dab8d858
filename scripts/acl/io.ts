import type { Io } from "../lib/command";
import type { RetryOptions } from "../lib/retry";

/** The Io of the commands that apply ACLs (`acl`, `post-deploy`). */
export interface AclIo extends Io {
  /** Test hook: faster backoff against the local server (default DEFAULT_RETRY). */
  retry?: RetryOptions;
}
