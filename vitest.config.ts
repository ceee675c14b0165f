import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Server and browser (e2e) suites under tests/; the web app's component tests next to their components,
    // each choosing the jsdom environment in its first line.
    include: ["tests/**/*.test.ts", "frontend/src/**/*.test.tsx"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits for a state the code reaches on its own (a reply settled, an outbox drained). Its
    // default of 1 s is a timing assertion in disguise on a loaded two-core CI machine; 10 s only catches
    // a state that never comes. Browser suites raise their test timeout (tests/e2e/support/web-app-harness.ts).
    expect: { poll: { timeout: 10_000 } },
    // Integration tests start real servers and SQLite files; two cores, so keep parallelism modest.
    pool: "forks",
    maxWorkers: 2,
    // tests/deadline.test.ts forces garbage collection while provider calls hang (timeouts must survive it).
    execArgv: ["--expose-gc"],
  },
});
