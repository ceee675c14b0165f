// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { rmsDb, UTTERANCE_DETECTION, type VoiceActivity, VoiceActivityDetector } from "./voice-activity";

const FRAME_MS = 50;

/** Feeds `[levelDb, durationMs]` segments at 50 ms frames; returns what was detected, with times. */
function feed(detector: VoiceActivityDetector, segments: Array<[number, number]>): Array<[VoiceActivity, number]> {
  const seen: Array<[VoiceActivity, number]> = [];
  let now = 0;
  for (const [level, duration] of segments) {
    for (let t = 0; t < duration; t += FRAME_MS) {
      const activity = detector.update(level, now);
      if (activity) seen.push([activity, now]);
      now += FRAME_MS;
    }
  }
  return seen;
}

describe("voice activity detection", () => {
  it("hears a sentence start and, after a pause long enough, its end", () => {
    const events = feed(new VoiceActivityDetector(), [
      [-70, 1000],
      [-25, 1500],
      [-70, 1500],
    ]);
    expect(events.map(([e]) => e)).toEqual(["speech-start", "speech-end"]);
    const [[, started], [, ended]] = events as [[VoiceActivity, number], [VoiceActivity, number]];
    expect(started).toBeGreaterThanOrEqual(1000 + UTTERANCE_DETECTION.attackMs);
    expect(ended).toBeGreaterThanOrEqual(2500 + UTTERANCE_DETECTION.releaseMs - FRAME_MS);
  });

  it("keeps a sentence together across the short pauses between words", () => {
    const events = feed(new VoiceActivityDetector(), [
      [-70, 800],
      [-25, 600],
      [-70, 400],
      [-25, 600],
      [-70, 1500],
    ]);
    expect(events.map(([e]) => e)).toEqual(["speech-start", "speech-end"]);
  });

  it("has hysteresis: a voice fading to just under the start threshold still counts as speaking", () => {
    // In a quiet room speech starts at -55 dBFS (the absolute minimum) and ends under -61.
    const events = feed(new VoiceActivityDetector(), [
      [-70, 1000],
      [-45, 500],
      [-58, 2000], // below start, above stop: still the same utterance
    ]);
    expect(events.map(([e]) => e)).toEqual(["speech-start"]);
    expect(
      feed(new VoiceActivityDetector(), [
        [-70, 1000],
        [-58, 2000],
      ]),
    ).toEqual([]); // and never a start by itself
  });

  it("calls a short burst a false start, and a click shorter than the attack nothing at all", () => {
    expect(
      feed(new VoiceActivityDetector(), [
        [-70, 800],
        [-20, 50],
        [-70, 1500],
      ]),
    ).toEqual([]);
    expect(
      feed(new VoiceActivityDetector(), [
        [-70, 800],
        [-20, 200],
        [-70, 1500],
      ]).map(([e]) => e),
    ).toEqual(["speech-start", "false-start"]);
  });

  it("tells a possible start at once, before the attack confirms it, and takes it back if the sound falls away", () => {
    const detector = new VoiceActivityDetector();
    feed(detector, [[-70, 800]]);
    expect(detector.maybeSpeaking).toBe(false);
    expect(detector.update(-20, 800)).toBeNull();
    expect(detector.maybeSpeaking).toBe(true); // a voice may have begun: not yet `attackMs` long
    expect(detector.update(-70, 850)).toBeNull(); // a click: no event...
    expect(detector.maybeSpeaking).toBe(false); // ...but the possible start is gone
  });

  it("adapts to a noisy room: a fan that was on when the microphone opened is not speech, a voice above it is", () => {
    const events = feed(new VoiceActivityDetector(), [
      [-42, 3000], // would be a voice in a quiet room
      [-18, 1000],
      [-42, 1500],
    ]);
    expect(events.map(([e]) => e)).toEqual(["speech-start", "speech-end"]);
    expect(events[0]![1]).toBeGreaterThanOrEqual(3000);
  });

  it("learns a steady noise that began later as the room, so it cannot hold the microphone open", () => {
    const events = feed(new VoiceActivityDetector(), [
      [-70, 1000],
      [-40, 25_000], // a kettle, a fan switched on: at first it sounds like someone speaking
    ]);
    expect(events.map(([e]) => e)).toEqual(["speech-start", "speech-end"]);
  });

  it("measures loudness in dBFS", () => {
    expect(rmsDb(new Float32Array(256).fill(1))).toBeCloseTo(0);
    expect(rmsDb(new Float32Array(256).fill(0.1))).toBeCloseTo(-20);
    expect(rmsDb(new Float32Array(256))).toBe(Number.NEGATIVE_INFINITY);
  });
});
