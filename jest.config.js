/** Type checking is done once by `tsc --noEmit` in `npm test`; ts-jest only transpiles. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
  },
  testTimeout: 30000,
  setupFilesAfterEnv: ["<rootDir>/test/support/isolateState.ts"],
  // CI has 2 cores; jest would otherwise use one worker.
  maxWorkers: 2,
};
