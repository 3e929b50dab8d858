import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { STATE_DIR_ENV } from "../../scripts/lib/stateDir";

// jest setupFilesAfterEnv: the commands a test file runs (in this process or a child, which
// inherits the environment) keep their state in a temp directory, never in the developer's
// ~/.local/state; the directory goes when the file's tests are done.
const dir = mkdtempSync(path.join(tmpdir(), "adls-test-state-"));
process.env[STATE_DIR_ENV] = dir;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
