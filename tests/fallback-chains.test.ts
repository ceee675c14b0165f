import { beforeEach, describe, expect, it, vi } from "vitest";
import { APOLOGY_REPLY } from "../src/modules/character/prompts.js";
import { isWav, spokenWav, voiceForm } from "./helpers/audio.js";
import { HEALTHY_ANSWER_MS, type RunningRose } from "./helpers/rose-server.js";
import { useSimulatedRose } from "./helpers/simulated-rose.js";

/**
 * Providers standing in for each other, against the simulator playing several providers at once
 * (Groq under /openai/v1, OpenAI under /v1, ElevenLabs under /v1/text-to-speech): a primary that
 * fails, hangs or has its breaker open hands the call to the next one, and traffic returns to the
 * primary once its breaker half-opens and a trial succeeds. Health says who is serving and why.
 */

const suite = useSimulatedRose();

/** Room for a loaded CI machine to see an open breaker (and make a call through the fallback) before it half-opens. */
const RESET_MS = 2_500;
const breakerEnv = {
  PROVIDER_RETRIES: "0",
  BREAKER_MIN_CALLS: "3",
  BREAKER_ERROR_PERCENT: "50",
  BREAKER_RESET_MS: String(RESET_MS),
  RATE_LIMIT_PER_MINUTE: "0",
};

/** Groq first, then the OpenAI-compatible server, each with its own model names. */
const chatChainEnv = (extra: Record<string, string> = {}) => ({
  GROQ_API_KEY: "groq-key",
  GROQ_BASE_URL: suite.sim.groqBaseUrl,
  OPENAI_API_KEY: "openai-key",
  OPENAI_BASE_URL: suite.sim.openaiBaseUrl,
  LLM_PROVIDERS: "groq,openai",
  GROQ_CHAT_MODEL: "groq-chat",
  GROQ_SMALL_MODEL: "groq-small",
  OPENAI_CHAT_MODEL: "openai-chat",
  OPENAI_SMALL_MODEL: "openai-small",
  TTS_PROVIDER: "none",
  ...breakerEnv,
  ...extra,
});

const rose = (env: Record<string, string>): Promise<RunningRose> => suite.rose(env);

const chatCalls = (model: string) => suite.sim.requests({ endpoint: "chat" }).filter((r) => r.model === model);
const waitForReset = () => new Promise((r) => setTimeout(r, RESET_MS + 200));

describe("chat model: Groq, then an OpenAI-compatible server", () => {
  it("serves from Groq while it is well, and health says so", async () => {
    const { client } = await rose(chatChainEnv());
    suite.sim.script({ match: { model: "groq-chat" }, reply: { content: "Hello from Groq." } });
    const { body } = await client.json("POST", "/api/v1/chat", { message: "Hi" });
    expect(body).toMatchObject({ reply: "Hello from Groq.", fallback: false });
    expect(chatCalls("openai-chat")).toHaveLength(0);
    const health = await client.json("GET", "/api/v1/health");
    expect(health.body.services.llm).toMatchObject({
      status: "ok",
      provider: "groq",
      model: "groq-chat",
      breaker: "closed",
      serving: "groq",
      fallbacks: [{ provider: "openai", model: "openai-chat", status: "ok", breaker: "closed" }],
    });
    expect(health.body.services.llm.reason).toBeUndefined();
  });

  it("when Groq answers 5xx, OpenAI answers instead and the person never notices", async () => {
    const { client } = await rose(chatChainEnv());
    suite.sim.script({ match: { model: "groq-chat" }, fail: { status: 503 } });
    suite.sim.script({ match: { model: "openai-chat" }, reply: { content: "Hello from the fallback." } });
    const { body } = await client.json("POST", "/api/v1/chat", { message: "Hi" });
    expect(body).toMatchObject({ reply: "Hello from the fallback.", fallback: false });
    expect(chatCalls("groq-chat").map((r) => r.status)).toEqual([503]);
    expect(chatCalls("openai-chat").map((r) => r.status)).toEqual([200]);
    const health = await client.json("GET", "/api/v1/health");
    expect(health.body.services.llm).toMatchObject({ status: "degraded", provider: "groq", serving: "openai", reason: "groq failed: server (HTTP 503)" });
  });

  it("when Groq hangs, its timeout cuts it off and OpenAI answers, without waiting for Groq a second time", async () => {
    const { client } = await rose(chatChainEnv({ LLM_TIMEOUT_MS: HEALTHY_ANSWER_MS, PROVIDER_RETRIES: "2" }));
    suite.sim.script({ match: { model: "groq-chat" }, fail: { hang: true } });
    suite.sim.script({ match: { model: "openai-chat" }, reply: { content: "Sorry for the wait." } });
    const { body } = await client.json("POST", "/api/v1/chat", { message: "Hi" });
    expect(body).toMatchObject({ reply: "Sorry for the wait.", fallback: false });
    expect(chatCalls("groq-chat")).toHaveLength(1); // a hung provider is not retried while another can take over
    // The simulator notes the abort when the socket closes, which may come just after the answer.
    await vi.waitFor(() => expect(chatCalls("groq-chat")[0]).toMatchObject({ failure: "hang", aborted: true }), { timeout: 10_000 });
    expect((await client.json("GET", "/api/v1/health")).body.services.llm).toMatchObject({ serving: "openai", reason: "groq failed: timeout" });
  });

  it("skips Groq while its breaker is open, and returns to it once it recovers", async () => {
    const { client, rose: service } = await rose(chatChainEnv());
    suite.sim.script({ match: { model: "groq-chat" }, fail: { status: 500 } });
    suite.sim.script({ match: { model: "openai-chat" }, reply: { content: "OpenAI here." } });
    for (let i = 0; i < 3; i++) {
      const { body } = await client.json("POST", "/api/v1/chat", { message: `Hello? (${i})` });
      expect(body).toMatchObject({ reply: "OpenAI here.", fallback: false });
    }
    expect(service.guards["chat:groq"]!.state).toBe("open");
    expect(service.guards["chat:openai"]!.state).toBe("closed");

    const groqCallsWhenOpened = chatCalls("groq-chat").length;
    const { body } = await client.json("POST", "/api/v1/chat", { message: "Still there?" });
    expect(body).toMatchObject({ reply: "OpenAI here.", fallback: false });
    expect(chatCalls("groq-chat")).toHaveLength(groqCallsWhenOpened); // the open breaker did not even try Groq
    const health = await client.json("GET", "/api/v1/health");
    expect(health.body.services.llm).toMatchObject({ status: "degraded", provider: "groq", breaker: "open", serving: "openai", reason: "groq circuit open" });

    suite.sim.reset(); // Groq recovers
    suite.sim.script({ match: { model: "groq-chat" }, reply: { content: "Groq is back." } });
    await waitForReset();
    expect(service.guards["chat:groq"]!.state).toBe("half_open");
    expect((await client.json("GET", "/api/v1/health")).body.services.llm).toMatchObject({
      serving: "openai",
      reason: "groq circuit half-open: the next call tries it again",
    });
    const recovered = await client.json("POST", "/api/v1/chat", { message: "Better now?" });
    expect(recovered.body).toMatchObject({ reply: "Groq is back.", fallback: false });
    expect(service.guards["chat:groq"]!.state).toBe("closed");
    const after = await client.json("GET", "/api/v1/health");
    expect(after.body.services.llm).toMatchObject({ status: "ok", serving: "groq", breaker: "closed" });
    expect(after.body.services.llm.reason).toBeUndefined();
  });

  it("never switches once tokens reached the person: the reply ends with the apology, nothing is said twice", async () => {
    const { client } = await rose(chatChainEnv());
    suite.sim.script({
      match: { model: "groq-chat" },
      fail: { dropMidStream: true },
      reply: { content: "This reply breaks off somewhere in the middle of its words." },
    });
    const { events } = await client.stream("/api/v1/chat/stream", { message: "Tell me something." });
    const done = events.find((e) => e.event === "done")!;
    expect(done.data).toMatchObject({ reply: APOLOGY_REPLY, fallback: true });
    expect(events.filter((e) => e.event === "token").length).toBeGreaterThan(1); // Groq's first tokens, then the apology
    expect(chatCalls("openai-chat")).toHaveLength(0);
  });

  it("apologises in character when every provider fails, and health says nobody is serving", async () => {
    const { client } = await rose(chatChainEnv());
    suite.sim.script({ match: { endpoint: "chat" }, fail: { status: 500 } });
    const { body } = await client.json("POST", "/api/v1/chat", { message: "Anyone?" });
    expect(body).toMatchObject({ reply: APOLOGY_REPLY, fallback: true });
    expect(chatCalls("groq-chat")).toHaveLength(1);
    expect(chatCalls("openai-chat")).toHaveLength(1);
    const health = await client.json("GET", "/api/v1/health");
    expect(health.body.services.llm).toMatchObject({
      serving: null,
      reason: "no provider is available: groq failed: server (HTTP 500); openai failed: server (HTTP 500)",
    });
  });

  it("the small model follows the same chain (memory analysis on OpenAI while Groq is down)", async () => {
    const { client } = await rose(chatChainEnv());
    suite.sim.script({ match: { provider: "groq" }, fail: { status: 502 } });
    suite.sim.script({ match: { model: "openai-chat" }, reply: { content: "Pottery! How lovely." } });
    suite.sim.script({
      match: { model: "openai-small", structured: "memory_analysis" },
      reply: { structured: { action: "add", memory: "The user takes pottery classes.", type: "fact", importance: 0.6, replaces_id: "" } },
    });
    const { body } = await client.json("POST", "/api/v1/chat", { message: "I started pottery classes." });
    expect(body).toMatchObject({ reply: "Pottery! How lovely.", fallback: false });
    await client.json("GET", `/api/v1/sessions/${body.session_id}/messages`); // the turn (and its memory step) finished
    const memories = await client.json("GET", "/api/v1/memories");
    expect(memories.body.memories.map((m: { text: string }) => m.text)).toEqual(["The user takes pottery classes."]);
    // The small model also reads the person's feeling each turn (perception): count the memory analysis only.
    const analysis = (model: string) => chatCalls(model).filter((r) => r.structured === "memory_analysis");
    expect(analysis("groq-small").map((r) => r.status)).toEqual([502]);
    expect(analysis("openai-small").map((r) => r.status)).toEqual([200]);
  });

  it("is ready while Groq is unreachable but OpenAI answers; health shows the chain", async () => {
    const { client } = await rose(chatChainEnv({ GROQ_BASE_URL: "http://127.0.0.1:9" }));
    const ready = await client.json("GET", "/api/v1/health/ready");
    expect(ready.status).toBe(200);
    const health = await client.json("GET", "/api/v1/health");
    expect(health.body.services.llm).toMatchObject({
      status: "degraded",
      provider: "groq",
      detail: "unreachable or refused",
      fallbacks: [{ provider: "openai", status: "ok" }],
    });
  });
});

describe("speech synthesis: ElevenLabs, then espeak-ng, so Rose is never silent", () => {
  const recording = spokenWav("Hello Rose.");
  /** Chat and recognition on the OpenAI-compatible simulator; the voice is ElevenLabs, espeak-ng behind it by default. */
  const ttsEnv = (extra: Record<string, string> = {}) => ({
    OPENAI_BASE_URL: suite.sim.openaiBaseUrl,
    OPENAI_API_KEY: "openai-key",
    CHAT_MODEL: "sim-chat",
    SMALL_MODEL: "sim-small",
    ELEVENLABS_API_KEY: "eleven-key",
    ELEVENLABS_BASE_URL: suite.sim.elevenlabsBaseUrl,
    ...breakerEnv,
    ...extra,
  });
  const speechCalls = () => suite.sim.requests({ endpoint: "speech", provider: "elevenlabs" });
  const speak = (client: RunningRose["client"]) => client.json("POST", "/api/v1/voice/process", voiceForm(recording, "clip.wav"));

  beforeEach(() => suite.sim.script({ match: { model: "sim-chat" }, reply: { content: "I am right here with you." } }));

  it("speaks with ElevenLabs while it is well; health lists espeak-ng behind it", async () => {
    const { client } = await rose(ttsEnv());
    const { body } = await speak(client);
    expect(body).toMatchObject({ tts_failed: false, audio_url: expect.stringMatching(/\.mp3$/) });
    const health = await client.json("GET", "/api/v1/health");
    expect(health.body.services.tts).toMatchObject({
      status: "ok",
      provider: "elevenlabs",
      serving: "elevenlabs",
      fallbacks: [{ provider: "espeak", model: "espeak-ng", status: "ok", breaker: "closed" }],
    });
  });

  it("when ElevenLabs answers 5xx, espeak-ng speaks instead", async () => {
    const { client } = await rose(ttsEnv());
    suite.sim.script({ match: { endpoint: "speech" }, fail: { status: 500 } });
    const { status, body } = await speak(client);
    expect(status).toBe(200);
    expect(body).toMatchObject({ text: "I am right here with you.", tts_failed: false, audio_url: expect.stringMatching(/\.wav$/) });
    const audio = await client.request("GET", body.audio_url);
    expect(isWav(Buffer.from(await audio.arrayBuffer()))).toBe(true);
    expect(speechCalls().map((r) => r.status)).toEqual([500]);
    expect((await client.json("GET", "/api/v1/health")).body.services.tts).toMatchObject({
      status: "degraded",
      serving: "espeak",
      reason: "elevenlabs failed: server (HTTP 500)",
    });
  });

  it("when ElevenLabs hangs, TTS_TIMEOUT_MS cuts it off and espeak-ng speaks", async () => {
    const { client } = await rose(ttsEnv({ TTS_TIMEOUT_MS: HEALTHY_ANSWER_MS, PROVIDER_RETRIES: "2" }));
    suite.sim.script({ match: { endpoint: "speech" }, fail: { hang: true } });
    const { body } = await speak(client);
    expect(body).toMatchObject({ tts_failed: false, audio_url: expect.stringMatching(/\.wav$/) });
    expect(speechCalls()).toHaveLength(1);
    // The simulator notes the abort when the socket closes, which may come just after the answer.
    await vi.waitFor(() => expect(speechCalls()[0]).toMatchObject({ failure: "hang", aborted: true }), { timeout: 10_000 });
  });

  it("skips ElevenLabs while its breaker is open, and returns to it once it recovers", async () => {
    const { client, rose: service } = await rose(ttsEnv());
    suite.sim.script({ match: { endpoint: "speech" }, fail: { status: 503 } });
    for (let i = 0; i < 3; i++) expect((await speak(client)).body.audio_url).toMatch(/\.wav$/);
    expect(service.guards["tts:elevenlabs"]!.state).toBe("open");
    const callsWhenOpened = speechCalls().length;
    expect((await speak(client)).body.audio_url).toMatch(/\.wav$/);
    expect(speechCalls()).toHaveLength(callsWhenOpened);
    expect((await client.json("GET", "/api/v1/health")).body.services.tts).toMatchObject({
      status: "degraded",
      breaker: "open",
      serving: "espeak",
      reason: "elevenlabs circuit open",
    });

    suite.sim.reset(); // ElevenLabs recovers
    suite.sim.script({ match: { model: "sim-chat" }, reply: { content: "Back to my usual voice." } });
    await waitForReset();
    expect(service.guards["tts:elevenlabs"]!.state).toBe("half_open");
    expect((await speak(client)).body.audio_url).toMatch(/\.mp3$/);
    expect(service.guards["tts:elevenlabs"]!.state).toBe("closed");
    const health = await client.json("GET", "/api/v1/health");
    expect(health.body.services.tts).toMatchObject({ status: "ok", serving: "elevenlabs", breaker: "closed" });
  });

  it("a streamed voice reply is spoken sentence by sentence by espeak-ng while ElevenLabs is down", async () => {
    const { client } = await rose(ttsEnv());
    suite.sim.reset();
    suite.sim.script({ match: { endpoint: "speech" }, fail: { status: 502 } });
    suite.sim.script({ match: { model: "sim-chat" }, reply: { content: "Hello there. How are you today?" } });
    const { events } = await client.stream("/api/v1/voice/stream", voiceForm(recording, "clip.wav"));
    const audio = events.filter((e) => e.event === "audio").map((e) => e.data as { mime: string; data: string });
    expect(audio).toHaveLength(2);
    expect(audio.every((a) => a.mime === "audio/wav" && isWav(Buffer.from(a.data, "base64")))).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: "done", data: { tts_failed: false, audio_url: expect.stringMatching(/\.wav$/) } });
  });

  it("TTS_PROVIDERS names the whole chain: without espeak-ng the reply is words only when ElevenLabs fails", async () => {
    const { client } = await rose(ttsEnv({ TTS_PROVIDERS: "elevenlabs" }));
    suite.sim.script({ match: { endpoint: "speech" }, fail: { status: 500 } });
    expect((await speak(client)).body).toMatchObject({ tts_failed: true, audio_url: null });
    const health = await client.json("GET", "/api/v1/health");
    expect(health.body.services.tts.fallbacks).toBeUndefined();
  });
});

describe("speech recognition: Groq Whisper, then an OpenAI-compatible recogniser", () => {
  const recording = spokenWav("Hello Rose.");
  /** Both recognisers configured: without STT_PROVIDER(S) both serve, Groq first. The chat model is OpenAI's. */
  const sttEnv = (extra: Record<string, string> = {}) => ({
    GROQ_API_KEY: "groq-key",
    GROQ_BASE_URL: suite.sim.groqBaseUrl,
    OPENAI_API_KEY: "openai-key",
    OPENAI_BASE_URL: suite.sim.openaiBaseUrl,
    LLM_PROVIDER: "openai",
    CHAT_MODEL: "sim-chat",
    SMALL_MODEL: "sim-small",
    TTS_PROVIDER: "none",
    ...breakerEnv,
    ...extra,
  });
  const transcriptions = (provider: "groq" | "openai") => suite.sim.requests({ endpoint: "transcription", provider });
  const talk = (client: RunningRose["client"]) => client.json("POST", "/api/v1/voice/process", voiceForm(recording, "clip.wav"));

  beforeEach(() => {
    suite.sim.script({ match: { model: "sim-chat" }, reply: { content: "I heard you." } });
    suite.sim.script({ match: { endpoint: "transcription", provider: "openai" }, reply: { transcript: "Heard by OpenAI." } });
    suite.sim.script({ match: { endpoint: "transcription", provider: "groq" }, reply: { transcript: "Heard by Groq." } });
  });

  it("both serve when both are configured: Groq first, health lists the OpenAI recogniser behind it", async () => {
    const { client } = await rose(sttEnv());
    expect((await talk(client)).body).toMatchObject({ transcript: "Heard by Groq." });
    expect(transcriptions("openai")).toHaveLength(0);
    const health = await client.json("GET", "/api/v1/health");
    expect(health.body.services.stt).toMatchObject({
      status: "ok",
      provider: "groq",
      model: "whisper-large-v3-turbo",
      serving: "groq",
      fallbacks: [{ provider: "openai", model: "whisper-1", status: "ok" }],
    });
  });

  it("when Groq answers 5xx, the OpenAI recogniser transcribes instead", async () => {
    const { client } = await rose(sttEnv());
    suite.sim.script({ match: { endpoint: "transcription", provider: "groq" }, fail: { status: 500 } });
    const { status, body } = await talk(client);
    expect(status).toBe(200);
    expect(body).toMatchObject({ transcript: "Heard by OpenAI.", text: "I heard you." });
    expect(transcriptions("groq").map((r) => r.status)).toEqual([500]);
    expect((await client.json("GET", "/api/v1/health")).body.services.stt).toMatchObject({
      status: "degraded",
      serving: "openai",
      reason: "groq failed: server (HTTP 500)",
    });
  });

  it("when Groq hangs, STT_TIMEOUT_MS cuts it off and the OpenAI recogniser transcribes", async () => {
    const { client } = await rose(sttEnv({ STT_TIMEOUT_MS: HEALTHY_ANSWER_MS, PROVIDER_RETRIES: "2" }));
    suite.sim.script({ match: { endpoint: "transcription", provider: "groq" }, fail: { hang: true } });
    expect((await talk(client)).body).toMatchObject({ transcript: "Heard by OpenAI." });
    expect(transcriptions("groq")).toHaveLength(1);
    // The simulator notes the abort when the socket closes, which may come just after the answer.
    await vi.waitFor(() => expect(transcriptions("groq")[0]).toMatchObject({ failure: "hang", aborted: true }), { timeout: 10_000 });
  });

  it("skips Groq while its breaker is open, and returns to it once it recovers", async () => {
    const { client, rose: service } = await rose(sttEnv());
    suite.sim.script({ match: { endpoint: "transcription", provider: "groq" }, fail: { status: 503 } });
    for (let i = 0; i < 3; i++) expect((await talk(client)).body.transcript).toBe("Heard by OpenAI.");
    expect(service.guards["stt:groq"]!.state).toBe("open");
    const callsWhenOpened = transcriptions("groq").length;
    expect((await talk(client)).body.transcript).toBe("Heard by OpenAI.");
    expect(transcriptions("groq")).toHaveLength(callsWhenOpened);
    expect((await client.json("GET", "/api/v1/health")).body.services.stt).toMatchObject({ breaker: "open", serving: "openai", reason: "groq circuit open" });

    suite.sim.reset(); // Groq recovers
    suite.sim.script({ match: { model: "sim-chat" }, reply: { content: "I heard you." } });
    suite.sim.script({ match: { endpoint: "transcription", provider: "groq" }, reply: { transcript: "Groq again." } });
    await waitForReset();
    expect((await talk(client)).body.transcript).toBe("Groq again.");
    expect(service.guards["stt:groq"]!.state).toBe("closed");
    expect((await client.json("GET", "/api/v1/health")).body.services.stt).toMatchObject({ status: "ok", serving: "groq" });
  });

  it("does not hand a recording Groq could not read to the next recogniser: 422, record again", async () => {
    const { client } = await rose(sttEnv());
    suite.sim.script({
      match: { endpoint: "transcription", provider: "groq" },
      fail: { status: 400, message: "could not process file - is it a valid media file?" },
    });
    const { status, body } = await talk(client);
    expect(status).toBe(422);
    expect(body.error).toMatchObject({ code: "audio_unreadable" });
    expect(transcriptions("openai")).toHaveLength(0);
    expect((await client.json("GET", "/api/v1/health")).body.services.stt).toMatchObject({ serving: "groq" }); // Groq is fine: the audio was not
  });

  it("STT_PROVIDER names one recogniser: nobody stands in for it", async () => {
    const { client } = await rose(sttEnv({ STT_PROVIDER: "groq" }));
    suite.sim.script({ match: { endpoint: "transcription", provider: "groq" }, fail: { status: 500 } });
    const { status, body } = await talk(client);
    expect(status).toBe(503);
    expect(body.error.code).toBe("stt_unavailable");
    expect(transcriptions("openai")).toHaveLength(0);
  });
});
