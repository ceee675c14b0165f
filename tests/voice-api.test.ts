import { existsSync, readdirSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { APOLOGY_REPLY } from "../src/modules/character/prompts.js";
import { NO_SPEECH_REPLY } from "../src/modules/speech/no-speech.js";
import { spokenSentenceSplitter } from "../src/modules/speech/sentence-splitter.js";
import type { ApiClient, SseEvent } from "./helpers/api-client.js";
import { isWav, mp3Recording, mp4Recording, soxConvert, spokenWav, voiceForm, webmRecording } from "./helpers/audio.js";
import { HEALTHY_ANSWER_MS, type RunningRose, startRose, tempDataDir } from "./helpers/rose-server.js";
import { parseMp3 } from "./simulator/audio.js";
import { type Simulator, startSimulator } from "./simulator/server.js";

let sim: Simulator;
const dirs: Array<{ path: string; remove(): void }> = [];
const servers: RunningRose[] = [];
const recording = spokenWav("Hello Rose. I had a long day at work today.");

/** Chat and transcription on the OpenAI-compatible simulator; TTS is espeak-ng unless overridden. */
const baseEnv = (extra: Record<string, string> = {}) => ({
  OPENAI_BASE_URL: sim.openaiBaseUrl,
  OPENAI_API_KEY: "sim-key",
  CHAT_MODEL: "sim-chat",
  SMALL_MODEL: "sim-small",
  RATE_LIMIT_PER_MINUTE: "0",
  PROVIDER_RETRIES: "1",
  ...extra,
});
const elevenLabsEnv = () => baseEnv({ ELEVENLABS_API_KEY: "sim-key", ELEVENLABS_BASE_URL: sim.elevenlabsBaseUrl, ELEVENLABS_VOICE_ID: "voice-rose" });

async function rose(env: Record<string, string> = baseEnv()): Promise<RunningRose> {
  const dir = tempDataDir("rose-voice-");
  dirs.push(dir);
  const server = await startRose(env, dir.path);
  servers.push(server);
  return server;
}

const replyRequests = () => sim.requests({ endpoint: "chat" }).filter((r) => r.model === "sim-chat");
const transcriptions = () => sim.requests({ endpoint: "transcription" });
const dataOf = <T = Record<string, any>>(events: SseEvent[], name: string) => events.filter((e) => e.event === name).map((e) => e.data as T);

async function fetchAudio(client: ApiClient, url: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const response = await client.request("GET", url);
  return { status: response.status, type: response.headers.get("content-type"), bytes: Buffer.from(await response.arrayBuffer()) };
}

beforeAll(async () => {
  sim = await startSimulator();
});
afterEach(async () => {
  while (servers.length) await servers.pop()!.stop();
  sim.reset();
});
afterAll(async () => {
  await sim.close();
  for (const dir of dirs) dir.remove();
});

describe("POST /voice/process", () => {
  it("transcribes, answers through the graph as a spoken turn, and serves espeak-ng's WAV", async () => {
    sim.script({ match: { endpoint: "transcription" }, reply: { transcript: "I had a long day at work today." } });
    sim.script({ match: { model: "sim-chat" }, reply: { content: "That sounds tiring. Do you want to tell me about it?" } });
    const { client } = await rose();
    const sessionId = await client.startSession();

    const { status, body } = await client.json("POST", "/api/v1/voice/process", voiceForm(recording, "clip.wav", { session_id: sessionId }));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      session_id: sessionId,
      transcript: "I had a long day at work today.",
      text: "That sounds tiring. Do you want to tell me about it?",
      audio_url: expect.stringMatching(/^\/api\/v1\/voice\/audio\/[0-9a-f-]{36}\.wav$/),
      no_speech: false,
      fallback: false,
      tts_failed: false,
    });
    for (const key of ["stt_ms", "workflow_ms", "tts_ms", "total_ms"]) expect(body.timings[key]).toBeGreaterThanOrEqual(0);

    // Rose forwarded the real recording, and ran the turn in the spoken style.
    expect(transcriptions()[0]!.body).toMatchObject({ file: { format: "wav", size: recording.length, filename: "recording.wav" } });
    const systemPrompt = (replyRequests().at(-1)!.messages ?? []).find((m) => m.role === "system")!.content;
    expect(systemPrompt).toMatch(/spoken aloud/);

    const audio = await fetchAudio(client, body.audio_url);
    expect(audio.status).toBe(200);
    expect(audio.type).toMatch(/^audio\/wav/);
    expect(isWav(audio.bytes)).toBe(true);
    expect(audio.bytes.readUInt32LE(4)).toBe(audio.bytes.length - 8);

    const history = await client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(history.body.messages.map((m: { content: string }) => m.content)).toEqual([body.transcript, body.text]);
  });

  it("starts a session when none is given, and speaks with ElevenLabs (MP3)", async () => {
    sim.script({ match: { model: "sim-chat" }, reply: { content: "Hello! Lovely to hear your voice." } });
    const { client } = await rose(elevenLabsEnv());
    const { status, body } = await client.json("POST", "/api/v1/voice/process", voiceForm(recording, "clip.wav"));
    expect(status).toBe(200);
    expect(body.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.audio_url).toMatch(/\.mp3$/);
    const audio = await fetchAudio(client, body.audio_url);
    expect(audio.type).toMatch(/^audio\/mpeg/);
    expect(parseMp3(audio.bytes).frames).toBeGreaterThan(0);
    expect(sim.requests({ endpoint: "speech" })[0]).toMatchObject({
      provider: "elevenlabs",
      model: "eleven_flash_v2_5",
      text: "Hello! Lovely to hear your voice.",
    });
  });

  it.each([
    ["Ogg (sox)", () => soxConvert(recording, "ogg"), "voice.ogg", "ogg"],
    ["FLAC (sox)", () => soxConvert(recording, "flac"), "voice.flac", "flac"],
    ["MP3", () => mp3Recording(1500), "voice.mp3", "mp3"],
    ["WebM as browsers record it, with a misleading name", () => webmRecording(), "blob", "webm"],
    ["MP4/M4A", () => mp4Recording(), "voice.m4a", "mp4"],
  ])("accepts %s, recognised from the bytes", async (_name, bytes, filename, format) => {
    const { client } = await rose(baseEnv({ TTS_PROVIDER: "none" }));
    const upload = bytes();
    const { status, body } = await client.json("POST", "/api/v1/voice/process", voiceForm(upload, filename));
    expect(status).toBe(200);
    expect(body).toMatchObject({ audio_url: null, tts_failed: false });
    expect(transcriptions()[0]!.body).toMatchObject({ file: { format, size: upload.length, filename: `recording.${format}` } });
  });

  it("answers silence with a gentle spoken prompt and runs no graph turn", async () => {
    sim.script({ match: { endpoint: "transcription" }, reply: { transcript: "Thanks for watching!" } });
    const { client } = await rose();
    const sessionId = await client.startSession();
    const { status, body } = await client.json("POST", "/api/v1/voice/process", voiceForm(recording, "clip.wav", { session_id: sessionId }));
    expect(status).toBe(200);
    // Whisper's phrase for silence is not what the person said: the transcript is empty.
    expect(body).toMatchObject({ no_speech: true, text: NO_SPEECH_REPLY, transcript: "", timings: { workflow_ms: 0 } });
    expect(isWav((await fetchAudio(client, body.audio_url)).bytes)).toBe(true);
    expect(replyRequests()).toHaveLength(0);
    expect((await client.json("GET", `/api/v1/sessions/${sessionId}/messages`)).body.messages).toEqual([]);
  });

  it("speaks Rose's in-character apology when the chat model fails", async () => {
    sim.script({ match: { model: "sim-chat" }, fail: { status: 500 } });
    const { client } = await rose();
    const { status, body } = await client.json("POST", "/api/v1/voice/process", voiceForm(recording, "clip.wav"));
    expect(status).toBe(200);
    expect(body).toMatchObject({ text: APOLOGY_REPLY, fallback: true, tts_failed: false, audio_url: expect.stringMatching(/\.wav$/) });
  });

  it("still answers in words when speech synthesis is down (and no voice stands in)", async () => {
    sim.script({ match: { endpoint: "speech" }, fail: { status: 500, message: "tts down" } });
    sim.script({ match: { model: "sim-chat" }, reply: { content: "I'm here with you." } });
    const { client } = await rose({ ...elevenLabsEnv(), TTS_PROVIDERS: "elevenlabs" }); // no espeak-ng behind it
    const { status, body } = await client.json("POST", "/api/v1/voice/process", voiceForm(recording, "clip.wav"));
    expect(status).toBe(200);
    expect(body).toMatchObject({ text: "I'm here with you.", audio_url: null, tts_failed: true });
    expect(sim.requests({ endpoint: "speech" }).length).toBe(2); // one retry (PROVIDER_RETRIES=1), then text only
  });

  it("answers 503 stt_unavailable when recognition fails, without touching the thread", async () => {
    sim.script({ match: { endpoint: "transcription" }, fail: { status: 503 } });
    const { client } = await rose();
    const sessionId = await client.startSession();
    const { status, body } = await client.json("POST", "/api/v1/voice/process", voiceForm(recording, "clip.wav", { session_id: sessionId }));
    expect(status).toBe(503);
    expect(body.error).toMatchObject({ code: "stt_unavailable", message: expect.stringMatching(/try again.*type/), request_id: expect.any(String) });
    expect(transcriptions()).toHaveLength(2); // retried once
    expect(replyRequests()).toHaveLength(0);
  });

  it("answers 422 audio_unreadable, asking to record again, when the recogniser cannot read the recording", async () => {
    sim.script({ match: { endpoint: "transcription" }, fail: { status: 400, message: "could not process file - is it a valid media file?" } });
    const { client } = await rose();
    const sessionId = await client.startSession();
    const { status, body, headers } = await client.json("POST", "/api/v1/voice/process", voiceForm(recording, "clip.wav", { session_id: sessionId }));
    expect(status).toBe(422);
    expect(body.error).toMatchObject({ code: "audio_unreadable", message: expect.stringMatching(/record .*again/i), request_id: expect.any(String) });
    expect(headers.get("retry-after")).toBeNull(); // not an outage: waiting would not help
    expect(transcriptions()).toHaveLength(1); // the same audio would fail the same way: not retried
    expect(replyRequests()).toHaveLength(0);
    expect((await client.json("GET", `/api/v1/sessions/${sessionId}/messages`)).body.messages).toEqual([]);
  });

  it("retries a recognition that timed out, and answers", async () => {
    sim.script({ match: { endpoint: "transcription" }, reply: { transcript: "Are you still there?" } });
    sim.script({ match: { endpoint: "transcription" }, times: 1, fail: { hang: true } }); // newest first: hangs once
    sim.script({ match: { model: "sim-chat" }, reply: { content: "I am." } });
    const { client } = await rose(baseEnv({ STT_TIMEOUT_MS: HEALTHY_ANSWER_MS, TTS_PROVIDER: "none" }));
    const { status, body } = await client.json("POST", "/api/v1/voice/process", voiceForm(recording, "clip.wav"));
    expect(status).toBe(200);
    expect(body).toMatchObject({ transcript: "Are you still there?", text: "I am." });
    expect(transcriptions().map((r) => r.failure ?? r.status)).toEqual(["hang", 200]);
  });

  it("answers 503 stt_not_configured naming the variable when there is no recogniser", async () => {
    const { client } = await rose(baseEnv({ STT_PROVIDER: "none" }));
    const { status, body } = await client.json("POST", "/api/v1/voice/process", voiceForm(recording, "clip.wav"));
    expect(status).toBe(503);
    expect(body.error).toMatchObject({ code: "stt_not_configured", message: expect.stringMatching(/GROQ_API_KEY.*STT_PROVIDER/) });
  });
});

describe("bad uploads are refused as JSON errors before anything runs", () => {
  let server: RunningRose;
  beforeAll(async () => {
    server = await startRose(baseEnv({ MAX_AUDIO_MB: "1" }), dirs[dirs.push(tempDataDir("rose-voice-")) - 1]!.path);
  });
  afterAll(() => server.stop());

  it.each([
    [
      "a text file renamed .webm",
      () => voiceForm(Buffer.from("this is just some text, not a recording"), "voice.webm", {}, "audio/webm"),
      415,
      "unsupported_media_type",
    ],
    ["an empty recording", () => voiceForm(Buffer.alloc(0), "voice.webm", {}, "audio/webm"), 400, "bad_request"],
    ["a recording over MAX_AUDIO_MB", () => voiceForm(Buffer.concat([spokenWav("Hi."), Buffer.alloc(1024 * 1024 + 1)]), "big.wav"), 413, "payload_too_large"],
    ["a form without the audio field", () => Object.assign(new FormData(), {}), 400, "bad_request"],
    ["JSON instead of a form", () => ({ audio: "base64..." }), 415, "unsupported_media_type"], // a body of the wrong media type
    ["a malformed session id", () => voiceForm(recording, "clip.wav", { session_id: "not-a-uuid" }), 400, "bad_request"],
    [
      "someone else's (or an unknown) session",
      () => voiceForm(recording, "clip.wav", { session_id: "3f1c1f9e-2b7a-4c55-9a8e-0123456789ab" }),
      404,
      "not_found",
    ],
  ])("%s", async (_name, body, status, code) => {
    for (const path of ["/api/v1/voice/process", "/api/v1/voice/stream"]) {
      const response = await server.client.json("POST", path, body());
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(response.body.error).toMatchObject({ code, message: expect.any(String), request_id: expect.any(String) });
    }
    expect(transcriptions()).toHaveLength(0);
  });
});

describe("GET /voice/audio/:id", () => {
  it("serves only well-formed ids of the caller's own, unexpired audio", async () => {
    const server = await rose();
    const { client } = server;
    const { body } = await client.json("POST", "/api/v1/voice/process", voiceForm(recording, "clip.wav"));
    const id = (body.audio_url as string).split("/").pop()!;

    expect((await fetchAudio(client, `/api/voice/audio/${id}`)).status).toBe(200); // the unversioned alias works too
    expect((await fetchAudio(client.stranger(), body.audio_url)).status).toBe(404);
    for (const attempt of [
      "..%2F..%2Fmemory.db",
      "%2e%2e%2f%2e%2e%2fmemory.db",
      "..%5C..%5Cmemory.db",
      `${id.replace(".wav", ".db")}`,
      "x.wav",
      `${id}%00.wav`,
    ]) {
      const response = await client.json("GET", `/api/v1/voice/audio/${attempt}`);
      expect(response.status, attempt).toBe(400);
      expect(response.body.error.code).toBe("bad_request");
    }
    const climbed = await client.json("GET", "/api/v1/voice/audio/../../memory.db"); // fetch resolves the dots: an unknown API route
    expect(climbed.status).toBe(404);
    expect((await client.json("GET", "/api/v1/voice/audio/3f1c1f9e-2b7a-4c55-9a8e-0123456789ab.wav")).status).toBe(404);

    // Byte ranges, which Safari asks for before it plays an <audio> element.
    const whole = await fetchAudio(client, body.audio_url);
    const size = whole.bytes.length;
    const part = await client.request("GET", body.audio_url, undefined, { range: "bytes=4-11" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 4-11/${size}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(whole.bytes.subarray(4, 12))).toBe(true);
    const beyond = await client.request("GET", body.audio_url, undefined, { range: `bytes=${size + 10}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${size}`);
    expect(beyond.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await beyond.json()) as { error: { code: string } }).error.code).toBe("range_not_satisfiable");

    // Past its TTL the file is not served, and the cleanup job deletes it.
    const folder = readdirSync(join(server.dataDir, "audio"))[0]!;
    const path = join(server.dataDir, "audio", folder, id);
    const past = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(path, past, past);
    expect((await fetchAudio(client, body.audio_url)).status).toBe(404);
    expect(await server.rose.runJob("audio-cleanup")).toBe(true);
    expect(existsSync(path)).toBe(false);
  });
});

describe("POST /voice/stream", () => {
  const reply = "Oh, Dr. Smith told me about that. It was 3.5 degrees colder, e.g. in the U.S. north. Shall we make tea?";

  it("streams transcript, tokens, sentence audio in order, then done", async () => {
    sim.script({ match: { endpoint: "transcription" }, reply: { transcript: "Tell me about the weather." } });
    sim.script({ match: { model: "sim-chat" }, reply: { content: reply } });
    const { client } = await rose(elevenLabsEnv());
    const sessionId = await client.startSession();
    const { status, events, contentType } = await client.stream("/api/v1/voice/stream", voiceForm(recording, "clip.wav", { session_id: sessionId }));
    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/event-stream/);

    const names = events.map((e) => e.event);
    expect(names[0]).toBe("transcript");
    expect(names.at(-1)).toBe("done");
    expect(names.indexOf("token")).toBeGreaterThan(0);
    expect(names.indexOf("audio")).toBeGreaterThan(names.indexOf("token"));
    expect(names).not.toContain("error");
    // The session is named in the first event, so a reply interrupted before `done` still joins the thread.
    expect(dataOf(events, "transcript")).toEqual([{ text: "Tell me about the weather.", session_id: sessionId }]);

    const done = dataOf(events, "done")[0]!;
    const tokens = dataOf<{ text: string }>(events, "token").map((t) => t.text);
    expect(tokens.length).toBeGreaterThan(5);
    expect(tokens.join("")).toBe(done.text);
    expect(done).toMatchObject({
      session_id: sessionId,
      transcript: "Tell me about the weather.",
      text: reply,
      no_speech: false,
      fallback: false,
      tts_failed: false,
    });

    // One audio event per sentence (the first clause on its own), cut where a person would, in order, each a real MP3.
    const audio = dataOf<{ index: number; text: string; mime: string; data: string }>(events, "audio");
    const splitter = spokenSentenceSplitter();
    expect(audio.map((a) => a.text)).toEqual([...splitter.push(reply), ...splitter.flush()]);
    expect(audio.map((a) => a.text)).toEqual([
      "Oh,",
      "Dr. Smith told me about that.",
      "It was 3.5 degrees colder, e.g. in the U.S. north.",
      "Shall we make tea?",
    ]);
    expect(audio.map((a) => a.index)).toEqual([0, 1, 2, 3]);
    for (const a of audio) {
      expect(a.mime).toBe("audio/mpeg");
      expect(parseMp3(Buffer.from(a.data, "base64")).frames).toBeGreaterThan(0);
    }
    expect(sim.requests({ endpoint: "speech" }).map((r) => r.text)).toEqual(audio.map((a) => a.text));

    const t = done.timings;
    expect(t.first_token_ms).toBeGreaterThanOrEqual(t.stt_ms);
    expect(t.first_audio_ms).toBeGreaterThanOrEqual(t.first_token_ms);
    expect(t.total_ms).toBeGreaterThanOrEqual(t.first_audio_ms);
    for (const key of ["workflow_ms", "tts_ms"]) expect(t[key]).toBeGreaterThanOrEqual(0);

    // The whole reply, joined, is there for replay.
    const whole = await fetchAudio(client, done.audio_url);
    expect(parseMp3(whole.bytes).frames).toBe(audio.reduce((n, a) => n + parseMp3(Buffer.from(a.data, "base64")).frames, 0));
  });

  it("with ELEVENLABS_STREAMING=websocket, speaks the reply over one stream-input socket: the same audio events, and the whole reply for replay", async () => {
    sim.script({ match: { endpoint: "transcription" }, reply: { transcript: "Tell me about the weather." } });
    sim.script({ match: { model: "sim-chat" }, reply: { content: reply } });
    const { client } = await rose({ ...elevenLabsEnv(), ELEVENLABS_STREAMING: "websocket" });
    const { status, events } = await client.stream("/api/v1/voice/stream", voiceForm(recording, "clip.wav"));
    expect(status).toBe(200);
    const done = dataOf(events, "done")[0]!;
    expect(done).toMatchObject({ text: reply, tts_failed: false });
    const audio = dataOf<{ index: number; text: string; mime: string; data: string }>(events, "audio");
    const splitter = spokenSentenceSplitter();
    expect(audio.map((a) => a.text)).toEqual([...splitter.push(reply), ...splitter.flush()]);
    expect(audio.map((a) => a.index)).toEqual([0, 1, 2, 3]);
    expect(audio.every((a) => a.mime === "audio/mpeg" && parseMp3(Buffer.from(a.data, "base64")).frames > 0)).toBe(true);
    const speech = sim.requests({ endpoint: "speech" });
    // One socket (in the companion's voice, as each sentence request would be), no sentence-by-sentence requests.
    expect(speech).toHaveLength(1);
    expect(speech[0]!.path).toMatch(/^\/v1\/text-to-speech\/[^/]+\/stream-input$/);
    const whole = await fetchAudio(client, done.audio_url);
    expect(parseMp3(whole.bytes).frames).toBe(audio.reduce((n, a) => n + parseMp3(Buffer.from(a.data, "base64")).frames, 0));
  });

  it("starts the first sentence's audio before the reply has finished", async () => {
    sim.script({ match: { model: "sim-chat" }, reply: { content: reply }, latency: { tokensPerSecond: 40 } });
    const { client } = await rose(elevenLabsEnv());
    const response = await client.request("POST", "/api/v1/voice/stream", voiceForm(recording, "clip.wav"));
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    let sawAudioBeforeLastToken = false;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += value;
      if (text.includes("event: audio") && !text.includes("tea?")) sawAudioBeforeLastToken = true;
    }
    expect(sawAudioBeforeLastToken).toBe(true);
  });

  it("speaks espeak-ng WAV per sentence and joins them for replay", async () => {
    sim.script({ match: { model: "sim-chat" }, reply: { content: "Hello there. How are you?" } });
    const { client } = await rose();
    const { events } = await client.stream("/api/v1/voice/stream", voiceForm(recording, "clip.wav"));
    const audio = dataOf<{ mime: string; data: string }>(events, "audio");
    expect(audio).toHaveLength(2);
    expect(audio.every((a) => a.mime === "audio/wav" && isWav(Buffer.from(a.data, "base64")))).toBe(true);
    const done = dataOf(events, "done")[0]!;
    expect(isWav((await fetchAudio(client, done.audio_url)).bytes)).toBe(true);
  });

  it("gives the words without audio, flagged, when speech synthesis is down (and no voice stands in)", async () => {
    sim.script({ match: { endpoint: "speech" }, fail: { status: 503 } });
    sim.script({ match: { model: "sim-chat" }, reply: { content: reply } });
    const { client } = await rose({ ...elevenLabsEnv(), TTS_PROVIDERS: "elevenlabs" });
    const { status, events } = await client.stream("/api/v1/voice/stream", voiceForm(recording, "clip.wav"));
    expect(status).toBe(200);
    expect(events.map((e) => e.event)).not.toContain("audio");
    expect(events.map((e) => e.event)).not.toContain("error");
    expect(dataOf(events, "done")[0]).toMatchObject({ text: reply, audio_url: null, tts_failed: true });
  });

  it("names a newly started session in the first event, before the reply", async () => {
    sim.script({ match: { model: "sim-chat" }, reply: { content: "Hello there. How are you?" } });
    const { client } = await rose();
    const { events } = await client.stream("/api/v1/voice/stream", voiceForm(recording, "clip.wav"));
    expect(events[0]!.event).toBe("transcript");
    const { session_id } = dataOf<{ session_id: string }>(events, "transcript")[0]!;
    expect(session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(dataOf(events, "done")[0]).toMatchObject({ session_id });
  });

  it("answers silence with the spoken prompt and no graph turn", async () => {
    sim.script({ match: { endpoint: "transcription" }, reply: { transcript: "Thanks for watching!" } });
    const { client } = await rose();
    const { events } = await client.stream("/api/v1/voice/stream", voiceForm(recording, "clip.wav"));
    expect(events.map((e) => e.event)).toEqual(["transcript", "token", "audio", "done"]);
    // Nobody said "Thanks for watching!": nothing is shown as the person's words.
    expect(dataOf(events, "transcript")[0]).toMatchObject({ text: "" });
    expect(dataOf(events, "audio")[0]).toMatchObject({ index: 0, text: NO_SPEECH_REPLY, mime: "audio/wav" });
    expect(dataOf(events, "done")[0]).toMatchObject({ no_speech: true, text: NO_SPEECH_REPLY, transcript: "", timings: { workflow_ms: 0 } });
    expect(replyRequests()).toHaveLength(0);
  });

  it("refuses with a JSON 422 audio_unreadable before the stream opens when the recording cannot be read", async () => {
    sim.script({ match: { endpoint: "transcription" }, fail: { status: 400, message: "Invalid file format." } });
    const { client } = await rose();
    const { status, events } = await client.stream("/api/v1/voice/stream", voiceForm(recording, "clip.wav"));
    expect(status).toBe(422);
    expect(events).toEqual([
      { event: "http_error", data: { error: expect.objectContaining({ code: "audio_unreadable", message: expect.stringMatching(/record .*again/i) }) } },
    ]);
    expect(transcriptions()).toHaveLength(1);
  });

  it("refuses with a JSON 503 before the stream opens when recognition fails", async () => {
    sim.script({ match: { endpoint: "transcription" }, fail: { status: 500 } });
    const { client } = await rose();
    const { status, events } = await client.stream("/api/v1/voice/stream", voiceForm(recording, "clip.wav"));
    expect(status).toBe(503);
    expect(events).toEqual([{ event: "http_error", data: { error: expect.objectContaining({ code: "stt_unavailable" }) } }]);
  });
});

describe("health", () => {
  it("reports the speech providers with their breaker state", async () => {
    const { client } = await rose(elevenLabsEnv());
    const { body } = await client.json("GET", "/api/v1/health");
    expect(body.services.stt).toMatchObject({ status: "ok", provider: "openai", model: "whisper-1", breaker: "closed" });
    expect(body.services.tts).toMatchObject({ status: "ok", provider: "elevenlabs", model: "eleven_flash_v2_5", breaker: "closed" });
  });

  it("says what to set when speech is not configured, and espeak-ng is the offline default", async () => {
    const { client } = await rose(baseEnv({ STT_PROVIDER: "none" }));
    const { body } = await client.json("GET", "/api/v1/health");
    expect(body.services.stt).toMatchObject({ status: "not_configured", detail: expect.stringContaining("GROQ_API_KEY") });
    expect(body.services.tts).toMatchObject({ status: "ok", provider: "espeak" });
  });
});
