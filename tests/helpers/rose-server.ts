import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/core/config.js";
import { createLogger } from "../../src/core/logger.js";
import { createRose, type Rose } from "../../src/rose.js";
import { ApiClient } from "./api-client.js";

/**
 * A provider timeout for tests of a hung provider: long enough that a healthy provider (the fallback, or the
 * same one once it recovers) answers within it on a loaded CI machine, short enough to keep the test quick.
 */
export const HEALTHY_ANSWER_MS = "1000";

export interface RunningRose {
  rose: Rose;
  url: string;
  dataDir: string;
  client: ApiClient;
  /** Stops the server and closes its databases; the data directory is kept for a restart. */
  stop(): Promise<void>;
}

export function tempDataDir(prefix = "rose-test-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Starts the real service in-process on a random loopback port with the given environment. */
export async function startRose(env: Record<string, string | undefined>, dataDir: string): Promise<RunningRose> {
  const config = loadConfig({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent", ...env, DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1" });
  const rose = await createRose(config, createLogger(config.logLevel === "silent" ? "silent" : config.logLevel));
  const server: Server = await new Promise((resolve) => {
    const s = rose.app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const live = rose.attach(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    rose,
    url,
    dataDir,
    client: new ApiClient(url),
    async stop() {
      live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rose.close();
    },
  };
}
