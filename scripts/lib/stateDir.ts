import { homedir } from "os";
import * as path from "path";

/** Environment variable that moves the state directory (resume checkpoints) anywhere. */
export const STATE_DIR_ENV = "ADLS_MIGRATION_STATE_DIR";

/**
 * The per-user directory the tools keep resume state in, so that nothing is
 * written into the work tree by default: $ADLS_MIGRATION_STATE_DIR, else
 * $XDG_STATE_HOME/adls-migration, else ~/.local/state/adls-migration (the XDG
 * Base Directory default for state data).
 */
export function stateDir(env: NodeJS.ProcessEnv): string {
  return env[STATE_DIR_ENV] || path.join(env.XDG_STATE_HOME || path.join(homedir(), ".local", "state"), "adls-migration");
}
