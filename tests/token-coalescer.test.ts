import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TokenCoalescer } from "../src/interfaces/live/token-coalescer.js";
import type { LiveEvent } from "../src/modules/voice/live-call.js";

describe("the live socket's token coalescer", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends the words that come close together as one token event, after a short wait", () => {
    const sent: LiveEvent[] = [];
    const events = new TokenCoalescer((event) => sent.push(event), 30);
    for (const text of ["Oh", ",", " that", " sounds"]) events.send({ type: "token", text });
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(30);
    expect(sent).toEqual([{ type: "token", text: "Oh, that sounds" }]);
    events.send({ type: "token", text: " lovely." });
    vi.advanceTimersByTime(30);
    expect(sent.map((e) => (e.type === "token" ? e.text : e.type))).toEqual(["Oh, that sounds", " lovely."]);
  });

  it("never lets another event overtake the words held before it", () => {
    const sent: LiveEvent[] = [];
    const events = new TokenCoalescer((event) => sent.push(event), 30);
    events.send({ type: "token", text: "Oh," });
    events.send({ type: "audio", index: 0, text: "Oh,", mime: "audio/mpeg", data: "AA==" });
    events.send({ type: "token", text: " that" });
    events.send({ type: "interrupted", heard: "Oh," });
    vi.advanceTimersByTime(100);
    expect(sent.map((e) => (e.type === "token" ? `token:${e.text}` : e.type))).toEqual(["token:Oh,", "audio", "token: that", "interrupted"]);
  });

  it("sends what it holds when flushed (the call closing), and nothing twice", () => {
    const sent: LiveEvent[] = [];
    const events = new TokenCoalescer((event) => sent.push(event), 30);
    events.send({ type: "token", text: "Goodbye" });
    events.flush();
    vi.advanceTimersByTime(100);
    events.flush();
    expect(sent).toEqual([{ type: "token", text: "Goodbye" }]);
  });
});
