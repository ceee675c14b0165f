import { afterAll, afterEach, beforeAll } from "vitest";
import { type Simulator, startSimulator } from "../simulator/server.js";
import { type RunningRose, startRose, tempDataDir } from "./rose-server.js";

export interface SimulatedRose {
  /** The provider simulator the suite's servers point at; reset after every test. */
  readonly sim: Simulator;
  /** Starts Rose with `env` on a fresh temporary DATA_DIR (or `dataDir`); stopped after the test. */
  rose(env: Record<string, string | undefined>, dataDir?: string): Promise<RunningRose>;
  /** A fresh temporary folder, removed after the suite (for a DATA_DIR used across restarts). */
  tempDataDir(): { path: string; remove(): void };
}

/**
 * The usual server-test setup, registered as the suite's (or the enclosing describe's) hooks: one
 * simulator for the suite, any number of Rose servers per test, each stopped after its test, and their
 * data folders removed after the suite.
 */
export function useSimulatedRose(): SimulatedRose {
  let sim: Simulator | undefined;
  const dirs: Array<{ remove(): void }> = [];
  const servers: RunningRose[] = [];

  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterEach(async () => {
    while (servers.length) await servers.pop()!.stop();
    sim?.reset();
  });
  afterAll(async () => {
    await sim?.close();
    dirs.forEach((d) => d.remove());
  });

  return {
    get sim() {
      if (!sim) throw new Error("the simulator is not started: use it inside a test or hook");
      return sim;
    },
    tempDataDir() {
      const dir = tempDataDir();
      dirs.push(dir);
      return dir;
    },
    async rose(env, dataDir) {
      const server = await startRose(env, dataDir ?? this.tempDataDir().path);
      servers.push(server);
      return server;
    },
  };
}
