import { createConnection, type NetConnectOpts, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import WebSocket from "ws";

/**
 * A live voice client for tests and benchmarks: opens GET /api/v1/voice/live with a person's identity
 * cookie, streams PCM in real time (20 ms frames, as a microphone would), and records every event with
 * the time it arrived.
 */

export interface LiveEventRecord {
  type: string;
  at: number;
  [key: string]: unknown;
}

export const FRAME_BYTES = 640; // 20 ms at 16 kHz, 16-bit mono
export const silence = (ms: number) => Buffer.alloc(Math.round((ms * 16_000) / 1000) * 2);

export class LiveClient {
  readonly events: LiveEventRecord[] = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: Array<() => void> = [];
  /** Set by speak(): when the last frame holding speech went out. */
  lastSpeechFrameAt = 0;
  firstSpeechFrameAt = 0;

  private constructor(
    readonly ws: WebSocket,
    /** The TCP connection under the WebSocket (for a client that stops reading). */
    private readonly tcp: Socket,
  ) {
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      const text = Buffer.isBuffer(data)
        ? data.toString("utf8")
        : Array.isArray(data)
          ? Buffer.concat(data).toString("utf8")
          : Buffer.from(data).toString("utf8");
      this.events.push({ ...(JSON.parse(text) as { type: string }), at: performance.now() });
      this.notify();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.notify();
    });
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  static open(baseUrl: string, cookie: string, headers: Record<string, string> = {}): Promise<LiveClient> {
    let tcp: Socket | undefined;
    const ws = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/api/v1/voice/live`, {
      headers: { cookie, ...headers },
      createConnection: ((options: NetConnectOpts, onConnect?: () => void) => (tcp = createConnection(options, onConnect))) as typeof createConnection,
    });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new LiveClient(ws, tcp!)));
      ws.once("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () =>
          reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body: JSON.parse(body || "{}") as unknown })),
        );
      });
      ws.once("error", reject);
    });
  }

  /** Stops reading from the socket (a client that hangs or ignores what it is sent); sending still works. */
  stopReading(): void {
    this.tcp.pause();
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  async start(extra: Record<string, unknown> = {}): Promise<string> {
    this.send({ type: "start", sample_rate: 16000, ...extra });
    const ready = await this.next("ready");
    return ready.session_id as string;
  }

  /** Streams PCM at real-time pace in 20 ms frames; frames louder than silence mark when speech was sent. */
  async stream(pcm: Buffer, { realTime = true }: { realTime?: boolean } = {}): Promise<void> {
    const begun = performance.now();
    for (let offset = 0, i = 0; offset < pcm.length; offset += FRAME_BYTES, i++) {
      if (this.ws.readyState !== WebSocket.OPEN) return;
      const frame = pcm.subarray(offset, Math.min(pcm.length, offset + FRAME_BYTES));
      const even = frame.length % 2 === 0 ? frame : frame.subarray(0, frame.length - 1);
      if (even.length === 0) continue;
      this.ws.send(even);
      if (loud(even)) {
        const now = performance.now();
        if (!this.firstSpeechFrameAt) this.firstSpeechFrameAt = now;
        this.lastSpeechFrameAt = now;
      }
      if (realTime) {
        const due = begun + (i + 1) * 20;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
      }
    }
  }

  /** Speech followed by enough silence for the turn to end. */
  async speak(pcm: Buffer, trailingSilenceMs = 1200): Promise<void> {
    this.firstSpeechFrameAt = 0;
    await this.stream(pcm);
    await this.stream(silence(trailingSilenceMs));
  }

  /** Waits for the next event of a type after `after` events (default: any not yet seen by a previous next()). */
  private cursor = 0;
  async next(type: string, timeoutMs = 20_000): Promise<LiveEventRecord> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const index = this.events.findIndex((e, i) => i >= this.cursor && e.type === type);
      if (index >= 0) {
        this.cursor = index + 1;
        return this.events[index]!;
      }
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) before a ${type} event; got ${this.describe()}`);
      if (performance.now() > deadline) throw new Error(`no ${type} event within ${timeoutMs} ms; got ${this.describe()}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async waitClosed(timeoutMs = 10_000): Promise<{ code: number; reason: string }> {
    const deadline = performance.now() + timeoutMs;
    while (!this.closed) {
      if (performance.now() > deadline) throw new Error(`the socket did not close; got ${this.describe()}`);
      await sleep(20);
    }
    return this.closed;
  }

  describe(): string {
    return this.events.map((e) => (e.type === "error" ? `error(${String(e.code)})` : e.type)).join(", ");
  }

  close(): void {
    this.ws.close();
  }
}

function loud(frame: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i + 1 < frame.length; i += 2) sum += Math.abs(frame.readInt16LE(i));
  return sum / (frame.length / 2) > 300;
}

/** A fresh person: their identity cookie, from the API's first answer. */
export async function identityCookie(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/v1/session/start`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  const cookie = response.headers.get("set-cookie")?.split(";")[0];
  if (!cookie) throw new Error("no identity cookie");
  return cookie;
}
