import { describe, expect, it } from "vitest";
import { levelOfRms, LoudnessFollower, rms, VOICE_SCALE } from "./presence-loudness";

const sine = (amplitude: number, n = 1024) => Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * i) / 64));

describe("the loudness of Rose's voice", () => {
  it("is the RMS of the samples: a sine's amplitude over √2, silence zero", () => {
    expect(rms(sine(0.5))).toBeCloseTo(0.5 / Math.SQRT2, 3);
    expect(rms(new Float32Array(512))).toBe(0);
    expect(rms([])).toBe(0);
    expect(rms([1, -1, 1, -1])).toBe(1);
  });

  it("maps decibels onto 0..1 between the floor and the ceiling", () => {
    const atDb = (db: number) => levelOfRms(10 ** (db / 20));
    expect(levelOfRms(0)).toBe(0);
    expect(levelOfRms(Number.NaN)).toBe(0);
    expect(atDb(VOICE_SCALE.floorDb - 10)).toBe(0);
    expect(atDb(VOICE_SCALE.ceilingDb + 6)).toBe(1);
    expect(atDb((VOICE_SCALE.floorDb + VOICE_SCALE.ceilingDb) / 2)).toBeCloseTo(0.5, 5);
    // Louder is always more, however small the step.
    expect(atDb(-30)).toBeGreaterThan(atDb(-31));
  });

  it("rises quickly with a syllable and falls slowly after it", () => {
    const follower = new LoudnessFollower({ attackMs: 50, releaseMs: 300 });
    const risen = follower.next(1, 50); // one time constant: 1 - 1/e of the way
    expect(risen).toBeCloseTo(1 - Math.exp(-1), 5);
    for (let i = 0; i < 20; i++) follower.next(1, 16);
    expect(follower.value).toBeGreaterThan(0.99);
    const before = follower.value;
    const fell = follower.next(0, 50);
    // The same 50 ms brings it down far less than it brought it up.
    expect(1 - fell).toBeLessThan(risen / 3);
    expect(fell).toBeCloseTo(before * Math.exp(-50 / 300), 10);
  });

  it("does not depend on the frame rate: two 8 ms steps equal one 16 ms step", () => {
    const fast = new LoudnessFollower();
    const slow = new LoudnessFollower();
    fast.next(0.8, 8);
    fast.next(0.8, 8);
    slow.next(0.8, 16);
    expect(fast.value).toBeCloseTo(slow.value, 10);
  });

  it("settles to exactly zero in silence, ignores nonsense, and can be reset", () => {
    const follower = new LoudnessFollower();
    follower.next(1, 1000);
    for (let i = 0; i < 200; i++) follower.next(0, 50);
    expect(follower.value).toBe(0);
    expect(follower.next(Number.NaN, 16)).toBe(0);
    expect(follower.next(5, Number.POSITIVE_INFINITY)).toBe(0); // no usable elapsed time: no step
    follower.next(0.9, 1000);
    expect(follower.value).toBeGreaterThan(0.8);
    follower.reset();
    expect(follower.value).toBe(0);
    expect(follower.next(-3, 100)).toBe(0);
  });
});
