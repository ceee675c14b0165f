// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { VoiceMeter } from "./voice-meter";

/** A Web Audio stand-in: what is connected to what, and the samples the analyser hands over. */
class FakeContext {
  static made: FakeContext[] = [];
  static allowed = true;
  static amplitude = 0;
  state: AudioContextState = "suspended";
  routed: HTMLMediaElement[] = [];
  connections: string[] = [];
  readonly destination = { name: "speakers" };
  private waiting: Array<() => void> = [];
  constructor() {
    FakeContext.made.push(this);
  }
  resume(): Promise<void> {
    // A browser keeps the promise pending until the page has had a tap.
    return new Promise((resolve) => {
      const start = () => {
        this.state = "running";
        resolve();
      };
      if (FakeContext.allowed) start();
      else this.waiting.push(start);
    });
  }
  tap(): void {
    FakeContext.allowed = true;
    for (const start of this.waiting.splice(0)) start();
  }
  async close(): Promise<void> {
    this.state = "closed";
  }
  createMediaElementSource(element: HTMLMediaElement) {
    this.routed.push(element);
    return { connect: (node: { name: string }) => this.connections.push(`element→${node.name}`) };
  }
  createAnalyser() {
    return {
      name: "analyser",
      fftSize: 0,
      connect: (node: { name: string }) => this.connections.push(`analyser→${node.name}`),
      getFloatTimeDomainData: (samples: Float32Array) => samples.fill(FakeContext.amplitude),
    };
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  FakeContext.made = [];
  FakeContext.allowed = true;
  FakeContext.amplitude = 0;
  vi.unstubAllGlobals();
});

describe("the meter on Rose's voice", () => {
  it("routes her audio through an analyser to the speakers once it plays, and reads its loudness", async () => {
    vi.stubGlobal("AudioContext", FakeContext);
    const audio = document.createElement("audio");
    const meter = new VoiceMeter(audio);
    expect(meter.level()).toBeNull();
    audio.dispatchEvent(new Event("playing"));
    await settle();
    const [context] = FakeContext.made;
    expect(context!.routed).toEqual([audio]);
    expect(context!.connections).toEqual(["element→analyser", "analyser→speakers"]);
    expect(meter.level()).toBe(0);
    FakeContext.amplitude = 0.1; // -20 dBFS: a clear voice
    expect(meter.level()).toBeGreaterThan(0.7);
    audio.dispatchEvent(new Event("playing"));
    await settle();
    expect(FakeContext.made).toHaveLength(1); // routed once, for good
  });

  it("does not route her through a context the browser keeps suspended (she would fall silent) until a tap", async () => {
    vi.stubGlobal("AudioContext", FakeContext);
    FakeContext.allowed = false;
    const audio = document.createElement("audio");
    const meter = new VoiceMeter(audio);
    audio.dispatchEvent(new Event("playing"));
    await settle();
    const [context] = FakeContext.made;
    expect(context!.routed).toEqual([]);
    expect(meter.level()).toBeNull();
    context!.tap();
    await settle();
    expect(context!.routed).toEqual([audio]);
    expect(meter.level()).toBe(0);
  });

  it("is simply not measurable without Web Audio", () => {
    vi.stubGlobal("AudioContext", undefined);
    const audio = document.createElement("audio");
    const meter = new VoiceMeter(audio);
    audio.dispatchEvent(new Event("playing"));
    meter.prepare();
    expect(meter.level()).toBeNull();
    meter.detach();
  });
});
