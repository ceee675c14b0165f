import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { spokenSentenceSplitter } from "../src/modules/speech/sentence-splitter.js";
import { spokenPcm16k } from "./helpers/audio.js";
import { identityCookie, LiveClient, silence } from "./helpers/live-client.js";
import { useSimulatedRose } from "./helpers/simulated-rose.js";
import { useTemporaryDatabase } from "./helpers/temporary-database.js";

const harness = useSimulatedRose();
const startRose = (env: Record<string, string>) => harness.rose(env);

/** How the pipeline cuts a reply into spoken pieces (the first clause alone). */
const pieces = (text: string) => {
  const splitter = spokenSentenceSplitter();
  return [...splitter.push(text), ...splitter.flush()];
};

const firstUtterance = spokenPcm16k("I went for a long walk by the river this evening.");
const secondUtterance = spokenPcm16k("Yes, and then I had a coffee.");

const env = (extra: Record<string, string> = {}) => ({
  OPENAI_BASE_URL: harness.sim.openaiBaseUrl,
  OPENAI_API_KEY: "sim-key",
  CHAT_MODEL: "sim-chat",
  SMALL_MODEL: "sim-small",
  TTS_PROVIDER: "espeak",
  RATE_LIMIT_PER_MINUTE: "0",
  PROVIDER_RETRIES: "1",
  ...extra,
});
const deepgramEnv = (extra: Record<string, string> = {}) => env({ DEEPGRAM_API_KEY: "sim-key", DEEPGRAM_BASE_URL: harness.sim.deepgramBaseUrl, ...extra });

describe("live voice call with streaming recognition", () => {
  it("flows turn after turn: speech detected, partial then final transcripts, tokens, audio in order, done", async () => {
    const server = await startRose(deepgramEnv());
    // Newest rule first: the second utterance's rule is scripted before the first's.
    harness.sim.script({ match: { endpoint: "listen" }, times: 1, reply: { transcript: "Yes, and then I had a coffee." } });
    harness.sim.script({ match: { endpoint: "listen" }, times: 1, reply: { transcript: "I went for a long walk by the river this evening." } });
    harness.sim.script({ match: { model: "sim-chat", lastUser: /river/ }, reply: { content: "Oh, that sounds lovely. Was the water calm tonight?" } });
    harness.sim.script({ match: { model: "sim-chat", lastUser: /coffee/ }, reply: { content: "A coffee by the river, perfect. Where did you go?" } });
    const call = await LiveClient.open(server.url, await identityCookie(server.url));
    const sessionId = await call.start({ timezone: "Europe/Lisbon" });

    await call.speak(firstUtterance);
    await call.next("speech_started");
    const firstDone = await call.next("done");
    await call.speak(secondUtterance);
    const secondDone = await call.next("done");

    const types = call.events.map((e) => e.type);
    const partials = call.events.filter((e) => e.type === "transcript" && e.final === false);
    const finals = call.events.filter((e) => e.type === "transcript" && e.final === true).map((e) => e.text);
    expect(partials.length).toBeGreaterThan(0);
    expect(String(partials[0]!.text)).toMatch(/^I/);
    expect(finals).toEqual(["I went for a long walk by the river this evening.", "Yes, and then I had a coffee."]);
    expect(types.indexOf("speech_stopped")).toBeLessThan(types.indexOf("token"));
    expect(firstDone).toMatchObject({
      session_id: sessionId,
      transcript: finals[0],
      text: "Oh, that sounds lovely. Was the water calm tonight?",
      no_speech: false,
    });
    expect(secondDone).toMatchObject({ session_id: sessionId, text: "A coffee by the river, perfect. Where did you go?" });
    expect((firstDone.timings as { first_audio_ms: number }).first_audio_ms).toBeGreaterThan(0);
    // Audio per clause, in order, each a WAV from espeak-ng, for each turn.
    const audio = call.events.filter((e) => e.type === "audio");
    expect(audio.map((a) => a.text)).toEqual([...pieces(String(firstDone.text)), ...pieces(String(secondDone.text))]);
    expect(audio.map((a) => a.index)).toEqual([...pieces(String(firstDone.text)).keys(), ...pieces(String(secondDone.text)).keys()]);
    expect(audio.every((a) => a.mime === "audio/wav" && Buffer.from(String(a.data), "base64").toString("latin1", 0, 4) === "RIFF")).toBe(true);
    // The recogniser heard the call as Deepgram is asked to: raw 16 kHz linear16 with partial results.
    const listen = harness.sim.requests({ endpoint: "listen" });
    expect(listen).toHaveLength(1);
    expect(listen[0]!.query).toMatchObject({ encoding: "linear16", sample_rate: "16000", interim_results: "true", model: "nova-3" });
    // Both exchanges are in the thread, as voice turns.
    call.send({ type: "stop" });
    expect((await call.waitClosed()).code).toBe(1000);
    const chat = harness.sim.requests({ endpoint: "chat" }).filter((r) => r.model === "sim-chat");
    expect(chat.map((r) => r.messages!.at(-1)!.content)).toEqual(finals);
  });
});

describe("live voice call with OpenAI Realtime transcription", () => {
  const realtimeEnv = (extra: Record<string, string> = {}) => env({ STREAMING_STT_PROVIDERS: "openai-realtime", ...extra });

  it("flows turn after turn over one transcription session: partial then final transcripts, replies in order", async () => {
    const server = await startRose(realtimeEnv());
    harness.sim.script({ match: { endpoint: "realtime" }, times: 1, reply: { transcript: "Yes, and then I had a coffee." } });
    harness.sim.script({ match: { endpoint: "realtime" }, times: 1, reply: { transcript: "I went for a long walk by the river this evening." } });
    harness.sim.script({ match: { model: "sim-chat", lastUser: /river/ }, reply: { content: "Oh, that sounds lovely. Was the water calm tonight?" } });
    harness.sim.script({ match: { model: "sim-chat", lastUser: /coffee/ }, reply: { content: "A coffee by the river, perfect. Where did you go?" } });
    const call = await LiveClient.open(server.url, await identityCookie(server.url));
    const sessionId = await call.start();

    await call.speak(firstUtterance);
    const firstDone = await call.next("done");
    await call.speak(secondUtterance);
    const secondDone = await call.next("done");

    const transcripts = call.events.filter((e) => e.type === "transcript");
    const finals = transcripts.filter((e) => e.final === true).map((e) => String(e.text));
    expect(finals).toEqual(["I went for a long walk by the river this evening.", "Yes, and then I had a coffee."]);
    // Each utterance's partial results came before its final one, growing towards it.
    const firstPartials = transcripts
      .slice(
        0,
        transcripts.findIndex((e) => e.final === true),
      )
      .map((e) => String(e.text));
    expect(firstPartials.length).toBeGreaterThan(0);
    expect(firstPartials.every((text) => finals[0]!.startsWith(text))).toBe(true);
    expect(firstDone).toMatchObject({ session_id: sessionId, transcript: finals[0], text: "Oh, that sounds lovely. Was the water calm tonight?" });
    expect(secondDone).toMatchObject({ session_id: sessionId, transcript: finals[1], text: "A coffee by the river, perfect. Where did you go?" });
    const audio = call.events.filter((e) => e.type === "audio");
    expect(audio.map((a) => a.text)).toEqual([...pieces(String(firstDone.text)), ...pieces(String(secondDone.text))]);
    // One transcription session for the whole call, opened as the docs say; nothing went to batch recognition.
    const sessions = harness.sim.requests({ endpoint: "realtime" });
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ status: 101, query: { intent: "transcription" }, model: "gpt-4o-mini-transcribe" });
    expect(harness.sim.requests({ endpoint: "transcription" })).toHaveLength(0);
    call.send({ type: "stop" });
    expect((await call.waitClosed()).code).toBe(1000);
    const chat = harness.sim.requests({ endpoint: "chat" }).filter((r) => r.model === "sim-chat");
    expect(chat.map((r) => r.messages!.at(-1)!.content)).toEqual(finals);
  });

  it("carries on with Whisper when the Realtime session cannot be opened", async () => {
    const server = await startRose(realtimeEnv());
    harness.sim.script({ match: { endpoint: "realtime" }, fail: { status: 503, message: "Service unavailable" } });
    harness.sim.script({ match: { endpoint: "transcription" }, reply: { transcript: "I went for a long walk by the river this evening." } });
    harness.sim.script({ match: { model: "sim-chat" }, reply: { content: "That sounds peaceful." } });
    const call = await LiveClient.open(server.url, await identityCookie(server.url));
    await call.start();
    await call.speak(firstUtterance);
    expect(await call.next("done")).toMatchObject({ transcript: "I went for a long walk by the river this evening.", text: "That sounds peaceful." });
    expect(harness.sim.requests({ endpoint: "realtime" }).every((r) => r.status === 503)).toBe(true);
    expect(harness.sim.requests({ endpoint: "transcription" })).toHaveLength(1);
    call.close();
  });
});

/** The person's thread, as the API shows it. */
async function thread(url: string, cookie: string, sessionId: string) {
  const response = await fetch(`${url}/api/v1/sessions/${sessionId}/messages`, { headers: { cookie } });
  return ((await response.json()) as { messages: Array<{ role: string; content: string; interrupted?: true; stopped?: true }> }).messages;
}

describe("live voice call with batch recognition (no streaming recogniser)", () => {
  it("carries on with Whisper when Deepgram cannot be reached", async () => {
    const server = await startRose(deepgramEnv());
    harness.sim.script({ match: { endpoint: "listen" }, fail: { status: 503, message: "Service unavailable" } });
    harness.sim.script({ match: { endpoint: "transcription" }, reply: { transcript: "I went for a long walk by the river this evening." } });
    harness.sim.script({ match: { model: "sim-chat" }, reply: { content: "That sounds peaceful." } });
    const call = await LiveClient.open(server.url, await identityCookie(server.url));
    await call.start();
    await call.speak(firstUtterance);
    expect(await call.next("done")).toMatchObject({ transcript: "I went for a long walk by the river this evening.", text: "That sounds peaceful." });
    // The live recogniser was tried (and retried) through its guard, then the utterance went to Whisper.
    expect(harness.sim.requests({ endpoint: "listen" }).every((r) => r.status === 503)).toBe(true);
    expect(harness.sim.requests({ endpoint: "listen" }).length).toBeGreaterThanOrEqual(1);
    expect(harness.sim.requests({ endpoint: "transcription" })).toHaveLength(1);
    call.close();
  });

  it("cuts each utterance with the server's voice detection and sends it to Whisper as a WAV", async () => {
    const server = await startRose(env());
    harness.sim.script({ match: { endpoint: "transcription" }, reply: { transcript: "I went for a long walk by the river this evening." } });
    harness.sim.script({ match: { model: "sim-chat" }, reply: { content: "That sounds peaceful. Tell me more?" } });
    const cookie = await identityCookie(server.url);
    const call = await LiveClient.open(server.url, cookie);
    const sessionId = await call.start();
    await call.speak(firstUtterance);
    const done = await call.next("done");
    expect(done).toMatchObject({ transcript: "I went for a long walk by the river this evening.", text: "That sounds peaceful. Tell me more?" });
    expect(call.events.filter((e) => e.type === "transcript").map((e) => e.final)).toEqual([true]);
    const uploads = harness.sim.requests({ endpoint: "transcription" });
    expect(uploads).toHaveLength(1);
    const file = (uploads[0]!.body as { file: { format: string; durationMs: number } }).file;
    expect(file.format).toBe("wav");
    // The utterance, not the whole call: roughly the speech's own length plus a short lead-in and the pause.
    const speechMs = (firstUtterance.length / 32_000) * 1000;
    expect(file.durationMs).toBeGreaterThan(speechMs * 0.6);
    expect(file.durationMs).toBeLessThan(speechMs + 1500);
    expect((await thread(server.url, cookie, sessionId)).map((m) => m.role)).toEqual(["user", "assistant"]);
    call.close();
  });
});

describe("a person who pauses and goes on", () => {
  const half = spokenPcm16k("I went for a long walk");
  const rest = spokenPcm16k("by the river this evening.");
  /** A pause (with the clip's own trailing quiet, about 550 ms) shorter than the end of a turn (700 ms). */
  const pausedSentence = Buffer.concat([half, silence(250), rest]);
  const sayings = () =>
    harness.sim
      .requests({ endpoint: "chat" })
      .filter((r) => r.model === "sim-chat")
      .map((r) => r.messages!.at(-1)!.content);
  /** A new person's call: `say` speaks, then Rose's answer, then 1.5 s more of listening for any second one. */
  const answered = async (server: { url: string }, say: (call: LiveClient) => Promise<void>) => {
    const cookie = await identityCookie(server.url);
    const call = await LiveClient.open(server.url, cookie);
    const sessionId = await call.start();
    await say(call);
    const done = await call.next("done");
    await call.stream(silence(1500));
    const history = () => thread(server.url, cookie, sessionId);
    return { call, done, history };
  };
  const saysPausedSentence = (call: LiveClient) => call.speak(pausedSentence);

  it("answers the whole sentence once, when the recogniser took the pause for its end", async () => {
    const server = await startRose(deepgramEnv());
    harness.sim.script({ match: { endpoint: "listen" }, times: 1, reply: { transcript: "by the river this evening." } });
    harness.sim.script({ match: { endpoint: "listen" }, times: 1, reply: { transcript: "I went for a long walk" } });
    // A model slow to its first word: the reply begun on the half-sentence has said nothing when the person goes on.
    harness.sim.script({ match: { model: "sim-chat", lastUser: /walk$/ }, reply: { content: "Where did you go?" }, latency: { firstTokenMs: 3000 } });
    harness.sim.script({ match: { model: "sim-chat", lastUser: /river/ }, reply: { content: "That sounds lovely." } });
    const { call, done, history } = await answered(server, saysPausedSentence);

    const finals = call.events.filter((e) => e.type === "transcript" && e.final === true).map((e) => e.text);
    expect(finals).toEqual(["I went for a long walk", "by the river this evening."]);
    expect(done).toMatchObject({ transcript: "I went for a long walk by the river this evening.", text: "That sounds lovely." });
    expect(call.events.filter((e) => e.type === "done")).toHaveLength(1);
    expect(sayings().at(-1)).toBe("I went for a long walk by the river this evening.");
    expect((await history()).map((m) => [m.role, m.content])).toEqual([
      ["user", "I went for a long walk by the river this evening."],
      ["assistant", "That sounds lovely."],
    ]);
    call.close();
  });

  it("answers the whole sentence once, when the recogniser's end arrives after the person went on", async () => {
    const server = await startRose(deepgramEnv());
    harness.sim.script({ match: { endpoint: "listen" }, times: 1, reply: { transcript: "by the river this evening." } });
    // Its endpointing hears the pause (300 ms in), but its final result is on the way for 600 ms more.
    harness.sim.script({
      match: { endpoint: "listen" },
      times: 1,
      reply: { transcript: "I went for a long walk" },
      latency: { totalMs: 300, firstByteMs: 600 },
    });
    harness.sim.script({ match: { model: "sim-chat", lastUser: /walk$/ }, reply: { content: "Where did you go?" } });
    harness.sim.script({ match: { model: "sim-chat", lastUser: /river/ }, reply: { content: "That sounds lovely." } });
    const { call, done, history } = await answered(server, saysPausedSentence);
    expect(done).toMatchObject({ transcript: "I went for a long walk by the river this evening.", text: "That sounds lovely." });
    expect(call.events.filter((e) => e.type === "done")).toHaveLength(1);
    expect(sayings()).toEqual(["I went for a long walk by the river this evening."]);
    expect((await history()).map((m) => m.role)).toEqual(["user", "assistant"]);
    call.close();
  });

  it("answers what was said when what followed the pause had no words for the recogniser", async () => {
    const server = await startRose(deepgramEnv());
    // A sound the voice detector takes for speech, in which the recogniser finds no words (a cough, a laugh).
    harness.sim.script({ match: { endpoint: "listen" }, times: 1, reply: { transcript: "" } });
    harness.sim.script({ match: { endpoint: "listen" }, times: 1, reply: { transcript: "I went for a long walk" } });
    harness.sim.script({ match: { model: "sim-chat", lastUser: /walk$/ }, reply: { content: "Where did you go?" }, latency: { firstTokenMs: 1500 } });
    const { call, done, history } = await answered(server, saysPausedSentence);
    expect(call.events.some((e) => e.type === "interrupted")).toBe(true);
    expect(done).toMatchObject({ transcript: "I went for a long walk", text: "Where did you go?" });
    expect((await history()).map((m) => [m.role, m.content])).toEqual([
      ["user", "I went for a long walk"],
      ["assistant", "Where did you go?"],
    ]);
    call.close();
  });

  it("with batch recognition, waits for the rest when the person goes on while their words are transcribed", async () => {
    const server = await startRose(env());
    harness.sim.script({ match: { endpoint: "transcription" }, times: 1, reply: { transcript: "Then I had a coffee." } });
    harness.sim.script({ match: { endpoint: "transcription" }, times: 1, reply: { transcript: "I went for a long walk." }, latency: { totalMs: 2000 } });
    harness.sim.script({ match: { model: "sim-chat" }, reply: { content: "A walk and a coffee, lovely." } });
    const { call, done, history } = await answered(server, async (call) => {
      await call.speak(half);
      await call.next("speech_stopped");
      await call.speak(secondUtterance);
    });
    expect(done).toMatchObject({ transcript: "I went for a long walk. Then I had a coffee.", text: "A walk and a coffee, lovely." });
    expect(call.events.filter((e) => e.type === "done")).toHaveLength(1);
    expect(sayings()).toEqual(["I went for a long walk. Then I had a coffee."]);
    expect((await history()).map((m) => m.role)).toEqual(["user", "assistant"]);
    call.close();
  });
});

describe("a client that does not wait for ready", () => {
  it("hears audio sent right after start, before ready, from its first word", async () => {
    const server = await startRose(env());
    harness.sim.script({ match: { endpoint: "transcription" }, reply: { transcript: "I went for a long walk by the river this evening." } });
    harness.sim.script({ match: { model: "sim-chat" }, reply: { content: "That sounds peaceful." } });
    const call = await LiveClient.open(server.url, await identityCookie(server.url));
    // start, then at once the first 1.5 s of speech in one burst (as a client with a buffered microphone would), then the rest as it is spoken.
    const headBytes = 1.5 * 32_000;
    call.send({ type: "start", sample_rate: 16000 });
    await call.stream(firstUtterance.subarray(0, headBytes), { realTime: false });
    await call.next("ready");
    await call.speak(firstUtterance.subarray(headBytes));
    expect(await call.next("done")).toMatchObject({ transcript: "I went for a long walk by the river this evening.", text: "That sounds peaceful." });
    // The utterance Whisper got holds the whole speech (and the pause after it): nothing sent before ready was lost.
    const file = (harness.sim.requests({ endpoint: "transcription" })[0]!.body as { file: { durationMs: number } }).file;
    expect(file.durationMs).toBeGreaterThan((firstUtterance.length / 32_000) * 1000);
    expect(call.events.some((e) => e.type === "error")).toBe(false);
    call.close();
  });

  it("still refuses more audio before ready than a client may run ahead", async () => {
    const server = await startRose(env());
    const call = await LiveClient.open(server.url, await identityCookie(server.url));
    call.send({ type: "start", sample_rate: 16000 });
    await call.stream(silence(5_000), { realTime: false });
    expect((await call.next("error")).code).toBe("too_fast");
    expect((await call.waitClosed()).code).toBe(1008);
  });
});

describe("barge-in", () => {
  it("stops Rose's audio when the person speaks over her, and the thread keeps only what was heard", async () => {
    const server = await startRose(deepgramEnv());
    const reply =
      "Oh, walks by the river are the best. The light on the water in the evening is something I love to hear about. Tell me, did you see any birds, or boats going by slowly?";
    harness.sim.script({ match: { endpoint: "listen" }, times: 1, reply: { transcript: "Wait a moment please." } });
    harness.sim.script({ match: { endpoint: "listen" }, times: 1, reply: { transcript: "I went for a long walk by the river this evening." } });
    harness.sim.script({ match: { model: "sim-chat", lastUser: /river/ }, reply: { content: reply } });
    harness.sim.script({ match: { model: "sim-chat", lastUser: /moment/ }, reply: { content: "Of course, I'm listening." } });
    const cookie = await identityCookie(server.url);
    const call = await LiveClient.open(server.url, cookie);
    const sessionId = await call.start();
    await call.speak(firstUtterance, 600);
    const first = await call.next("audio");
    const second = await call.next("audio");
    // The client heard the first clause and half of the second, then the person spoke.
    const secondMs = ((Buffer.from(String(second.data), "base64").length - 44) / (22050 * 2)) * 1000;
    call.send({ type: "playback", index: first.index, played_ms: 5000 });
    call.send({ type: "playback", index: second.index, played_ms: secondMs / 2 });
    await call.stream(spokenPcm16k("Wait a moment please"));
    const interrupted = await call.next("interrupted");
    const words = String(second.text).split(" ");
    expect(interrupted.heard).toBe(`${String(first.text)} ${words.slice(0, Math.floor(words.length / 2)).join(" ")}`.trim());
    await call.stream(silence(1000));
    const done = await call.next("done");
    expect(done.text).toBe("Of course, I'm listening.");
    // No audio of the interrupted reply after `interrupted`; the next audio is the new reply's.
    const afterInterruption = call.events.slice(call.events.indexOf(interrupted) + 1);
    expect(afterInterruption.filter((e) => e.type === "audio").map((e) => e.text)).toEqual(pieces(String(done.text)));
    const messages = await thread(server.url, cookie, sessionId);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(messages[1]).toMatchObject({ content: `${String(interrupted.heard)} —`, interrupted: true, stopped: true });
    // Rose's next turn saw that she was cut off.
    const chats = harness.sim.requests({ endpoint: "chat" }).filter((r) => r.model === "sim-chat");
    expect(chats.at(-1)!.messages!.some((m) => m.role === "assistant" && m.content === `${String(interrupted.heard)} —`)).toBe(true);
    call.close();
  });

  it("stops at once on an interrupt message, even before any audio was played", async () => {
    const server = await startRose(deepgramEnv());
    harness.sim.script({ match: { endpoint: "listen" }, reply: { transcript: "Tell me a long story." } });
    harness.sim.script({
      match: { model: "sim-chat" },
      reply: { content: "Once upon a time, there was a river. It ran past a town where everyone knew each other." },
      latency: { firstTokenMs: 50, tokensPerSecond: 40 },
    });
    const cookie = await identityCookie(server.url);
    const call = await LiveClient.open(server.url, cookie);
    const sessionId = await call.start();
    await call.speak(firstUtterance, 400);
    await call.next("token");
    call.send({ type: "interrupt" });
    const interrupted = await call.next("interrupted");
    // Nothing was heard unless a clip had already gone out (a loaded machine may send the first one before
    // the interrupt arrives); then what was heard is the start of her reply, and the thread keeps exactly that.
    const audioBefore = call.events.slice(0, call.events.indexOf(interrupted)).some((e) => e.type === "audio");
    const heard = String(interrupted.heard);
    if (!audioBefore) expect(heard).toBe("");
    else expect("Once upon a time, there was a river. It ran past a town where everyone knew each other.".startsWith(heard)).toBe(true);
    await new Promise((r) => setTimeout(r, 800));
    expect(call.events.slice(call.events.indexOf(interrupted) + 1).filter((e) => ["token", "audio", "done"].includes(e.type))).toEqual([]);
    const messages = await thread(server.url, cookie, sessionId);
    expect(messages.at(-1)).toMatchObject({ role: "assistant", content: heard.trim() ? `${heard.trim()} —` : "—", interrupted: true });
    call.close();
  });
});

describe("a client whose audio stalls, then catches up", () => {
  // A phone on a weak network, or a page whose main thread was busy, holds its microphone's frames for a
  // few seconds and then sends them all at once. That is a late client, not a fast one and not an
  // overloaded server: the call goes on and every word is heard.
  it("hears seconds of audio that arrive in one burst, and the call goes on", async () => {
    const server = await startRose(env());
    harness.sim.script({ match: { endpoint: "transcription" }, reply: { transcript: "I went for a long walk by the river this evening." } });
    harness.sim.script({ match: { model: "sim-chat" }, reply: { content: "That sounds peaceful." } });
    const call = await LiveClient.open(server.url, await identityCookie(server.url));
    await call.start();
    const held = Buffer.concat([silence(500), firstUtterance, silence(1_200)]);
    const heldMs = (held.length / 32_000) * 1000;
    expect(heldMs / 20).toBeGreaterThan(150); // more 20 ms frames than the server ever had waiting before this test
    await new Promise((resolve) => setTimeout(resolve, heldMs));
    await call.stream(held, { realTime: false });
    expect(await call.next("done")).toMatchObject({ transcript: "I went for a long walk by the river this evening.", text: "That sounds peaceful." });
    expect(call.events.filter((e) => e.type === "error")).toEqual([]);
    // Still listening: the next words, spoken in real time, are a second turn.
    harness.sim.script({ match: { endpoint: "transcription" }, reply: { transcript: "Yes, and then I had a coffee." } });
    await call.speak(secondUtterance);
    expect(await call.next("done")).toMatchObject({ transcript: "Yes, and then I had a coffee." });
    call.close();
  });
});

describe("bad input on the live socket", () => {
  /** A started call on a fresh Rose (batch recognition: nothing but the socket is under test). */
  async function startedCall(extra: Record<string, string> = {}) {
    const server = await startRose(env(extra));
    const cookie = await identityCookie(server.url);
    const call = await LiveClient.open(server.url, cookie);
    return { server, cookie, call };
  }

  async function expectErrorAndClose(call: LiveClient, code: string, closeCode = 1008) {
    const error = await call.next("error");
    expect(error.code).toBe(code);
    expect(typeof error.message).toBe("string");
    expect((await call.waitClosed()).code).toBe(closeCode);
  }

  it("refuses audio before start", async () => {
    const { call } = await startedCall();
    call.ws.send(silence(20));
    await expectErrorAndClose(call, "not_started");
  });

  it("refuses a sample rate other than 16 kHz, and a start message that is not the protocol's", async () => {
    const { server, cookie, call } = await startedCall();
    call.send({ type: "start", sample_rate: 44100 });
    await expectErrorAndClose(call, "unsupported_sample_rate");
    const second = await LiveClient.open(server.url, cookie);
    second.send({ type: "start", sample_rate: "fast" });
    await expectErrorAndClose(second, "bad_message");
    const third = await LiveClient.open(server.url, cookie);
    third.ws.send("not json");
    await expectErrorAndClose(third, "bad_message");
  });

  it("refuses frames that are not 16-bit PCM (odd length) or too large for one frame", async () => {
    const { server, cookie, call } = await startedCall();
    await call.start();
    call.ws.send(Buffer.alloc(641));
    await expectErrorAndClose(call, "bad_frame");
    const second = await LiveClient.open(server.url, cookie);
    await second.start();
    second.ws.send(Buffer.alloc(16_000)); // 500 ms in one frame
    await expectErrorAndClose(second, "frame_too_large");
    // Past the socket's own limit the frame is never buffered: ws closes with 1009 (message too big).
    const third = await LiveClient.open(server.url, cookie);
    await third.start();
    third.ws.send(Buffer.alloc(256 * 1024));
    expect((await third.waitClosed()).code).toBe(1009);
  });

  it("refuses a flood of audio faster than real time", async () => {
    const { call } = await startedCall();
    await call.start();
    await call.stream(silence(10_000), { realTime: false });
    await expectErrorAndClose(call, "too_fast");
  });

  // Its own limit: speaking minutes of audio takes espeak-ng a while on a loaded machine.
  it("ends the call of a client that stops reading its socket, instead of holding its replies' audio", { timeout: 120_000 }, async () => {
    // Idle calls end after an hour here, so only the unread-bytes guard can end this one.
    const { server, cookie, call } = await startedCall({ VOICE_LIVE_IDLE_SECONDS: "3600" });
    harness.sim.script({ match: { endpoint: "transcription" }, reply: { transcript: "Tell me a long story." } });
    // About four minutes of espeak-ng speech (over 13 MB of audio events): far more than the guard's 4 MiB and the kernel's socket buffers.
    const story = Array.from({ length: 40 }, (_, i) => `This is part ${i + 1} of a long story about a walk by the river, told slowly and with care.`);
    harness.sim.script({ match: { model: "sim-chat" }, reply: { content: story.join(" ") } });
    const sessionId = await call.start();
    call.stopReading();
    await call.speak(firstUtterance);
    // The call ended: its conversation is free for a new call (while it lasts, a second one is refused with call_in_progress).
    const deadline = performance.now() + 90_000;
    for (;;) {
      const next = await LiveClient.open(server.url, cookie);
      next.send({ type: "start", sample_rate: 16000, session_id: sessionId });
      const refused = await next.next("ready").then(
        () => null,
        () => next.events.find((e) => e.type === "error"),
      );
      next.close();
      if (!refused) break;
      expect(refused.code).toBe("call_in_progress");
      if (performance.now() > deadline) throw new Error("the call of a client that stopped reading was never ended");
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    call.close();
  });

  it("refuses a socket from another origin, and one without an identity, with a JSON error before upgrading", async () => {
    const server = await startRose(env());
    const cookie = await identityCookie(server.url);
    const foreign = await LiveClient.open(server.url, cookie, { origin: "https://evil.example" }).catch((e: { status: number; body: unknown }) => e);
    expect(foreign).toMatchObject({ status: 403, body: { error: { code: "cross_site_request" } } });
    const anonymous = await LiveClient.open(server.url, "").catch((e: { status: number; body: unknown }) => e);
    expect(anonymous).toMatchObject({ status: 401, body: { error: { code: "unauthorized" } } });
    // The app's own origin is welcome.
    const own = await LiveClient.open(server.url, cookie, { origin: server.url });
    expect(await own.start()).toMatch(/^[0-9a-f-]{36}$/);
    own.close();
  });

  it("runs a signed-in person's call as their account, and refuses a bad token or an anonymous cookie that became an account", async () => {
    const server = await startRose(env());
    const cookie = await identityCookie(server.url);
    // The anonymous person signs up: the account takes over their identity (and their conversations).
    const signup = await fetch(`${server.url}/api/v1/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: JSON.stringify({ email: "live-caller@example.com", password: "a long and unusual passphrase" }),
    });
    expect(signup.status).toBe(201);
    const { access_token: accessToken } = (await signup.json()) as { access_token: string };
    const started = await fetch(`${server.url}/api/v1/session/start`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${accessToken}` },
      body: "{}",
    });
    const { session_id: accountSession } = (await started.json()) as { session_id: string };

    // The account's own conversation opens over the socket with its access token.
    const call = await LiveClient.open(server.url, "", { authorization: `Bearer ${accessToken}` });
    expect(await call.start({ session_id: accountSession })).toBe(accountSession);
    call.close();
    const forged = await LiveClient.open(server.url, "", { authorization: `Bearer ${accessToken}x` }).catch((e: { status: number; body: unknown }) => e);
    expect(forged).toMatchObject({ status: 401, body: { error: { code: "invalid_token" } } });
    // The old anonymous cookie no longer speaks for the account.
    const stale = await LiveClient.open(server.url, cookie).catch((e: { status: number; body: unknown }) => e);
    expect(stale).toMatchObject({ status: 401, body: { error: { code: "unauthorized" } } });
  });

  it("refuses a second concurrent call on the same conversation, and someone else's conversation, revealing nothing", async () => {
    const { server, cookie, call } = await startedCall();
    const sessionId = await call.start();
    const second = await LiveClient.open(server.url, cookie);
    second.send({ type: "start", sample_rate: 16000, session_id: sessionId });
    await expectErrorAndClose(second, "call_in_progress");
    const stranger = await LiveClient.open(server.url, await identityCookie(server.url));
    stranger.send({ type: "start", sample_rate: 16000, session_id: sessionId });
    const refused = await stranger.next("error");
    expect(refused).toMatchObject({ code: "not_found", message: "Session not found" });
    await stranger.waitClosed();
    // The first call is untouched; once it ends, the conversation can be called again.
    expect(call.closed).toBeNull();
    call.send({ type: "stop" });
    await call.waitClosed();
    const again = await LiveClient.open(server.url, cookie);
    expect(await again.start({ session_id: sessionId })).toBe(sessionId);
    again.close();
  });

  it("ends an idle call with an error event and a clean close", async () => {
    const { call } = await startedCall({ VOICE_LIVE_IDLE_SECONDS: "5" });
    await call.start();
    await expectErrorAndClose(call, "idle", 1000);
  });

  it("answers a plain GET with 426 and how to connect", async () => {
    const server = await startRose(env());
    const response = await fetch(`${server.url}/api/v1/voice/live`);
    expect(response.status).toBe(426);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("upgrade_required");
  });

  it("answers a WebSocket upgrade anywhere else with a JSON 404", async () => {
    const server = await startRose(env());
    const cookie = await identityCookie(server.url);
    const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/api/v1/voice/elsewhere`, { headers: { cookie } });
    const refused = await new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      ws.once("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode, body }));
      });
      ws.once("open", () => reject(new Error("the upgrade was accepted")));
      ws.once("error", () => {});
    });
    expect(refused.status).toBe(404);
    expect((JSON.parse(refused.body) as { error: { code: string; request_id: string } }).error).toMatchObject({
      code: "not_found",
      request_id: expect.any(String),
    });
  });
});

describe("live voice with several instances sharing PostgreSQL", () => {
  const database = useTemporaryDatabase("rose_live");

  it("holds one call per conversation across instances, and frees it when the call ends", async () => {
    // One database and one signing secret: the instances behind one load balancer.
    const shared = { DATABASE_URL: database.url, JWT_SECRET: randomBytes(32).toString("hex") };
    const first = await startRose(env(shared));
    const second = await startRose(env(shared));
    const cookie = await identityCookie(first.url);
    const call = await LiveClient.open(first.url, cookie);
    const sessionId = await call.start();

    // The same person's other device reaches the other instance: refused while the first call lasts.
    const elsewhere = await LiveClient.open(second.url, cookie);
    elsewhere.send({ type: "start", sample_rate: 16000, session_id: sessionId });
    const refused = await elsewhere.next("error");
    expect(refused.code).toBe("call_in_progress");
    expect((await elsewhere.waitClosed()).code).toBe(1008);
    expect(call.closed).toBeNull();

    // A new conversation is free on either instance; the first one is free again once its call ends.
    const other = await LiveClient.open(second.url, cookie);
    const otherSession = await other.start();
    expect(otherSession).not.toBe(sessionId);
    other.close();
    call.send({ type: "stop" });
    await call.waitClosed();
    // The lease goes back as the first call's socket closes: the other instance takes the conversation (asked again until it has).
    const answerTo = async (client: LiveClient) => {
      await expect.poll(() => client.events.find((e) => e.type === "ready" || e.type === "error")?.type).toBeDefined();
      return client.events.find((e) => e.type === "ready" || e.type === "error")!;
    };
    await expect
      .poll(async () => {
        const again = await LiveClient.open(second.url, cookie);
        again.send({ type: "start", sample_rate: 16000, session_id: sessionId });
        const answer = await answerTo(again);
        again.close();
        return answer.type === "ready" ? answer.session_id : answer.code;
      })
      .toBe(sessionId);
  });
});
