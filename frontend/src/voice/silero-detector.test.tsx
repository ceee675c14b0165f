// @vitest-environment jsdom
import type { RealTimeVADOptions } from "@ricky0123/vad-web";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { MicrophoneTap } from "./speech-detector";
import type { VoiceActivity } from "./voice-activity";

/**
 * How Rose drives MicVAD (which cannot run in jsdom: no AudioWorklet, no WebAssembly model here): what
 * it is asked for, whose microphone it listens to, and what becomes of one loaded and never used.
 */

const made: FakeMicVAD[] = [];

class FakeMicVAD {
  readonly calls: string[] = [];
  errored: string | null = null;
  constructor(readonly options: Partial<RealTimeVADOptions>) {}
  start = async () => void this.calls.push(`start with ${this.options.audioContext ? "the microphone's context" : "no context"}`);
  pause = async () => void this.calls.push("pause");
  destroy = async () => void this.calls.push("destroy");
}

vi.mock("@ricky0123/vad-web", () => ({
  MicVAD: {
    new: vi.fn(async (options: Partial<RealTimeVADOptions>) => {
      const vad = new FakeMicVAD(options);
      made.push(vad);
      return vad;
    }),
  },
}));

const { sileroDetector } = await import("./silero-detector");

function tap(): MicrophoneTap & { streamValue: MediaStream } {
  const streamValue = { id: `stream ${Math.random()}` } as unknown as MediaStream;
  return { streamValue, stream: () => streamValue, audioContext: () => ({}) as AudioContext };
}

beforeEach(() => {
  made.length = 0;
});

describe("Silero VAD through MicVAD", () => {
  it("asks for v5 from Rose's /vad/, on one thread, loading without listening, on the page's own microphone", async () => {
    const microphone = tap();
    const heard: VoiceActivity[] = [];
    const detector = await sileroDetector(microphone, (activity) => heard.push(activity));
    const { options } = made[0]!;
    expect(options).toMatchObject({ model: "v5", baseAssetPath: "/vad/", onnxWASMBasePath: "/vad/", startOnLoad: false });
    const ort = { env: { wasm: { numThreads: 0 }, logLevel: "warning" } };
    options.ortConfig!(ort as never);
    expect(ort.env.wasm.numThreads).toBe(1);

    expect(await options.getStream!()).toBe(microphone.streamValue);
    expect(await options.resumeStream!(microphone.streamValue)).toBe(microphone.streamValue);
    await options.pauseStream!(microphone.streamValue); // leaves the tracks to the Microphone (nothing to call)

    void options.onSpeechStart!();
    void options.onVADMisfire!();
    void options.onSpeechEnd!(new Float32Array());
    expect(heard).toEqual(["speech-start", "false-start", "speech-end"]);

    await Promise.all([detector.listen(), detector.pause(), detector.listen()]);
    expect(made[0]!.calls).toEqual(["start with the microphone's context", "pause", "start with the microphone's context"]);
    await detector.destroy();
    expect(made[0]!.calls.at(-1)).toBe("destroy");
  });

  it("fails to listen when MicVAD reports an error", async () => {
    const detector = await sileroDetector(tap(), () => {});
    made[0]!.start = async () => void (made[0]!.errored = "Audio context is null");
    await expect(detector.listen()).rejects.toThrow("Audio context is null");
  });

  it("keeps one loaded but never used for the next visit, which hears through it, instead of loading the model again", async () => {
    const first: VoiceActivity[] = [];
    const second: VoiceActivity[] = [];
    await (await sileroDetector(tap(), (activity) => first.push(activity))).destroy();
    expect(made[0]!.calls).toEqual([]); // not destroyed: MicVAD cannot release one that never started

    const microphone = tap();
    const detector = await sileroDetector(microphone, (activity) => second.push(activity));
    expect(made).toHaveLength(1);
    void made[0]!.options.onSpeechStart!();
    expect(second).toEqual(["speech-start"]);
    expect(first).toEqual([]);
    expect(await made[0]!.options.getStream!()).toBe(microphone.streamValue);

    // Once it has listened, its worklet belongs to that visit's AudioContext: destroyed, not kept.
    await detector.listen();
    await detector.destroy();
    expect(made[0]!.calls.at(-1)).toBe("destroy");
    await sileroDetector(tap(), () => {});
    expect(made).toHaveLength(2);
  });
});
