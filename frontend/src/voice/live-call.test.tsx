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

  it("shows words Rose answered as one turn (the person paused and went on) as one line", () => {
    const before: LiveLine[] = [said("Hello."), { who: "rose", text: "Hi there.", settled: true }];
    const lines = after(
      [
        { type: "transcript", text: "I went for a long walk", final: true },
        { type: "speech_started" },
        { type: "interrupted", heard: "" },
        { type: "transcript", text: "by the river.", final: true },
        { type: "token", text: "Lovely." },
        { type: "done", text: "Lovely.", transcript: "I went for a long walk by the river." },
      ],
      before,
    );
    expect(lines).toEqual([...before, said("I went for a long walk by the river."), { who: "rose", text: "Lovely.", settled: true }]);
    // Two turns, each answered: the lines stay as they were said.
    const answeredApart = after(
      [
        { type: "transcript", text: "And then home.", final: true },
        { type: "token", text: "Nice." },
        { type: "done", text: "Nice.", transcript: "And then home." },
      ],
      lines,
    );
    expect(answeredApart.slice(0, lines.length)).toEqual(lines);
    expect(answeredApart.slice(lines.length)).toEqual([said("And then home."), { who: "rose", text: "Nice.", settled: true }]);
  });

  it("leaves an earlier reply alone when Rose is cut off before writing a word", () => {
    const before: LiveLine[] = [said("Hello."), { who: "rose", text: "Hi there.", settled: true }, said("Tell me more.")];
    expect(after([{ type: "interrupted", heard: "" }], before)).toEqual(before);
  });
});
