import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../src/core/logger.js";
import { ProviderGuards } from "../src/core/resilience/guards.js";
import { isProviderError } from "../src/core/resilience/provider-error.js";
import { buildSpeech } from "../src/modules/speech/create-speech.js";
import { SentenceSpeaker, type SpokenSentence } from "../src/modules/speech/sentence-speaker.js";
import { spokenSentenceSplitter } from "../src/modules/speech/sentence-splitter.js";
import type { Speech } from "../src/modules/speech/speech.js";
import { StreamingVoice } from "../src/modules/speech/streaming-voice.js";
import { ElevenLabsSpeech, elevenLabsVoiceSettings } from "../src/modules/speech/tts/elevenlabs.js";
import type { SpokenAudio, SpeechStyle } from "../src/modules/speech/types.js";
import { parseMp3, speechDurationMs } from "./simulator/audio.js";
import { type Simulator, startSimulator } from "./simulator/server.js";

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const logger = createLogger("silent");
const GENTLE: SpeechStyle = { delivery: "gentle", intensity: 1, rate: 1 };
const streamingVoice = (apiKey = "sim-key") =>
  new ElevenLabsSpeech({ apiKey, baseUrl: sim.elevenlabsBaseUrl, voiceId: "voice-rose", model: "eleven_flash_v2_5", streaming: "websocket" });

/** One provider stream and everything it handed back. */
async function openStream(options: { apiKey?: string; stallMs?: number; style?: SpeechStyle } = {}) {
  const pieces: Array<{ index: number; audio: SpokenAudio }> = [];
  const errors: Error[] = [];
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const stream = await streamingVoice(options.apiKey).openInputStream!(
    { style: options.style, signal: AbortSignal.timeout(5_000), stallMs: options.stallMs ?? 5_000 },
    {
      onPiece: (index, audio) => pieces.push({ index, audio }),
      onDone: resolveDone,
      onError: (error) => {
        errors.push(error);
        resolveDone();
      },
    },
  );
  return { stream, pieces, errors, done };
}

/** The recorded stream-input connections' client messages. */
const sentMessages = (connection = 0) => (sim.requests({ endpoint: "speech" })[connection]!.body as { messages: Array<Record<string, unknown>> }).messages;

/** What the service was asked to speak for each piece: the text between flushes. */
function textPerPiece(messages: Array<Record<string, unknown>>): string[] {
  const pieces: string[] = [];
  let current = "";
  for (const message of messages.slice(1)) {
    current += String(message.text);
    if (message.flush === true) {
      pieces.push(current);
      current = "";
    }
  }
  return pieces;
}

/** An MP3 clip lasts what the simulator's voice takes for its text (to within one frame). */
function expectSpokenLength(audio: SpokenAudio, texts: string[]) {
  const expected = texts.reduce((sum, text) => sum + speechDurationMs(text), 0);
  const { durationMs } = parseMp3(audio.bytes);
  expect(durationMs).toBeGreaterThanOrEqual(expected);
  expect(durationMs).toBeLessThan(expected + 27 * texts.length);
}

describe("ElevenLabs stream-input against the simulator", () => {
  it("speaks the protocol: first message with settings and schedule, text as written, a flush per piece, an empty text to end", async () => {
    const { stream, pieces, errors, done } = await openStream({ style: GENTLE });
    stream.write("Oh, ");
    stream.endPiece();
    stream.write("that sounds ");
    stream.write("lovely. ");
    stream.endPiece();
    stream.write("Was the water calm tonight? ");
    stream.endPiece();
    stream.end();
    await done;
    expect(errors).toEqual([]);

    const [connection] = sim.requests({ endpoint: "speech" });
    expect(connection).toMatchObject({
      provider: "elevenlabs",
      path: "/v1/text-to-speech/voice-rose/stream-input",
      query: { model_id: "eleven_flash_v2_5", output_format: "mp3_44100_128" },
      status: 101,
    });
    const messages = sentMessages();
    // The key went in the header, not in a message; the gentle delivery is in the voice settings.
    const settings = elevenLabsVoiceSettings(GENTLE);
    expect(settings).toMatchObject({ stability: 0.8, style: 0.1 });
    expect(messages[0]).toEqual({
      text: " ",
      voice_settings: { stability: settings.stability, similarity_boost: settings.similarityBoost, style: settings.style, speed: settings.speed },
      generation_config: { chunk_length_schedule: [50, 120, 160, 250] },
    });
    expect(messages.slice(1).map((m) => m.text)).toEqual(["Oh, ", " ", "that sounds ", "lovely. ", " ", "Was the water calm tonight? ", " ", ""]);
    expect(messages.filter((m) => m.flush === true)).toHaveLength(3);

    // One clip per piece, in order, each the audio of exactly that piece's text.
    expect(pieces.map((p) => p.index)).toEqual([0, 1, 2]);
    const texts = textPerPiece(messages);
    pieces.forEach((piece, i) => {
      expect(piece.audio.mime).toBe("audio/mpeg");
      expectSpokenLength(piece.audio, [texts[i]!]);
    });
  });

  it("cuts a long sentence the service started before its end (the schedule) at the flush, by the alignment", async () => {
    const { stream, pieces, done } = await openStream();
    const long = "The light on the water in the evening is something I love to hear about, ";
    for (const word of long.split(/(?<= )/)) stream.write(word);
    stream.write("truly. ");
    stream.endPiece();
    stream.write("Tell me more? ");
    stream.endPiece();
    stream.end();
    await done;
    // The first piece was generated in two parts (once 50 characters were in, then at its flush): one clip holds both.
    expect(pieces.map((p) => p.index)).toEqual([0, 1]);
    const [firstPiece, secondPiece] = textPerPiece(sentMessages());
    let scheduled = "";
    for (const word of firstPiece!.split(/(?<= )/)) if (scheduled.length < 50) scheduled += word;
    expectSpokenLength(pieces[0]!.audio, [scheduled, firstPiece!.slice(scheduled.length)]);
    expectSpokenLength(pieces[1]!.audio, [secondPiece!]);
  });

  it("closes the socket at once when told to stop, and delivers nothing after", async () => {
    sim.script({ match: { endpoint: "speech", stream: true }, latency: { firstByteMs: 50, totalMs: 600 } });
    const { stream, pieces, errors } = await openStream();
    stream.write("Once upon a time, ");
    stream.endPiece();
    stream.write("there was a river that ran past a town where everyone knew each other. ");
    stream.endPiece();
    await vi.waitFor(() => expect(pieces.length).toBe(1), { timeout: 5_000 });
    stream.close();
    await vi.waitFor(() => expect(sim.requests({ endpoint: "speech" })[0]!.finishedAt).toBeDefined(), { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(pieces).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it("reports a refused connection as the provider's error, by status", async () => {
    sim.script({ match: { endpoint: "speech", stream: true }, fail: { status: 401, message: "Invalid API key" } });
    const error = await openStream().catch((e: unknown) => e);
    expect(isProviderError(error) && error.kind === "client" && error.status === 401).toBe(true);
    sim.reset();
    sim.script({ match: { endpoint: "speech", stream: true }, fail: { status: 503 } });
    const unavailable = await openStream().catch((e: unknown) => e);
    expect(isProviderError(unavailable) && unavailable.kind === "server").toBe(true);
  });

  it("checks the key, and reports the service's error messages, a dropped socket and a stalled one", async () => {
    const keyless = await openStream({ apiKey: "" });
    await keyless.done;
    expect(keyless.errors[0]?.message).toMatch(/auth_error/);

    sim.script({ match: { endpoint: "speech", stream: true }, times: 1, fail: { message: "Something went wrong on our side." } });
    const failing = await openStream();
    failing.stream.write("Hello there. ");
    failing.stream.endPiece();
    await failing.done;
    expect(failing.errors[0]).toMatchObject({ kind: "server" });
    expect(failing.pieces).toEqual([]);

    sim.script({ match: { endpoint: "speech", stream: true }, times: 1, fail: { dropMidStream: true } });
    const dropped = await openStream();
    dropped.stream.write("Hello there. ");
    dropped.stream.endPiece();
    dropped.stream.write("This is a sentence long enough for several chunks of audio to be sent. ");
    dropped.stream.endPiece();
    await dropped.done;
    expect(dropped.errors[0]).toMatchObject({ kind: "network" });
    // The first piece arrived whole; the second was cut short, and nothing half-spoken is delivered.
    expect(dropped.pieces.map((p) => p.index)).toEqual([0]);

    sim.script({ match: { endpoint: "speech", stream: true }, times: 1, fail: { hang: true } });
    const stalled = await openStream({ stallMs: 300 });
    stalled.stream.write("Hello there. ");
    stalled.stream.endPiece();
    await stalled.done;
    expect(stalled.errors[0]).toMatchObject({ kind: "timeout" });
  });
});

/** How the sentence-by-sentence path cuts a reply: the streaming voice must deliver the same pieces. */
const piecesOf = (text: string) => {
  const splitter = spokenSentenceSplitter();
  return [...splitter.push(text), ...splitter.flush()];
};

/** Streams `text` token by token (a few characters each, as a model writes) into a voice over the configured speech. */
function speakThrough(speech: Speech, text: string) {
  const spoken: SpokenSentence[] = [];
  const voice = new StreamingVoice({
    open: (handlers, signal) => speech.openSpeechStream(undefined, handlers, signal),
    fallback: (firstIndex) =>
      new SentenceSpeaker(
        (sentence, signal) => speech.synthesize(sentence, signal),
        (s) => spoken.push({ ...s, index: s.index + firstIndex }),
      ),
    onSpoken: (s) => spoken.push(s),
    logger,
  });
  const tokens = text.match(/.{1,4}/gs) ?? [];
  return { voice, spoken, tokens };
}

function speechWith(primary: ElevenLabsSpeech, timeoutMs = 5_000) {
  return buildSpeech({ stt: [], tts: [primary] }, ProviderGuards.uniform({ retries: 0, timeoutMs }), logger);
}

describe("a reply spoken over the stream", () => {
  const reply = "Oh, that sounds lovely. Was the water calm tonight? I hope you rested after.";

  it("forwards the words as they are written and delivers each sentence's audio in order, as the sentence path would cut it", async () => {
    const speech = speechWith(streamingVoice());
    expect(speech.canStreamSpeech).toBe(true);
    const { voice, spoken, tokens } = speakThrough(speech, reply);
    for (const token of tokens) voice.write(token);
    voice.end();
    const outcome = await voice.finished();
    expect(outcome.failed).toBe(false);
    expect(spoken.map((s) => s.text)).toEqual(piecesOf(reply));
    expect(spoken.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    expect(outcome.clips).toHaveLength(4);
    // One connection, no sentence-by-sentence requests; the text went out in several messages per sentence, before its flush.
    const requests = sim.requests({ endpoint: "speech" });
    expect(requests.map((r) => r.path)).toEqual(["/v1/text-to-speech/voice-rose/stream-input"]);
    const messages = sentMessages();
    expect(textPerPiece(messages).map((t) => t.trim())).toEqual(piecesOf(reply));
    const flushes = messages.flatMap((m, i) => (m.flush === true ? [i] : []));
    const wordsBetween = (from: number, to: number) => messages.slice(from + 1, to).filter((m) => String(m.text).trim() !== "");
    expect(wordsBetween(flushes[0]!, flushes[1]!).length).toBeGreaterThanOrEqual(2);
    expect(wordsBetween(flushes[1]!, flushes[2]!).length).toBeGreaterThanOrEqual(2);
    // Each sentence's clip is that sentence's audio.
    textPerPiece(messages).forEach((text, i) => expectSpokenLength(spoken[i]!.audio, [text]));
  });

  it.each([
    ["one character at a time", (text: string) => [...text]],
    ["the whole reply in one piece", (text: string) => [text]],
    ["words with their spaces", (text: string) => text.split(/(?<= )/)],
  ])("cuts the same pieces however the words arrive: %s", async (_, tokensOf) => {
    const tricky = 'Yes. (Well, maybe.) "Dr. Smith said so," she wrote... Okay! 3.5 cups, e.g. flour? Fine.';
    const speech = speechWith(streamingVoice());
    const { voice, spoken } = speakThrough(speech, tricky);
    for (const token of tokensOf(tricky)) voice.write(token);
    voice.end();
    const outcome = await voice.finished();
    expect(outcome.failed).toBe(false);
    expect(spoken.map((s) => s.text)).toEqual(piecesOf(tricky));
    expect(spoken.map((s) => s.index)).toEqual([...piecesOf(tricky).keys()]);
    // Every word went out once, in order, and each clip is the audio of the text flushed for it.
    const messages = sentMessages();
    expect(
      messages
        .map((m) => m.text)
        .join("")
        .replace(/\s+/g, " ")
        .trim(),
    ).toBe(tricky);
    const texts = textPerPiece(messages);
    expect(texts).toHaveLength(spoken.length);
    texts.forEach((text, i) => {
      expect(text.replace(/\s+/g, " ").trim()).toContain(spoken[i]!.text);
      expectSpokenLength(spoken[i]!.audio, [text]);
    });
  });

  it("falls back to sentence-by-sentence speech when the socket cannot open, losing no sentence", async () => {
    sim.script({ match: { endpoint: "speech", stream: true }, times: 1, fail: { status: 503 } });
    const speech = speechWith(streamingVoice());
    const { voice, spoken, tokens } = speakThrough(speech, reply);
    for (const token of tokens) voice.write(token);
    voice.end();
    const outcome = await voice.finished();
    expect(outcome.failed).toBe(false);
    expect(spoken.map((s) => s.text)).toEqual(piecesOf(reply));
    expect(spoken.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    const requests = sim.requests({ endpoint: "speech" });
    expect(requests[0]!.status).toBe(503);
    // Two sentences are synthesized at a time, so their requests may arrive in either order.
    expect(requests.slice(1).every((r) => r.path === "/v1/text-to-speech/voice-rose/stream")).toBe(true);
    expect(
      requests
        .slice(1)
        .map((r) => r.text)
        .sort(),
    ).toEqual(piecesOf(reply).sort());
  });

  it("when the stream breaks off midway, the sentences not yet heard are spoken sentence by sentence, from the first missing", async () => {
    sim.script({ match: { endpoint: "speech", stream: true }, times: 1, fail: { dropMidStream: true } });
    const speech = speechWith(streamingVoice());
    const { voice, spoken, tokens } = speakThrough(speech, reply);
    for (const token of tokens) voice.write(token);
    voice.end();
    await voice.finished();
    expect(spoken.map((s) => s.text)).toEqual(piecesOf(reply));
    expect(spoken.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    // "Oh," arrived whole before the drop; the rest went over HTTP.
    const http = sim.requests({ endpoint: "speech" }).filter((r) => r.path.endsWith("/stream"));
    expect(http.map((r) => r.text).sort()).toEqual(piecesOf(reply).slice(1).sort());
    expect(spoken[0]!.audio.bytes.length).toBeGreaterThan(0);
  });

  it("falls back when the stream stalls before any audio", async () => {
    sim.script({ match: { endpoint: "speech", stream: true }, times: 1, fail: { hang: true } });
    const speech = speechWith(streamingVoice(), 400);
    const { voice, spoken, tokens } = speakThrough(speech, reply);
    for (const token of tokens) voice.write(token);
    voice.end();
    await voice.finished();
    expect(spoken.map((s) => s.text)).toEqual(piecesOf(reply));
    expect(sim.requests({ endpoint: "speech" }).filter((r) => r.path.endsWith("/stream"))).toHaveLength(4);
  });

  it("stops at once on cancel: the socket closes and nothing more is delivered", async () => {
    sim.script({ match: { endpoint: "speech", stream: true }, latency: { firstByteMs: 30, totalMs: 500 } });
    const speech = speechWith(streamingVoice());
    const { voice, spoken, tokens } = speakThrough(speech, reply);
    for (const token of tokens) voice.write(token);
    voice.end();
    await vi.waitFor(() => expect(spoken.length).toBe(1), { timeout: 5_000 });
    voice.cancel();
    await voice.finished();
    await vi.waitFor(() => expect(sim.requests({ endpoint: "speech" })[0]!.finishedAt).toBeDefined(), { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(spoken.map((s) => s.text)).toEqual(["Oh,"]);
    expect(sim.requests({ endpoint: "speech" })).toHaveLength(1);
  });

  it("is not used when streaming is not configured", () => {
    const speech = speechWith(new ElevenLabsSpeech({ apiKey: "sim-key", baseUrl: sim.elevenlabsBaseUrl, voiceId: "v", model: "m" }));
    expect(speech.canStreamSpeech).toBe(false);
  });
});
