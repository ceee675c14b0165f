import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { ApiClient } from "./api-client.js";

export interface ChildRose {
  child: ChildProcess;
  client: ApiClient;
  /** kill -9, resolved once the process is gone. */
  crash(): Promise<void>;
  /** SIGTERM, resolved with the exit code. */
  stop(): Promise<number | null>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs Rose as a real process (`node --import tsx src/main.ts`), so a test can kill it as a crash would.
 * `nodeArgs` go to node itself (a benchmark's `--cpu-prof`, which NODE_OPTIONS does not accept).
 */
export async function spawnRose(env: Record<string, string>, nodeArgs: string[] = []): Promise<ChildRose> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "src/main.ts"], {
    env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: env.LOG_LEVEL ?? "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const client = new ApiClient(`http://127.0.0.1:${port}`);
  const running: ChildRose = {
    child,
    client,
    async crash() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
  // Generous: tsx compiles the service on start, which takes a while on a busy 2-core machine.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(`${client.baseUrl}/api/v1/health`)).ok) return running;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await running.crash();
  throw new Error("the server did not start");
}

/** Reads a Server-Sent Events response until `event` has arrived whole; returns the text read so far. */
export async function readUntilEvent(response: Response, event: string): Promise<{ text: string; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const at = text.indexOf(`event: ${event}\n`);
    if (at >= 0 && text.indexOf("\n\n", at) >= 0) return { text, reader };
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended before "${event}": ${text}`);
    text += decoder.decode(value, { stream: true });
  }
}
