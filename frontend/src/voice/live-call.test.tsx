import { describe, expect, it } from "vitest";
import { type LiveLine, type ServerEvent, transcriptAfter } from "./live-call";

/** The transcript after a run of the server's events, from an empty call. */
const after = (events: ServerEvent[], from: LiveLine[] = []) => events.reduce<LiveLine[]>(transcriptAfter, from);

const said = (text: string): LiveLine => ({ who: "you", text, settled: true });

describe("the live call's running transcript", () => {
  it("replaces a partial with the next one and then the final, then writes Rose's reply and settles it", () => {
    const lines = after([
      { type: "transcript", text: "I had", final: false },
      { type: "transcript", text: "I had a long day", final: false },
      { type: "transcript", text: "I had a long day.", final: true },
      { type: "token", text: "I'm " },
      { type: "token", text: "sorry." },
    ]);
    expect(lines).toEqual([said("I had a long day."), { who: "rose", text: "I'm sorry.", settled: false }]);
    expect(after([{ type: "done", text: "I'm sorry." }], lines)).toEqual([said("I had a long day."), { who: "rose", text: "I'm sorry.", settled: true }]);
  });

  it("marks Rose's reply interrupted even when the person's next words showed first", () => {
    const speaking: LiveLine[] = [said("I had a long day."), { who: "rose", text: "I'm so sorry the day was that long.", settled: true }];
    // Streaming recognition: a partial of the person's new words before the server's `interrupted`.
    const lines = after(
      [
        { type: "transcript", text: "Wait", final: false },
        { type: "interrupted", heard: "I'm so sorry" },
        { type: "transcript", text: "Wait, one thing.", final: true },
      ],
      speaking,
    );
    expect(lines).toEqual([said("I had a long day."), { who: "rose", text: "I'm so sorry", settled: true, interrupted: true }, said("Wait, one thing.")]);
  });

  it("keeps writing Rose's reply into her line when the person's partial came in between", () => {
    const lines = after([
      { type: "transcript", text: "Hello.", final: true },
      { type: "token", text: "Hi" },
      { type: "transcript", text: "and", final: false },
      { type: "token", text: " there." },
    ]);
    expect(lines).toEqual([said("Hello."), { who: "rose", text: "Hi there.", settled: false }, { who: "you", text: "and", settled: false }]);
  });

  it("leaves an earlier reply alone when Rose is cut off before writing a word", () => {
    const before: LiveLine[] = [said("Hello."), { who: "rose", text: "Hi there.", settled: true }, said("Tell me more.")];
    expect(after([{ type: "interrupted", heard: "" }], before)).toEqual(before);
  });
});
