import { describe, expect, it } from "vitest";
import { ListeningBacklog } from "../src/modules/voice/listening-backlog.js";

describe("how far behind a live call's listening is", () => {
  it("is how long the oldest waiting frame has waited, however many frames wait", () => {
    const backlog = new ListeningBacklog();
    expect(backlog.lagMs(1_000)).toBe(0);
    // Four seconds of a stalled client's frames, all arriving at t = 10 s.
    for (let i = 0; i < 200; i++) backlog.add(10_000);
    expect(backlog.waiting).toBe(200);
    expect(backlog.lagMs(10_050)).toBe(50);
    for (let i = 0; i < 200; i++) backlog.classified();
    expect(backlog.waiting).toBe(0);
    expect(backlog.lagMs(60_000)).toBe(0);
  });

  it("grows while the detector makes no progress on real-time audio, and follows the oldest frame as frames are classified", () => {
    const backlog = new ListeningBacklog();
    for (let t = 0; t < 6_000; t += 20) backlog.add(t);
    expect(backlog.lagMs(6_000)).toBe(6_000);
    for (let i = 0; i < 100; i++) backlog.classified(); // the first 2 s heard
    expect(backlog.lagMs(6_000)).toBe(4_000);
  });

  it("keeps its order across thousands of frames (the classified prefix is dropped as it goes)", () => {
    const backlog = new ListeningBacklog();
    for (let i = 0; i < 5_000; i++) {
      backlog.add(i);
      if (i % 2 === 1) backlog.classified();
    }
    // 2,500 classified: the oldest waiting frame arrived at 2,500.
    expect(backlog.waiting).toBe(2_500);
    expect(backlog.lagMs(5_000)).toBe(2_500);
    for (let i = 0; i < 2_499; i++) backlog.classified();
    expect(backlog.lagMs(5_000)).toBe(1);
    backlog.classified();
    backlog.classified(); // one more than waited: nothing to take
    expect(backlog.waiting).toBe(0);
    backlog.add(7_000);
    expect(backlog.lagMs(7_010)).toBe(10);
  });
});
