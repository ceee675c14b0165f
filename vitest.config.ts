import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Server and browser (e2e) suites under tests/; the web app's component tests next to their components,
    // each choosing the jsdom environment in its first line.
    include: ["tests/**/*.test.ts", "frontend/src/**/*.test.tsx"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start real servers and SQLite files; two cores, so keep parallelism modest.
    pool: "forks",
    maxWorkers: 2,
    // tests/deadline.test.ts forces garbage collection while provider calls hang (timeouts must survive it).
    execArgv: ["--expose-gc"],
  },
});
