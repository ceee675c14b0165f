import { describe, expect, it } from "vitest";
import { createLogger } from "../src/core/logger.js";
import { clipDurationMs, heardText, type SentClip, stillPlaying, wordsWithin } from "../src/modules/voice/heard.js";
import { pcmDurationMs, pcmToFloat32, pcmToWav } from "../src/modules/voice/pcm.js";
import { TurnDetector } from "../src/modules/voice/turn-detector.js";
import { EnergyVoiceActivity, loadSileroVad, loadVoiceActivity, type VoiceActivityModel } from "../src/modules/voice/vad.js";
import { parseWav } from "../src/modules/speech/wav.js";
import { spokenPcm16k, spokenWav } from "./helpers/audio.js";
import { silence } from "./helpers/live-client.js";

const speech = spokenPcm16k("I went for a long walk by the river this evening.");

/** Runs PCM through a detector in 20 ms frames, as the socket does, and lists what it reported with the audio time. */
async function detect(model: VoiceActivityModel, pcm: Buffer, endOfTurnMs = 600) {
  const events: Array<{ event: string; atMs: number; utteranceMs?: number }> = [];
  let sent = 0;
  const detector = new TurnDetector(
    model.newClassifier(),
    { endOfTurnMs, maxUtteranceMs: 30_000 },
    {
      onSpeechStart: () => events.push({ event: "start", atMs: pcmDurationMs(sent) }),
      onSpeechResumed: () => events.push({ event: "resumed", atMs: pcmDurationMs(sent) }),
      onTurnEnd: (utterance) => events.push({ event: "end", atMs: pcmDurationMs(sent), utteranceMs: pcmDurationMs(utterance.length) }),
    },
  );
  for (let offset = 0; offset < pcm.length; offset += 640) {
    const frame = pcm.subarray(offset, offset + 640);
    sent += frame.length;
    await detector.push(frame);
  }
  return events;
}
const turns = <T extends { event: string }>(events: T[]) => events.filter((e) => e.event !== "resumed");

describe("voice activity detection", () => {
  it("loads Silero VAD v5 from @ricky0123/vad-web and tells speech from silence", async () => {
    const model = await loadSileroVad();
    expect(model.name).toBe("silero-v5");
    const classifier = model.newClassifier();
    const speechFrames = pcmToFloat32(speech.subarray(16_000, 16_000 + 512 * 2 * 8));
    let loudest = 0;
    for (let i = 0; i < 8; i++) loudest = Math.max(loudest, await classifier.speechProbability(speechFrames.subarray(i * 512, (i + 1) * 512)));
    const quiet = model.newClassifier();
    let quietest = 0;
    for (let i = 0; i < 8; i++) quietest = Math.max(quietest, await quiet.speechProbability(new Float32Array(512)));
    expect(loudest).toBeGreaterThan(0.5);
    expect(quietest).toBeLessThan(0.1);
  });

  it("classifies many calls' frames at once (batched on the model's worker) exactly as each call alone", async () => {
    const model = await loadSileroVad();
    const frames = pcmToFloat32(speech.subarray(0, 512 * 2 * 24));
    const frame = (i: number) => frames.subarray(i * 512, (i + 1) * 512);
    const alone = model.newClassifier();
    const expected: number[] = [];
    for (let i = 0; i < 24; i++) expected.push(await alone.speechProbability(frame(i)));
    // Twelve calls, each one frame behind the next, so every batch mixes calls at different points of their state.
    const calls = Array.from({ length: 12 }, (_, c) => ({ classifier: model.newClassifier(), offset: c % 3 }));
    const results = await Promise.all(
      calls.map(async ({ classifier, offset }) => {
        const got: number[] = [];
        for (let i = offset; i < 24; i++) got.push(await classifier.speechProbability(frame(i)));
        return got;
      }),
    );
    // A call that starts later has a fresh state at its first frame: compare it with a lone classifier started there.
    for (const [c, got] of results.entries()) {
      const offset = calls[c]!.offset;
      const reference =
        offset === 0
          ? expected
          : await (async () => {
              const late = model.newClassifier();
              const out: number[] = [];
              for (let i = offset; i < 24; i++) out.push(await late.speechProbability(frame(i)));
              return out;
            })();
      got.forEach((p, i) => expect(p).toBeCloseTo(reference[i]!, 5));
    }
    expect(Math.max(...expected)).toBeGreaterThan(0.5);
    await model.close?.();
  });

  it("keeps listening by loudness when the model's worker has stopped", async () => {
    const model = await loadSileroVad();
    await model.close?.();
    const classifier = model.newClassifier();
    const loud = pcmToFloat32(speech.subarray(16_000, 16_000 + 1024));
    expect(await classifier.speechProbability(loud)).toBeGreaterThan(0.5);
    expect(await classifier.speechProbability(new Float32Array(512))).toBe(0);
  });

  it("falls back to the energy detector, saying so in the log, when the model cannot load", async () => {
    const lines: string[] = [];
    const logger = createLogger("silent");
    const warn = logger.warn.bind(logger);
    logger.warn = ((message: string, meta?: unknown) => {
      lines.push(message);
      return warn(message, meta);
    }) as typeof logger.warn;
    await expect(loadSileroVad("/nonexistent/silero_vad_v5.onnx")).rejects.toThrow();
    expect((await loadVoiceActivity(logger, "silero", "/nonexistent/silero_vad_v5.onnx")).name).toBe("energy");
    expect(lines).toEqual([expect.stringContaining("Silero VAD could not load; detecting speech by loudness instead")]);
    // Chosen on purpose (VOICE_VAD=energy): no warning.
    expect((await loadVoiceActivity(logger, "energy")).name).toBe("energy");
    expect(lines).toHaveLength(1);
  });

  for (const [name, load] of [
    ["Silero", () => loadSileroVad()],
    ["energy", () => Promise.resolve(new EnergyVoiceActivity())],
  ] as const) {
    it(`${name}: one turn for one utterance, ended after the configured pause, with the utterance's audio`, async () => {
      const model = await load();
      const pcm = Buffer.concat([silence(500), speech, silence(1500)]);
      const events = turns(await detect(model, pcm, 600));
      expect(events.map((e) => e.event)).toEqual(["start", "end"]);
      const speechMs = pcmDurationMs(speech.length);
      // Started within the first 200 ms of speech; ended at least the pause after it, and not much later.
      expect(events[0]!.atMs).toBeGreaterThan(450);
      expect(events[0]!.atMs).toBeLessThan(700);
      expect(events[1]!.atMs).toBeGreaterThanOrEqual(500 + speechMs * 0.8 + 600);
      expect(events[1]!.atMs).toBeLessThan(500 + speechMs + 600 + 400);
      expect(events[1]!.utteranceMs).toBeGreaterThan(speechMs * 0.8);
    });
  }

  it("a longer pause makes a later end of turn; two utterances far apart are two turns", async () => {
    const model = await loadSileroVad();
    const pcm = Buffer.concat([speech, silence(1500)]);
    const short = turns(await detect(model, pcm, 300));
    const long = turns(await detect(model, pcm, 900));
    expect(long[1]!.atMs - short[1]!.atMs).toBeGreaterThanOrEqual(500);
    const twice = turns(await detect(model, Buffer.concat([speech, silence(1200), speech, silence(1200)]), 600));
    expect(twice.map((e) => e.event)).toEqual(["start", "end", "start", "end"]);
  });

  it("says when speech comes back after a pause too short to end the turn", async () => {
    const model = await loadSileroVad();
    const speechMs = pcmDurationMs(speech.length);
    // The sentence ends with about 300 ms of quiet of its own: with 150 ms more, a pause of some 450 ms.
    const events = await detect(model, Buffer.concat([speech, silence(150), speech, silence(1200)]), 600);
    expect(turns(events).map((e) => e.event)).toEqual(["start", "end"]);
    const resumedAt = events.filter((e) => e.event === "resumed").map((e) => e.atMs);
    expect(resumedAt.some((at) => at > speechMs + 150 && at < speechMs + 150 + 300)).toBe(true);
    expect(resumedAt.every((at) => at < events.at(-1)!.atMs)).toBe(true);
  });
});

describe("what the person heard of an interrupted reply", () => {
  const clips: SentClip[] = [
    { index: 0, text: "Oh,", durationMs: 400, sentAt: 1000 },
    { index: 1, text: "that sounds like a lovely walk by the river.", durationMs: 2000, sentAt: 1100 },
    { index: 2, text: "Did you stop anywhere?", durationMs: 1500, sentAt: 1900 },
  ];

  it("takes whole clips played to their end, then the played share of the current one, cut at a word", () => {
    const played = new Map([
      [0, 400],
      [1, 1000],
    ]);
    expect(heardText(clips, played, 99_999)).toBe("Oh, that sounds like a");
    expect(heardText(clips, new Map([[0, 100]]), 0)).toBe("");
    expect(heardText(clips, new Map(clips.map((c) => [c.index, c.durationMs])), 0)).toBe(
      "Oh, that sounds like a lovely walk by the river. Did you stop anywhere?",
    );
  });

  it("without playback reports, assumes each clip played as it arrived, one after another", () => {
    // Clip 0 plays 1000–1400, clip 1 1400–3400: at 2400 half of clip 1 has played.
    expect(heardText(clips, null, 2400)).toBe("Oh, that sounds like a");
    expect(stillPlaying(clips, null, 2400)).toBe(true);
    expect(stillPlaying(clips, null, 5000)).toBe(false);
    expect(stillPlaying(clips, new Map(clips.map((c) => [c.index, c.durationMs])), 0)).toBe(false);
  });

  it("cuts words proportionally and measures clips from their bytes", () => {
    expect(wordsWithin("one two three four", 0.5)).toBe("one two");
    expect(wordsWithin("one two three four", 1)).toBe("one two three four");
    const wav = spokenWav("Hello there.");
    const parts = parseWav(wav)!;
    const byteRate = parts.fmt.readUInt32LE(8);
    expect(clipDurationMs({ mime: "audio/wav", bytes: wav })).toBeCloseTo((parts.pcm.length / byteRate) * 1000, 5);
    expect(clipDurationMs({ mime: "audio/mpeg", bytes: Buffer.alloc(16_000) })).toBe(1000); // 128 kbit/s
  });
});

describe("PCM", () => {
  it("wraps 16 kHz PCM in a WAV whose header tells its true length", () => {
    const wav = pcmToWav(speech);
    const parts = parseWav(wav)!;
    expect(parts.pcm.equals(speech)).toBe(true);
    expect(parts.fmt.readUInt32LE(4)).toBe(16_000);
    expect(clipDurationMs({ mime: "audio/wav", bytes: wav })).toBeCloseTo(pcmDurationMs(speech.length), 5);
  });
});
