import type { IncomingMessage, ServerResponse } from "node:http";
import { errorBody } from "./errors.js";
import { responseDelay, sleep, untilAborted } from "./pacing.js";
import type { RecordedRequest } from "./recorder.js";
import type { Provider, RecordedEndpoint, RequestFacts, SimRule } from "./rules.js";

/**
 * One request/response pair as the endpoint handlers see it, plus the response helpers they share.
 * Every response head goes through writeHead() so the request log always knows the status sent.
 */

export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly provider: Provider;
  readonly endpoint: RecordedEndpoint;
  readonly url: URL;
  /** Path parameters of the route, e.g. voice_id. */
  readonly params: Record<string, string>;
  readonly body: Buffer;
  /** The log entry for this request; handlers fill in what they learn. */
  readonly record: RecordedRequest;
  /** Fires when the client goes away or the simulator closes: stop pacing, stop writing. */
  readonly signal: AbortSignal;
  /** Finds (and uses up) the scripted rule for this request. */
  pick(facts: Omit<RequestFacts, "endpoint" | "provider">): SimRule | undefined;
}

export function writeHead(ex: Exchange, status: number, headers: Record<string, string | number>): void {
  ex.record.status = status;
  ex.res.writeHead(status, headers);
}

/** Kills the connection mid-response, the way a crashed upstream or a dropped proxy does. */
export function dropConnection(ex: Exchange): void {
  ex.record.failure = "dropMidStream";
  ex.res.destroy();
}

interface BodyOptions {
  headers?: Record<string, string | number>;
  /** Announce the full length, send half, then drop the connection. */
  dropMidway?: boolean;
}

export function sendBody(ex: Exchange, status: number, body: Buffer, contentType: string, options: BodyOptions = {}): void {
  writeHead(ex, status, { "content-type": contentType, "content-length": body.length, ...options.headers });
  if (options.dropMidway) {
    ex.res.write(body.subarray(0, Math.floor(body.length / 2)), () => dropConnection(ex));
    return;
  }
  ex.res.end(body);
}

export function sendJson(ex: Exchange, status: number, payload: unknown, options: BodyOptions = {}): void {
  sendBody(ex, status, Buffer.from(JSON.stringify(payload)), "application/json", options);
}

/** A provider-styled error; 429s say retry-after 0 so SDK retries stay instant in tests. */
export function sendError(ex: Exchange, status: number, message: string, code?: string): void {
  const headers: Record<string, string> = status === 429 ? { "retry-after": "0" } : {};
  sendJson(ex, status, errorBody(ex.provider, status, message, code), { headers });
}

/**
 * Applies a rule's status or hang failure. Returns true when the exchange is settled; false when
 * the handler should answer (possibly dropping mid-stream, which only the handler knows how to do).
 */
export async function applyScriptedFailure(ex: Exchange, rule: SimRule | undefined): Promise<boolean> {
  if (!rule?.fail) return false;
  const fail = rule.fail;
  if (fail.hang) {
    ex.record.failure = "hang";
    await untilAborted(ex.signal);
    return true;
  }
  if (fail.dropMidStream && fail.status === undefined) return false;
  // A rule may make the failure slow too: latency applies before the error is sent.
  await sleep(responseDelay(rule.latency) || (rule.latency?.firstTokenMs ?? 0), ex.signal);
  ex.record.failure = "status";
  const status = fail.status ?? 500;
  sendError(ex, status, fail.message ?? `Simulated failure (HTTP ${status})`);
  return true;
}

/** Writes a streamed body; drop() kills the connection once what was written has been flushed. */
export function streamWriter(ex: Exchange): { write(data: string | Buffer): void; drop(): Promise<void> } {
  let flushed: Promise<void> = Promise.resolve();
  return {
    write(data) {
      flushed = new Promise((resolve) => ex.res.write(data, () => resolve()));
    },
    async drop() {
      await flushed;
      dropConnection(ex);
    },
  };
}
