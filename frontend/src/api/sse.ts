/**
 * Server-Sent Events read from a fetch() response body. EventSource cannot POST (and Rose's streams
 * answer a POST carrying the message or the recording), so the stream is parsed here, following the
 * WHATWG event-stream rules that matter to Rose: `event:` / `data:` fields, multi-line data, comments,
 * any line ending (\n, \r\n, \r), and an unterminated last event being dropped rather than guessed at.
 */

export interface SseMessage {
  event: string;
  data: string;
}

export class SseParser {
  private buffer = "";
  private eventName = "";
  private dataLines: string[] = [];

  /** Feeds decoded text; returns the events completed by it, in order. */
  push(text: string): SseMessage[] {
    this.buffer += text;
    const messages: SseMessage[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A lone \r at the very end may be the first half of \r\n split across chunks: wait for more.
      if (match[0] === "\r" && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const message = this.takeLine(line);
      if (message) messages.push(message);
    }
    return messages;
  }

  /** The stream ended: a CR held back in case a LF followed was a line ending after all. */
  end(): SseMessage[] {
    return this.buffer.endsWith("\r") ? this.push("\n") : [];
  }

  private takeLine(line: string): SseMessage | null {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return null; // a comment, e.g. a keep-alive
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.eventName = value;
    else if (field === "data") this.dataLines.push(value);
    return null; // id and retry mean nothing for a one-shot POST stream
  }

  private dispatch(): SseMessage | null {
    const event = this.eventName || "message";
    const hadData = this.dataLines.length > 0;
    const data = this.dataLines.join("\n");
    this.eventName = "";
    this.dataLines = [];
    return hadData ? { event, data } : null;
  }
}

/** Yields each event of a response body as it arrives. Stops when the body ends or `signal` aborts. */
export async function* readSse(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  const cancel = () => void reader.cancel().catch(() => {});
  signal?.addEventListener("abort", cancel, { once: true });
  let ended = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    ended = true;
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    signal?.removeEventListener("abort", cancel);
    // A consumer that stops early (a `done` seen, a turn interrupted) must not leave the download running.
    if (!ended) cancel();
    reader.releaseLock();
  }
}
