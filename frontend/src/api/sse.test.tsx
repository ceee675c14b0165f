// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { readSse, SseParser } from "./sse";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe("the Server-Sent Events parser", () => {
  it("parses named events with JSON data, however the chunks fall", () => {
    const text = 'event: token\ndata: {"text":"Hel"}\n\nevent: token\ndata: {"text":"lo"}\n\nevent: done\ndata: {"reply":"Hello"}\n\n';
    for (const size of [1, 3, 7, text.length]) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < text.length; i += size) events.push(...parser.push(text.slice(i, i + size)));
      expect(events).toEqual([
        { event: "token", data: '{"text":"Hel"}' },
        { event: "token", data: '{"text":"lo"}' },
        { event: "done", data: '{"reply":"Hello"}' },
      ]);
    }
  });

  it("accepts CRLF and CR line endings, even with CRLF split across chunks", () => {
    const parser = new SseParser();
    // A CR at the very end may be half of a CRLF: it is only taken as a line end once the stream ends.
    const events = [...parser.push("event: a\r\ndata: 1\r"), ...parser.push("\n\r\n"), ...parser.push("data: 2\r\r"), ...parser.end()];
    expect(events).toEqual([
      { event: "a", data: "1" },
      { event: "message", data: "2" },
    ]);
  });

  it("joins multi-line data, skips comments, and ignores events without data", () => {
    const parser = new SseParser();
    expect(parser.push(": keep-alive\n\nevent: ping\n\ndata:first\ndata: second\n\n")).toEqual([{ event: "message", data: "first\nsecond" }]);
  });

  it("reads a response body as it streams, dropping an unterminated last event", async () => {
    const events = [];
    for await (const event of readSse(
      streamOf(['event: transcript\ndata: {"text":"hi"}', "\n\nevent: tok", 'en\ndata: {"text":"x"}\n\n', "event: done\ndata: {}"]),
    ))
      events.push(event);
    expect(events).toEqual([
      { event: "transcript", data: '{"text":"hi"}' },
      { event: "token", data: '{"text":"x"}' },
    ]);
  });
});
