import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { loadConfig } from "../src/core/config.js";
import { createLogger } from "../src/core/logger.js";
import { ProviderGuards } from "../src/core/resilience/guards.js";
import { OPENAI_REALTIME_DEFAULT_MODEL, OpenAiRealtimeRecognizer, pcmResampler } from "../src/modules/speech/stt/openai-realtime.js";
import type { RecognitionResult, RecognitionStream } from "../src/modules/speech/stt/streaming-types.js";
import { createLiveVoiceParts } from "../src/modules/voice/live-voice.js";
import { spokenPcm16k } from "./helpers/audio.js";
import { silence } from "./helpers/live-client.js";
import { type Simulator, startSimulator } from "./simulator/server.js";

/**
 * OpenAI Realtime transcription through the `openai` SDK's WebSocket client, against the simulator's
 * Realtime transcription session: real espeak-ng speech, 16 kHz as the live call has it.
 */

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const speech = spokenPcm16k("I went for a long walk by the river.");
const FRAME = 640; // 20 ms at 16 kHz

/** Streams PCM into the recogniser in 20 ms frames (as fast as it goes: the simulator hears audio time, not wall time). */
function feed(stream: RecognitionStream, pcm: Buffer): void {
  for (let offset = 0; offset < pcm.length; offset += FRAME) stream.send(pcm.subarray(offset, Math.min(pcm.length, offset + FRAME)));
}

/** Opens a stream on the simulator and collects what it hears. */
async function openStream(endOfSpeechMs = 300, recognizer = new OpenAiRealtimeRecognizer("sim-key", OPENAI_REALTIME_DEFAULT_MODEL, sim.openaiBaseUrl)) {
  const results: RecognitionResult[] = [];
  const errors: Error[] = [];
  let onFinal: (text: string) => void = () => {};
  const final = new Promise<string>((resolve) => (onFinal = resolve));
  const stream = await recognizer.open(
    { sampleRate: 16_000, endOfSpeechMs },
    {
      onResult: (result) => {
        results.push(result);
        if (result.final) onFinal(result.text);
      },
      onError: (error) => errors.push(error),
    },
    new AbortController().signal,
  );
  return { stream, results, errors, final };
}

const realtimeRequests = () => sim.requests({ endpoint: "realtime" });
const recordedBody = () => realtimeRequests().at(-1)!.body as { session: Record<string, unknown>; audio_ms: number; commits: number };

describe("OpenAI Realtime transcription session", () => {
  it("opens a transcription session as the docs say, and gives partial results then the final one", async () => {
    sim.script({ match: { endpoint: "realtime" }, reply: { transcript: "I went for a long walk by the river." } });
    const { stream, results, errors, final } = await openStream(300);
    feed(stream, speech);
    feed(stream, silence(600));
    expect(await final).toBe("I went for a long walk by the river.");
    stream.close();

    const partials = results.filter((r) => !r.final).map((r) => r.text);
    expect(partials.length).toBeGreaterThan(1);
    // Each partial grows the one before, and all come before the final, which ends the utterance.
    partials.forEach((text, i) => expect(text.startsWith(partials[i - 1] ?? "")).toBe(true));
    expect("I went for a long walk by the river.".startsWith(partials.at(-1)!)).toBe(true);
    expect(results.findIndex((r) => r.final)).toBe(results.length - 1);
    expect(results.at(-1)).toEqual({ text: "I went for a long walk by the river.", final: true, endOfSpeech: true });
    expect(errors).toEqual([]);

    // `?intent=transcription` and no model in the URL; the model, 24 kHz PCM and the service's voice detection in the session.
    const [request] = realtimeRequests();
    expect(request).toMatchObject({ path: "/v1/realtime", query: { intent: "transcription" }, status: 101, model: OPENAI_REALTIME_DEFAULT_MODEL });
    expect(request!.query).not.toHaveProperty("model");
    expect(recordedBody().session).toEqual({
      format: { type: "audio/pcm", rate: 24_000 },
      transcription: { model: OPENAI_REALTIME_DEFAULT_MODEL },
      turn_detection: { type: "server_vad", silence_duration_ms: 300 },
    });
    // The audio arrived resampled to 24 kHz: the simulator counts the same duration as was spoken (1 % for the seams).
    const spokenMs = ((speech.length + silence(600).length) / 32_000) * 1000;
    expect(Math.abs(recordedBody().audio_ms - spokenMs)).toBeLessThan(spokenMs * 0.01);
  });

  it("commits at once when Rose hears the end first, and commits nothing when there was no speech", async () => {
    sim.script({ match: { endpoint: "realtime" }, reply: { transcript: "I went for a long walk by the river." } });
    // The service's own detection would wait five seconds of silence: only finalize() can end this utterance soon.
    const { stream, final, errors } = await openStream(5000);
    feed(stream, silence(400));
    stream.finalize(); // nothing said yet: no commit (the service would answer an empty commit with an error)
    feed(stream, speech);
    feed(stream, silence(300));
    // Rose's detector ends a turn well after the speech it heard; by then the service has said it heard speech too.
    const sentMs = ((silence(400).length + speech.length + silence(300).length) / 32_000) * 1000;
    await expect.poll(() => recordedBody().audio_ms).toBeGreaterThan(sentMs - 1);
    await new Promise((r) => setTimeout(r, 100));
    stream.finalize();
    expect(await final).toBe("I went for a long walk by the river.");
    expect(recordedBody().commits).toBe(1);
    expect(errors).toEqual([]);
    stream.close();
  });

  it("honours the finalisation delay: a slow transcription's final comes after a quick one committed later", async () => {
    // Rules are taken newest first, as each stream starts to hear speech: the first stream gets the slow one.
    sim.script({ match: { endpoint: "realtime" }, times: 1, reply: { transcript: "Quick one." }, latency: { totalMs: 0 } });
    sim.script({ match: { endpoint: "realtime" }, times: 1, reply: { transcript: "Slow one here." }, latency: { totalMs: 1500 } });
    const slow = await openStream(300);
    const quick = await openStream(300);
    const order: string[] = [];
    void slow.final.then((t) => order.push(t));
    void quick.final.then((t) => order.push(t));
    feed(slow.stream, speech);
    feed(slow.stream, silence(600));
    // The slow stream's speech is all heard (and its rule taken) before the quick one speaks.
    const sentMs = ((speech.length + silence(600).length) / 32_000) * 1000;
    await expect.poll(() => ((realtimeRequests()[0]!.body as { audio_ms: number } | null)?.audio_ms ?? 0) > sentMs - 1).toBe(true);
    feed(quick.stream, speech);
    feed(quick.stream, silence(600));
    await Promise.all([slow.final, quick.final]);
    expect(order).toEqual(["Quick one.", "Slow one here."]);
    // Both were committed by the service's voice detection; the slow one's partial results came before its final.
    expect(slow.results.filter((r) => !r.final).map((r) => r.text)).toEqual(["Slow", "Slow one", "Slow one here."]);
    slow.stream.close();
    quick.stream.close();
  });

  it("fails to open when the service refuses the socket or never configures the session, and reports a stream that breaks", async () => {
    sim.script({ match: { endpoint: "realtime" }, fail: { status: 503, message: "Service unavailable" } });
    // As the guard needs them: a refused upgrade by its status (a 503 is worth retrying, a bad key is not).
    await expect(openStream()).rejects.toMatchObject({ kind: "server", status: 503 });
    expect(realtimeRequests()[0]).toMatchObject({ status: 503 });
    sim.reset();
    sim.script({ match: { endpoint: "realtime" }, fail: { status: 401, message: "Incorrect API key provided." } });
    await expect(openStream()).rejects.toMatchObject({ kind: "client", status: 401, retryable: false });

    sim.reset();
    sim.script({ match: { endpoint: "realtime" }, fail: { hang: true } });
    const recognizer = new OpenAiRealtimeRecognizer("sim-key", OPENAI_REALTIME_DEFAULT_MODEL, sim.openaiBaseUrl);
    const abort = new AbortController();
    const opening = recognizer.open({ sampleRate: 16_000, endOfSpeechMs: 300 }, { onResult: () => {}, onError: () => {} }, abort.signal);
    setTimeout(() => abort.abort(), 200); // the guard's attempt timeout, in short
    await expect(opening).rejects.toMatchObject({ kind: "timeout" });

    sim.reset();
    sim.script({ match: { endpoint: "realtime" }, times: 1, reply: { transcript: "I went for a long walk." } });
    sim.script({ match: { endpoint: "realtime" }, times: 1, fail: { dropMidStream: true } });
    const dropped = await openStream(300);
    feed(dropped.stream, speech);
    feed(dropped.stream, silence(600));
    await expect.poll(() => dropped.errors.length).toBe(1);
    expect(dropped.errors[0]!.message).toMatch(/closed/);
    expect(dropped.results.some((r) => r.final)).toBe(false);
  });
});

describe("the simulator's Realtime session refuses what the service refuses", () => {
  /** A raw socket, to speak the protocol wrongly on purpose. */
  async function rawSession(query: string, headers: Record<string, string> = { authorization: "Bearer sim-key" }) {
    const ws = new WebSocket(`${sim.url.replace(/^http/, "ws")}/v1/realtime?${query}`, { headers });
    const events: Array<Record<string, unknown>> = [];
    ws.on("message", (data: Buffer) => events.push(JSON.parse(data.toString("utf8")) as Record<string, unknown>));
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return { ws, events };
  }

  it("a socket without an API key, a conversation session updated to transcription, audio at another rate", async () => {
    await expect(rawSession("intent=transcription", {})).rejects.toThrow(/401/);

    const conversation = await rawSession("model=gpt-4o-mini-transcribe");
    conversation.ws.send(
      JSON.stringify({ type: "session.update", session: { type: "transcription", audio: { input: { transcription: { model: "gpt-4o-mini-transcribe" } } } } }),
    );
    await expect.poll(() => conversation.events.map((e) => e.type)).toEqual(["session.created", "error"]);
    expect((conversation.events[1]!.error as { message: string }).message).toMatch(/intent=transcription/);
    conversation.ws.close();

    const wrongRate = await rawSession("intent=transcription");
    wrongRate.ws.send(
      JSON.stringify({ type: "session.update", session: { type: "transcription", audio: { input: { format: { type: "audio/pcm", rate: 16000 } } } } }),
    );
    wrongRate.ws.send(JSON.stringify({ type: "input_audio_buffer.commit" }));
    await expect
      .poll(() => wrongRate.events.map((e) => (e.error as { code?: string } | undefined)?.code ?? e.type))
      .toEqual(["session.created", "invalid_value", "input_audio_buffer_commit_empty"]);
    wrongRate.ws.close();
  });
});

describe("16 kHz to 24 kHz", () => {
  it("keeps the signal's shape and length across frame seams", () => {
    // A slow ramp, resampled in uneven pieces, equals the ramp at the new rate.
    const input = Buffer.alloc(1600 * 2);
    for (let i = 0; i < 1600; i++) input.writeInt16LE(i * 10, i * 2);
    const resample = pcmResampler(16_000);
    const out = Buffer.concat([resample(input.subarray(0, 333 * 2)), resample(input.subarray(333 * 2, 1000 * 2)), resample(input.subarray(1000 * 2))]);
    const samples = Array.from({ length: out.length / 2 }, (_, i) => out.readInt16LE(i * 2));
    expect(Math.abs(samples.length - 2400)).toBeLessThanOrEqual(1);
    samples.forEach((value, i) => expect(Math.abs(value - (i * (10 * 2)) / 3)).toBeLessThanOrEqual(1));
  });
});

describe("the live call's chain of streaming recognisers", () => {
  const logger = createLogger("silent");
  const parts = (extra: Record<string, string>) =>
    createLiveVoiceParts(
      loadConfig({
        OPENAI_API_KEY: "sim-key",
        OPENAI_BASE_URL: sim.openaiBaseUrl,
        DEEPGRAM_API_KEY: "sim-key",
        DEEPGRAM_BASE_URL: sim.deepgramBaseUrl,
        VOICE_VAD: "energy",
        PROVIDER_RETRIES: "0",
        ...extra,
      }),
      ProviderGuards.uniform({ retries: 0 }),
      logger,
    );
  const handlers = { onResult: () => {}, onError: () => {} };

  it("is named by STREAMING_STT_PROVIDERS, and OpenAI Realtime stands in when Deepgram cannot connect", async () => {
    const live = await parts({ STREAMING_STT_PROVIDERS: "deepgram,openai-realtime" });
    expect(live.recognizers).toEqual(["deepgram", "openai-realtime"]);
    sim.script({ match: { endpoint: "listen" }, fail: { status: 503 } });
    const stream = await live.openRecognition(handlers)!;
    expect(sim.requests({ endpoint: "listen" }).map((r) => r.status)).toEqual([503]);
    expect(realtimeRequests().map((r) => r.status)).toEqual([101]);
    stream.close();
  });

  it("refuses the whole opening when the last recogniser cannot connect either (the call then uses batch recognition)", async () => {
    const live = await parts({ STREAMING_STT_PROVIDERS: "openai-realtime" });
    sim.script({ match: { endpoint: "realtime" }, fail: { status: 401, message: "Incorrect API key provided." } });
    await expect(live.openRecognition(handlers)!).rejects.toThrow();
    expect(realtimeRequests().map((r) => r.status)).toEqual([401]);
  });

  it("is not chosen without being named: its key also serves OpenAI-compatible servers that have no Realtime API", async () => {
    expect((await parts({})).recognizers).toEqual(["deepgram"]);
    expect(
      loadConfig({ STREAMING_STT_PROVIDER: "openai-realtime", OPENAI_REALTIME_STT_MODEL: "gpt-4o-transcribe", OPENAI_API_KEY: "k" }).voiceLive.streamingStt[0],
    ).toMatchObject({
      id: "openai-realtime",
      settings: { model: "gpt-4o-transcribe" },
    });
    expect(() => loadConfig({ STREAMING_STT_PROVIDER: "openai-realtime" })).toThrow(/OPENAI_API_KEY/);
  });
});
