import type { Endpoint, Provider, RecordedEndpoint } from "./rules.js";
import type { AudioFormat } from "./audio.js";

/**
 * The request log: every call the simulator receives, so tests can assert on what Rose actually
 * sent (model, messages, audio) and how the simulator answered. Entries are plain JSON so the
 * same objects are served by GET /__sim/requests.
 */

export interface RecordedMessage {
  role: string;
  /** Text of the message; array content is flattened to its text parts. */
  content: string;
  /** Image content parts (vision), described: the type and size of each inline picture, or its URL. */
  images?: Array<{ mime: string; bytes: number } | { url: string }>;
}

export interface RecordedFile {
  size: number;
  format: AudioFormat | "unknown";
  /** Only for WAV, read from the header. */
  durationMs?: number;
  filename?: string;
}

export interface RecordedRequest {
  endpoint: RecordedEndpoint;
  provider: Provider;
  method: string;
  /** Path without the query string. */
  path: string;
  query?: Record<string, string>;
  model?: string;
  stream?: boolean;
  /** Parsed JSON body; for multipart, the text fields plus `file` described as RecordedFile. */
  body: unknown;
  messages?: RecordedMessage[];
  /** Tool name or response_format name when the request asked for structured output. */
  structured?: string;
  /** TTS input text. */
  text?: string;
  /** Epoch ms when the request arrived. */
  at: number;
  /** HTTP status sent; 0 while (or if) no response head has been sent, e.g. for a hang. */
  status: number;
  /** Epoch ms when the exchange ended (response finished, socket destroyed, or client gone). */
  finishedAt?: number;
  /** Which scripted failure was applied, if any. */
  failure?: "status" | "hang" | "dropMidStream";
  /** True when the connection closed before the response was complete. */
  aborted?: boolean;
}

export type RequestFilter = Partial<{ endpoint: Endpoint | RecordedEndpoint; provider: Provider }>;

export class RequestLog {
  private entries: RecordedRequest[] = [];

  add(entry: RecordedRequest): RecordedRequest {
    this.entries.push(entry);
    return entry;
  }

  list(filter: RequestFilter = {}): RecordedRequest[] {
    return this.entries.filter(
      (e) => (filter.endpoint === undefined || e.endpoint === filter.endpoint) && (filter.provider === undefined || e.provider === filter.provider),
    );
  }

  clear(): void {
    this.entries = [];
  }
}
