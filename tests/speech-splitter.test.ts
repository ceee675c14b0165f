import { describe, expect, it } from "vitest";
import { isNoSpeech, NO_SPEECH_REPLY } from "../src/modules/speech/no-speech.js";
import { SentenceSplitter } from "../src/modules/speech/sentence-splitter.js";
import { splitTokens } from "./simulator/chat.js";

/** Feeds the text in the given pieces, then flushes; returns each sentence with the piece count at its release. */
function splitInPieces(pieces: string[]): string[] {
  const splitter = new SentenceSplitter();
  return [...pieces.flatMap((piece) => splitter.push(piece)), ...splitter.flush()];
}

const whole = (text: string) => splitInPieces([text]);
const byToken = (text: string) => splitInPieces(splitTokens(text));
const byCharacter = (text: string) => splitInPieces([...text]);

describe("SentenceSplitter", () => {
  it.each([
    ["Hello! How are you? I'm fine.", ["Hello!", "How are you?", "I'm fine."]],
    ["Dr. Smith is here. He said hi.", ["Dr. Smith is here.", "He said hi."]],
    ["Mrs. Brown and Mr. Green met Prof. Plum. Then they left.", ["Mrs. Brown and Mr. Green met Prof. Plum.", "Then they left."]],
    ["It costs 3.5 dollars, or 1,000.25 in total. Okay?", ["It costs 3.5 dollars, or 1,000.25 in total.", "Okay?"]],
    ["Bring something warm, e.g. a scarf. Or i.e. a coat. Fine.", ["Bring something warm, e.g. a scarf.", "Or i.e. a coat.", "Fine."]],
    ["I moved to the U.S. last year. It was hard.", ["I moved to the U.S. last year.", "It was hard."]],
    ["She works for the U.S. Army now. Good for her.", ["She works for the U.S. Army now.", "Good for her."]],
    ["Well... I think so. Maybe… we'll see. Sure!", ["Well... I think so.", "Maybe… we'll see.", "Sure!"]],
    ["J. K. Rowling wrote it. I loved it.", ["J. K. Rowling wrote it.", "I loved it."]],
    ["We meet at 5 p.m. tomorrow. See you!", ["We meet at 5 p.m. tomorrow.", "See you!"]],
    ['She said "Stop." Then she left.', ['She said "Stop."', "Then she left."]],
    ["Two things:\n1. Rest.\n2. Drink water.", ["Two things:", "1. Rest.", "2. Drink water."]],
    ["No final punctuation", ["No final punctuation"]],
  ])("splits %j", (text, expected) => {
    expect(whole(text)).toEqual(expected);
    // Streamed token by token or character by character, the result is the same.
    expect(byToken(text)).toEqual(expected);
    expect(byCharacter(text)).toEqual(expected);
  });

  it("releases a sentence as soon as the next one has begun, not before", () => {
    const splitter = new SentenceSplitter();
    expect(splitter.push("Dr.")).toEqual([]);
    expect(splitter.push(" Smith is here.")).toEqual([]);
    expect(splitter.push(" ")).toEqual([]); // "here." might still be "here.5" or followed by lower case
    expect(splitter.push("He")).toEqual(["Dr. Smith is here."]);
    expect(splitter.push(" waved. I")).toEqual(["He waved."]);
    expect(splitter.flush()).toEqual(["I"]);
    expect(splitter.flush()).toEqual([]);
  });

  it("keeps a decimal number whole when it arrives in pieces", () => {
    const splitter = new SentenceSplitter();
    expect(splitter.push("It is 3.")).toEqual([]);
    expect(splitter.push("5 degrees. Brr")).toEqual(["It is 3.5 degrees."]);
  });

  it("does not offer word-less pieces for speech", () => {
    expect(whole("😊")).toEqual([]);
    expect(whole("   ")).toEqual([]);
    expect(whole("!!! ?")).toEqual([]);
  });
});

describe("SentenceSplitter with an eager first clause", () => {
  const eager = (pieces: string[]) => {
    const splitter = new SentenceSplitter("en", { eagerFirstClause: true });
    return [...pieces.flatMap((piece) => splitter.push(piece)), ...splitter.flush()];
  };

  it.each([
    ["Oh, that sounds lovely. Tell me more.", ["Oh,", "that sounds lovely.", "Tell me more."]],
    ["I hear you; it has been a long week, hasn't it? Rest now.", ["I hear you;", "it has been a long week, hasn't it?", "Rest now."]],
    ["It costs 3,500 euros, which is a lot.", ["It costs 3,500 euros,", "which is a lot."]],
    ["We meet at 10:30 tomorrow. Fine.", ["We meet at 10:30 tomorrow.", "Fine."]],
    ["Dr. Smith, your doctor, called. Okay.", ["Dr. Smith,", "your doctor, called.", "Okay."]],
    ["Yes. Well, maybe later.", ["Yes.", "Well, maybe later."]],
  ])("splits %j", (text, expected) => {
    expect(eager([text])).toEqual(expected);
    expect(eager(splitTokens(text))).toEqual(expected);
    expect(eager([...text])).toEqual(expected);
  });

  it("stops looking for a clause once the first sentence has run long without one", () => {
    const long = `${"banana ".repeat(60).trim()}, and then some more. Fine.`;
    expect(eager(long.split(/(?<= )/))).toEqual([`${"banana ".repeat(60).trim()}, and then some more.`, "Fine."]);
  });

  it("releases the first clause as soon as the next word begins", () => {
    const splitter = new SentenceSplitter("en", { eagerFirstClause: true });
    expect(splitter.push("Oh,")).toEqual([]);
    expect(splitter.push(" ")).toEqual([]);
    expect(splitter.push("that")).toEqual(["Oh,"]);
  });
});

describe("no-speech detection", () => {
  it.each([
    "",
    "   ",
    ".",
    "...",
    "Thank you.",
    "thank you",
    "Thanks for watching!",
    "Thank you for watching.",
    "you",
    "You.",
    "Subtitles by the Amara.org community",
    "Transcribed by ESO",
    "[Music]",
    "[BLANK_AUDIO]",
    "Um.",
  ])("treats %j as no speech", (transcript) => expect(isNoSpeech(transcript)).toBe(true));

  it.each(["Thank you for listening to me today.", "Hello Rose.", "You know what, I had a great day.", "Subtitles are hard to read."])(
    "treats %j as speech",
    (transcript) => expect(isNoSpeech(transcript)).toBe(false),
  );

  it("has a prompt that invites the person to try again or type", () => {
    expect(NO_SPEECH_REPLY).toMatch(/again/);
    expect(NO_SPEECH_REPLY).toMatch(/type/);
  });
});
