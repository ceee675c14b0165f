import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../src/core/logger.js";
import { ProviderGuards } from "../src/core/resilience/guards.js";
import type { ResiliencePolicy } from "../src/core/resilience/provider-guard.js";
import { isAppError } from "../src/core/errors.js";
import { sniffAudioFormat } from "../src/modules/speech/audio-format.js";
import { buildSpeech } from "../src/modules/speech/create-speech.js";
import { groqTranscriber, openAiTranscriber } from "../src/modules/speech/stt/whisper-api.js";
import { ElevenLabsSpeech } from "../src/modules/speech/tts/elevenlabs.js";
import { EspeakSpeech } from "../src/modules/speech/tts/espeak.js";
import { OpenAiSpeech } from "../src/modules/speech/tts/openai-speech.js";
import type { AudioClip, SynthesizedSpeech, TextToSpeech } from "../src/modules/speech/types.js";
import { parseWav } from "../src/modules/speech/wav.js";
import { isWav, spokenWav } from "./helpers/audio.js";
import { parseMp3, speechDurationMs } from "./simulator/audio.js";
import { type Simulator, startSimulator } from "./simulator/server.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const KEY = "sim-key";
const logger = createLogger("silent");
const signal = () => AbortSignal.timeout(10_000);
const wavClip = (): AudioClip => ({ bytes: spokenWav("Hello Rose, how are you?"), format: sniffAudioFormat(spokenWav("x"))! });

async function bytesOf(speech: SynthesizedSpeech): Promise<Buffer> {
  if ("bytes" in speech) return speech.bytes;
  const chunks: Uint8Array[] = [];
  for await (const chunk of speech.stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Guards with quick backoff so retry tests do not wait. */
const speechGuards = (policy: Partial<ResiliencePolicy>) => ProviderGuards.uniform(policy);
const quickGuards = () => speechGuards({ retries: 2, baseDelayMs: 5, maxDelayMs: 10, timeoutMs: 5_000 });

describe("speech to text against the simulator", () => {
  it("sends Groq Whisper the real recording, named after its detected format", async () => {
    sim.script({ match: { endpoint: "transcription" }, reply: { transcript: "  I had a lovely day.  " } });
    const clip = wavClip();
    const stt = groqTranscriber({ apiKey: KEY, baseUrl: sim.groqBaseUrl, model: "whisper-large-v3-turbo" });
    expect(await stt.transcribe(clip, signal())).toBe("I had a lovely day.");
    expect(sim.requests({ endpoint: "transcription" })[0]).toMatchObject({
      provider: "groq",
      path: "/openai/v1/audio/transcriptions",
      model: "whisper-large-v3-turbo",
      body: { file: { format: "wav", size: clip.bytes.length, filename: "recording.wav" } },
    });
    await expect(stt.probe(signal())).resolves.toBeUndefined();
  });

  it("speaks to any OpenAI-compatible /audio/transcriptions server", async () => {
    const stt = openAiTranscriber({ baseUrl: sim.openaiBaseUrl, model: "whisper-1" });
    expect(await stt.transcribe(wavClip(), signal())).toBe("Hello Rose.");
    expect(sim.requests({ endpoint: "transcription" })[0]).toMatchObject({ provider: "openai", model: "whisper-1", body: { file: { format: "wav" } } });
  });
});

describe("text to speech", () => {
  it("ElevenLabs: streams eleven_flash_v2_5 MP3 from the streaming endpoint", async () => {
    const tts = new ElevenLabsSpeech({ apiKey: KEY, baseUrl: sim.elevenlabsBaseUrl, voiceId: "voice-rose", model: "eleven_flash_v2_5" });
    const speech = await tts.synthesize("Hello there, it is good to hear you.", signal());
    expect(speech.mime).toBe("audio/mpeg");
    expect("stream" in speech).toBe(true);
    const mp3 = parseMp3(await bytesOf(speech));
    expect(mp3.durationMs).toBeGreaterThanOrEqual(speechDurationMs("Hello there, it is good to hear you."));
    expect(sim.requests({ endpoint: "speech" })[0]).toMatchObject({
      provider: "elevenlabs",
      path: "/v1/text-to-speech/voice-rose/stream",
      model: "eleven_flash_v2_5",
      text: "Hello there, it is good to hear you.",
      query: { output_format: "mp3_44100_128" },
    });
    await expect(tts.probe(signal())).resolves.toBeUndefined();
  });

  it("OpenAI-compatible /audio/speech: MP3 in the configured voice", async () => {
    const tts = new OpenAiSpeech({ baseUrl: sim.openaiBaseUrl, model: "gpt-4o-mini-tts", voice: "nova" });
    const speech = await tts.synthesize("Good morning.", signal());
    expect(parseMp3(await bytesOf(speech)).frames).toBeGreaterThan(0);
    expect(sim.requests({ endpoint: "speech" })[0]).toMatchObject({
      provider: "openai",
      model: "gpt-4o-mini-tts",
      body: { voice: "nova", response_format: "mp3" },
    });
  });

  it("espeak-ng: a real WAV with true sizes, offline", async () => {
    const tts = new EspeakSpeech();
    await expect(tts.probe(signal())).resolves.toBeUndefined();
    const speech = await tts.synthesize("-v --help. Hello, I am Rose.", signal()); // text that looks like options is only ever text
    const wav = await bytesOf(speech);
    expect(speech.mime).toBe("audio/wav");
    expect(isWav(wav)).toBe(true);
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(parseWav(wav)!.pcm.length).toBeGreaterThan(22_050); // more than half a second of 22 kHz 16-bit speech
  });

  it("espeak-ng: says plainly when it is not installed", async () => {
    const missing = new EspeakSpeech(undefined, "espeak-ng-not-here");
    await expect(missing.synthesize("Hi", signal())).rejects.toThrow(/apt-get install espeak-ng/);
    await expect(missing.probe(signal())).rejects.toThrow(/not installed/);
  });
});

describe("Speech: guarded recognition and synthesis", () => {
  const openAiStt = () => openAiTranscriber({ baseUrl: sim.openaiBaseUrl, model: "whisper-1" });

  it("retries a transient STT failure with backoff, then answers", async () => {
    sim.script({ match: { endpoint: "transcription" }, fail: { status: 503 }, times: 2 });
    const speech = buildSpeech({ stt: [openAiStt()], sttMissing: "", tts: [] }, quickGuards(), logger);
    expect(await speech.transcribe(wavClip())).toBe("Hello Rose.");
    expect(sim.requests({ endpoint: "transcription" }).map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it("does not retry audio the recogniser cannot read, and reports 422 audio_unreadable asking to record again", async () => {
    sim.script({ match: { endpoint: "transcription" }, fail: { status: 400, message: "bad audio" } });
    const speech = buildSpeech({ stt: [openAiStt()], sttMissing: "", tts: [] }, quickGuards(), logger);
    const error = await speech.transcribe(wavClip()).catch((e: unknown) => e);
    expect(isAppError(error) && { status: error.status, code: error.code, message: error.message }).toMatchObject({
      status: 422,
      code: "audio_unreadable",
      message: expect.stringMatching(/record your message again/),
    });
    expect(sim.requests({ endpoint: "transcription" })).toHaveLength(1);
  });

  it("does not retry a refused key, and reports 503 stt_unavailable telling the person to try again or type", async () => {
    sim.script({ match: { endpoint: "transcription" }, fail: { status: 401, message: "Invalid API key" } });
    const speech = buildSpeech({ stt: [openAiStt()], sttMissing: "", tts: [] }, quickGuards(), logger);
    const error = await speech.transcribe(wavClip()).catch((e: unknown) => e);
    expect(isAppError(error) && { status: error.status, code: error.code, message: error.message }).toMatchObject({
      status: 503,
      code: "stt_unavailable",
      message: expect.stringMatching(/try again.*type/),
    });
    expect(sim.requests({ endpoint: "transcription" })).toHaveLength(1);
  });

  it("retries a transcription that timed out (the SDK reports the abort as APIUserAbortError)", async () => {
    sim.script({ match: { endpoint: "transcription" }, fail: { hang: true }, times: 1 });
    const guards = speechGuards({ retries: 1, baseDelayMs: 5, maxDelayMs: 10, timeoutMs: 200 });
    const speech = buildSpeech({ stt: [openAiStt()], sttMissing: "", tts: [] }, guards, logger);
    expect(await speech.transcribe(wavClip())).toBe("Hello Rose.");
    expect(sim.requests({ endpoint: "transcription" }).map((r) => r.failure ?? r.status)).toEqual(["hang", 200]);
  });

  it("refuses with stt_not_configured naming the variable when there is no recogniser", () => {
    const speech = buildSpeech({ stt: [], sttMissing: "set GROQ_API_KEY", tts: [] }, quickGuards(), logger);
    expect(() => speech.assertCanTranscribe()).toThrow(
      expect.objectContaining({ status: 503, code: "stt_not_configured", message: expect.stringContaining("GROQ_API_KEY") }),
    );
  });

  it("retries a speech stream that breaks off midway, and hands back whole audio", async () => {
    sim.script({ match: { endpoint: "speech" }, fail: { dropMidStream: true }, times: 1 });
    const tts = new ElevenLabsSpeech({ apiKey: KEY, baseUrl: sim.elevenlabsBaseUrl, voiceId: "v", model: "eleven_flash_v2_5" });
    const speech = buildSpeech({ stt: [], tts: [tts] }, quickGuards(), logger);
    const audio = await speech.synthesize("A sentence long enough to arrive in several chunks of audio.");
    expect(parseMp3(audio.bytes).frames).toBeGreaterThan(10);
    expect(sim.requests({ endpoint: "speech" })).toHaveLength(2);
  });

  it("fails synthesis when the provider returns no audio", async () => {
    const silent: TextToSpeech = { provider: "test", synthesize: async () => ({ mime: "audio/mpeg", bytes: Buffer.alloc(0) }) };
    const speech = buildSpeech({ stt: [], sttMissing: "", tts: [silent] }, quickGuards(), logger);
    await expect(speech.synthesize("Hi")).rejects.toThrow(/no audio/);
  });
});
