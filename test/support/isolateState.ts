import { mkdtempSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { STATE_DIR_ENV } from "../../scripts/lib/stateDir";

// jest setupFiles: the commands a test runs (in this process or a child, which inherits the
// environment) keep their state in a temp directory, never in the developer's ~/.local/state.
process.env[STATE_DIR_ENV] = mkdtempSync(path.join(tmpdir(), "adls-test-state-"));
