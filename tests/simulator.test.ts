import { ElevenLabsClient, ElevenLabsError } from "@elevenlabs/elevenlabs-js";
import type { AIMessageChunk } from "@langchain/core/messages";
import { ChatGroq } from "@langchain/groq";
import { ChatOpenAI } from "@langchain/openai";
import Groq from "groq-sdk";
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { detectAudioFormat, parseMp3, speechDurationMs, toneWav, wavDurationMs } from "./simulator/audio.js";
import { type Simulator, startSimulator } from "./simulator/server.js";

/**
 * The provider simulator, exercised only through the real SDK clients Rose uses, so a passing test
 * means those clients accept the simulator's wire format.
 */

const KEY = "sim-key";
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

const openaiChat = (fields: Partial<ConstructorParameters<typeof ChatOpenAI>[0] & object> = {}) =>
  new ChatOpenAI({ model: "gpt-4o-mini", apiKey: KEY, configuration: { baseURL: sim.openaiBaseUrl }, maxRetries: 0, ...fields });
const groqChat = (model = "llama-3.1-8b-instant") => new ChatGroq({ model, apiKey: KEY, baseUrl: sim.groqBaseUrl, maxRetries: 0 });
const openaiSdk = (options: { timeout?: number; maxRetries?: number } = {}) =>
  new OpenAI({ apiKey: KEY, baseURL: sim.openaiBaseUrl, maxRetries: 0, ...options });
const elevenlabs = () => new ElevenLabsClient({ apiKey: KEY, baseUrl: sim.elevenlabsBaseUrl, maxRetries: 0 });

async function readAll(stream: ReadableStream<Uint8Array>, arrivals: number[] = []): Promise<Buffer> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    arrivals.push(performance.now());
    chunks.push(value);
  }
}

const MoodReport = z.object({
  mood: z.enum(["calm", "happy", "sad"]),
  intensity: z.number().int().min(1).max(5),
  tags: z.array(z.string()),
  note: z.string().nullable(),
  urgent: z.boolean(),
  contact: z.object({ email: z.email() }),
});
const SYNTHESISED = { mood: "calm", intensity: 1, tags: [], note: "", urgent: false, contact: { email: "user@example.com" } };
const SCRIPTED = { mood: "happy", intensity: 4, tags: ["sun"], note: null, urgent: true, contact: { email: "rose@example.com" } };

describe("chat completions", () => {
  it("answers ChatOpenAI with a default reply that echoes the user, and records the request", async () => {
    const reply = await openaiChat().invoke([
      ["system", "You are Rose."],
      ["user", "How are you today?"],
    ]);
    expect(reply.content).toBe('I hear you. You said: "How are you today?".');
    expect(reply.usage_metadata?.total_tokens).toBeGreaterThan(0);

    const [request] = sim.requests({ endpoint: "chat" });
    expect(request).toMatchObject({
      provider: "openai",
      method: "POST",
      path: "/v1/chat/completions",
      model: "gpt-4o-mini",
      stream: false,
      status: 200,
      messages: [
        { role: "system", content: "You are Rose." },
        { role: "user", content: "How are you today?" },
      ],
    });
    expect(request!.structured).toBeUndefined();
  });

  it("serves ChatGroq under /openai/v1 with scripted replies matched on the user and system text", async () => {
    sim.script({ match: { provider: "groq", lastUser: "weather", system: "rose" }, reply: { content: "Sunny all day." } });
    const reply = await groqChat().invoke([
      ["system", "You are ROSE."],
      ["user", "What's the WEATHER like?"],
    ]);
    expect(reply.content).toBe("Sunny all day.");
    expect(sim.requests({ provider: "groq" })[0]).toMatchObject({ path: "/openai/v1/chat/completions", model: "llama-3.1-8b-instant", status: 200 });
  });

  it.each([
    ["ChatOpenAI", () => openaiChat()],
    ["ChatGroq", () => groqChat()],
  ])("streams token by token to %s, with usage at the end", async (name, make) => {
    sim.script({ reply: { content: "one two three four" } });
    const texts: string[] = [];
    let full: AIMessageChunk | undefined;
    for await (const chunk of await make().stream("count")) {
      if (chunk.text) texts.push(chunk.text);
      full = full ? full.concat(chunk) : chunk;
    }
    expect(texts).toEqual(["one", " two", " three", " four"]);
    expect(full?.text).toBe("one two three four");
    // ChatGroq's .stream() leaves usage_metadata empty and exposes Groq's x_groq.usage as response_metadata.usage.
    const usage = name === "ChatGroq" ? full?.response_metadata.usage : full?.usage_metadata;
    expect(usage).toMatchObject({ output_tokens: 4 });
    expect(sim.requests()[0]).toMatchObject({ stream: true, status: 200 });
  });

  it.each(["functionCalling", "jsonSchema"] as const)("synthesises a schema-valid object for ChatOpenAI withStructuredOutput (%s)", async (method) => {
    const result = await openaiChat().withStructuredOutput(MoodReport, { name: "mood_report", method }).invoke("How do I feel?");
    expect(result).toEqual(SYNTHESISED);
    const [request] = sim.requests();
    expect(request!.structured).toBe("mood_report");
    const body = request!.body as Record<string, unknown>;
    expect(method === "functionCalling" ? body.tools : body.response_format).toBeDefined();
  });

  it.each(["functionCalling", "jsonSchema"] as const)("sends a scripted structured reply to ChatOpenAI withStructuredOutput (%s)", async (method) => {
    sim.script({ match: { structured: "mood_report" }, reply: { structured: SCRIPTED } });
    const result = await openaiChat().withStructuredOutput(MoodReport, { name: "mood_report", method }).invoke("How do I feel?");
    expect(result).toEqual(SCRIPTED);
  });

  it.each([
    ["llama-3.1-8b-instant", "functionCalling"],
    ["openai/gpt-oss-120b", "jsonSchema"],
  ] as const)("answers ChatGroq withStructuredOutput on %s (%s)", async (model, method) => {
    sim.script({ match: { structured: "*" }, reply: { structured: SCRIPTED } });
    const result = await groqChat(model).withStructuredOutput(MoodReport, { name: "mood_report", method }).invoke("How do I feel?");
    expect(result).toEqual(SCRIPTED);
    expect(sim.requests()[0]!.structured).toBe("mood_report");
  });

  it("streams tool-call argument deltas that reassemble into the scripted object", async () => {
    sim.script({ match: { structured: "mood_report" }, reply: { structured: SCRIPTED } });
    const tool = { type: "function" as const, function: { name: "mood_report", description: "report", parameters: z.toJSONSchema(MoodReport) } };
    const model = openaiChat().bindTools([tool], { tool_choice: "mood_report" });
    let full: AIMessageChunk | undefined;
    let deltas = 0;
    for await (const chunk of await model.stream("How do I feel?")) {
      deltas += chunk.tool_call_chunks?.length ?? 0;
      full = full ? full.concat(chunk) : chunk;
    }
    expect(deltas).toBeGreaterThan(3);
    expect(full?.tool_calls?.[0]).toMatchObject({ name: "mood_report", args: SCRIPTED });
    expect(full?.response_metadata.finish_reason).toBe("tool_calls");
  });

  it("matches rules on model, any message, and structured none / '*'", async () => {
    sim.script({ match: { structured: "none" }, reply: { content: "plain" } });
    sim.script({ match: { structured: "*" }, reply: { structured: SCRIPTED } });
    sim.script({ match: { model: /nano$/, anyMessage: "remember" }, reply: { content: "nano remembers" } });

    expect((await openaiChat().invoke("hi")).content).toBe("plain");
    expect(await openaiChat().withStructuredOutput(MoodReport, { name: "x", method: "functionCalling" }).invoke("hi")).toEqual(SCRIPTED);
    const nano = openaiChat({ model: "gpt-4.1-nano" });
    expect(
      (
        await nano.invoke([
          ["system", "Remember the user."],
          ["user", "hi"],
        ])
      ).content,
    ).toBe("nano remembers");
    expect((await nano.invoke("hi")).content).toBe("plain");
  });
});

describe("rule book", () => {
  it("prefers the newest rule and retires rules after `times` uses", async () => {
    sim.script({ reply: { content: "old" } });
    sim.script({ reply: { content: "new" }, times: 2 });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await openaiChat().invoke("hi")).content);
    expect(answers).toEqual(["new", "new", "old"]);
  });

  it("applies a rule only with its probability", async () => {
    sim.script({ reply: { content: "always" }, probability: 1 });
    sim.script({ reply: { content: "never" }, probability: 0 });
    expect((await openaiChat().invoke("hi")).content).toBe("always");
  });

  it("rejects malformed rules", () => {
    expect(() => sim.script({ match: { lastUser: "(" } })).toThrow(/lastUser/);
    expect(() => sim.script({ match: { lastuser: "x" } } as never)).toThrow(/invalid simulator rule/);
    expect(() => sim.script({ probability: 2 })).toThrow(/probability/);
  });

  it("is scriptable over HTTP with regexes as strings", async () => {
    const post = await fetch(`${sim.url}/__sim/rules`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ match: { lastUser: "/^ping$/i", model: "/^gpt-/" }, reply: { content: "pong" } }),
    });
    expect(post.status).toBe(201);
    expect((await openaiChat().invoke("PING")).content).toBe("pong");
    expect((await openaiChat().invoke("ping pong")).content).toContain("I hear you");

    const bad = await fetch(`${sim.url}/__sim/rules`, { method: "POST", body: JSON.stringify({ match: { model: "/(/" } }) });
    expect(bad.status).toBe(400);

    const logged = (await (await fetch(`${sim.url}/__sim/requests?endpoint=chat`)).json()) as Array<{ path: string }>;
    expect(logged).toHaveLength(2);
    expect((await fetch(`${sim.url}/__sim/rules`, { method: "DELETE" })).status).toBe(200);
    expect(sim.requests()).toHaveLength(0);
    expect((await openaiChat().invoke("PING")).content).toContain("I hear you");
  });
});

describe("embeddings", () => {
  it("returns deterministic unit vectors, in the SDK's default base64 encoding and as floats", async () => {
    const client = openaiSdk();
    const a = await client.embeddings.create({ model: "text-embedding-3-small", input: ["I like tea", "I like coffee"] });
    const again = await client.embeddings.create({ model: "text-embedding-3-small", input: "I like tea", encoding_format: "float" });
    const small = await client.embeddings.create({ model: "text-embedding-3-small", input: "I like tea", dimensions: 64, encoding_format: "float" });

    const [tea, coffee] = a.data.map((d) => d.embedding);
    expect(tea).toHaveLength(384);
    expect(Math.hypot(...tea!)).toBeCloseTo(1, 5);
    expect(again.data[0]!.embedding).toEqual(tea);
    expect(coffee).not.toEqual(tea);
    expect(small.data[0]!.embedding).toHaveLength(64);
    expect(a.usage.prompt_tokens).toBeGreaterThan(0);
    expect(sim.requests({ endpoint: "embeddings" })).toHaveLength(3);
  });
});

describe("transcription", () => {
  it("transcribes a real WAV through the OpenAI SDK and records what it received", async () => {
    const wav = toneWav(1500);
    const result = await openaiSdk().audio.transcriptions.create({ file: await toFile(wav, "hello.wav"), model: "whisper-1", language: "en" });
    expect(result.text).toBe("Hello Rose.");
    expect(sim.requests({ endpoint: "transcription" })[0]).toMatchObject({
      provider: "openai",
      model: "whisper-1",
      status: 200,
      body: { model: "whisper-1", language: "en", file: { size: wav.length, format: "wav", durationMs: 1500, filename: "hello.wav" } },
    });
  });

  it("serves Groq with scripted transcripts, in text and verbose_json formats", async () => {
    sim.script({ match: { endpoint: "transcription" }, reply: { transcript: "Good morning." } });
    const groq = new Groq({ apiKey: KEY, baseURL: sim.groqBaseUrl, maxRetries: 0 });
    const file = await toFile(toneWav(800), "clip.wav");
    const text = await groq.audio.transcriptions.create({ file, model: "whisper-large-v3-turbo", response_format: "text" });
    expect((text as unknown as string).trim()).toBe("Good morning."); // response_format "text" answers a plain string
    const verbose = (await openaiSdk().audio.transcriptions.create({
      file: await toFile(toneWav(800), "clip.wav"),
      model: "whisper-1",
      response_format: "verbose_json",
    })) as { text: string; duration: number };
    expect(verbose).toMatchObject({ text: "Good morning.", duration: 0.8 });
    expect(sim.requests({ provider: "groq" })[0]!.path).toBe("/openai/v1/audio/transcriptions");
  });

  it("refuses bytes that are not audio, like the real API", async () => {
    const upload = openaiSdk().audio.transcriptions.create({ file: await toFile(Buffer.from("definitely not audio"), "fake.wav"), model: "whisper-1" });
    await expect(upload).rejects.toMatchObject({ status: 400, message: expect.stringContaining("Invalid file format") });
    const empty = openaiSdk().audio.transcriptions.create({ file: await toFile(Buffer.alloc(0), "empty.wav"), model: "whisper-1" });
    await expect(empty).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    expect(sim.requests().map((r) => r.body)).toMatchObject([{ file: { format: "unknown" } }, { file: { format: "unknown", size: 0 } }]);
  });
});

describe("speech", () => {
  const input = "Hello there, this is Rose.";

  it("returns a valid MPEG-1 Layer III stream by default, as long as the text", async () => {
    const response = await openaiSdk().audio.speech.create({ model: "gpt-4o-mini-tts", voice: "alloy", input });
    const mp3 = Buffer.from(await response.arrayBuffer());
    expect(response.headers.get("content-type")).toBe("audio/mpeg");
    const summary = parseMp3(mp3);
    expect(summary).toMatchObject({ sampleRate: 44_100, bitrateKbps: 128 });
    expect(summary.durationMs).toBeGreaterThanOrEqual(speechDurationMs(input));
    expect(summary.durationMs).toBeLessThan(speechDurationMs(input) + 30);
    expect(sim.requests({ endpoint: "speech" })[0]).toMatchObject({ provider: "openai", text: input, model: "gpt-4o-mini-tts" });
  });

  it("returns WAV and raw PCM when asked", async () => {
    const wav = Buffer.from(await (await openaiSdk().audio.speech.create({ model: "tts-1", voice: "alloy", input, response_format: "wav" })).arrayBuffer());
    expect(detectAudioFormat(wav)).toBe("wav");
    expect(wavDurationMs(wav)).toBe(speechDurationMs(input));
    const pcm = Buffer.from(await (await openaiSdk().audio.speech.create({ model: "tts-1", voice: "alloy", input, response_format: "pcm" })).arrayBuffer());
    expect(pcm.length).toBe((speechDurationMs(input) / 1000) * 24_000 * 2);
  });

  it("speaks ElevenLabs: convert, stream, output formats, voices and user", async () => {
    const client = elevenlabs();
    const mp3 = await readAll(await client.textToSpeech.convert("21m00Tcm4TlvDq8ikWAM", { text: input, modelId: "eleven_flash_v2_5" }));
    expect(parseMp3(mp3).sampleRate).toBe(44_100);

    const low = await readAll(await client.textToSpeech.stream("voice-x", { text: input, outputFormat: "mp3_22050_32" }));
    expect(parseMp3(low)).toMatchObject({ sampleRate: 22_050, bitrateKbps: 32 });

    const pcm = await readAll(await client.textToSpeech.convert("voice-x", { text: input, outputFormat: "pcm_16000" }));
    expect(pcm.length).toBe((speechDurationMs(input) / 1000) * 16_000 * 2);

    expect(sim.requests({ provider: "elevenlabs" }).map((r) => [r.path, r.stream, r.query?.output_format])).toEqual([
      ["/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM", false, undefined],
      ["/v1/text-to-speech/voice-x/stream", true, "mp3_22050_32"],
      ["/v1/text-to-speech/voice-x", false, "pcm_16000"],
    ]);
    expect(sim.requests()[0]).toMatchObject({ model: "eleven_flash_v2_5", text: input });

    // Health probes parse through the SDK's strict response validation.
    expect((await client.user.get()).subscription.tier).toBe("free");
    expect((await client.voices.getAll()).voices.length).toBeGreaterThan(0);
  });

  it("requires xi-api-key on ElevenLabs routes and Bearer auth on OpenAI routes", async () => {
    const tts = await fetch(`${sim.elevenlabsBaseUrl}/v1/text-to-speech/abc`, { method: "POST", body: JSON.stringify({ text: "hi" }) });
    expect(tts.status).toBe(401);
    expect(await tts.json()).toMatchObject({ detail: { status: "invalid_api_key", message: expect.any(String) } });
    const chat = await fetch(`${sim.openaiBaseUrl}/chat/completions`, { method: "POST", body: "{}" });
    expect(chat.status).toBe(401);
    expect(await chat.json()).toMatchObject({ error: { code: "invalid_api_key" } });
  });

  it("lists models for the OpenAI and Groq SDKs", async () => {
    const openaiModels = [];
    for await (const model of openaiSdk().models.list()) openaiModels.push(model.id);
    expect(openaiModels).toContain("gpt-4.1-mini");
    const groqModels = await new Groq({ apiKey: KEY, baseURL: sim.groqBaseUrl }).models.list();
    expect(groqModels.data.map((m) => m.id)).toContain("openai/gpt-oss-120b");
  });
});

describe("latency", () => {
  it("holds the first chat token back by firstTokenMs, then paces tokens by tokensPerSecond", async () => {
    sim.script({ reply: { content: "a b c d e f" }, latency: { firstTokenMs: 150, tokensPerSecond: 40 } });
    const started = performance.now();
    const arrivals: number[] = [];
    for await (const chunk of await openaiChat().stream("go")) if (chunk.text) arrivals.push(performance.now() - started);
    expect(arrivals).toHaveLength(6);
    // Lower bounds only (timers never fire much early); generous slack against timer rounding.
    expect(arrivals[0]).toBeGreaterThanOrEqual(140);
    expect(arrivals[5]! - arrivals[0]!).toBeGreaterThanOrEqual(5 * 25 * 0.8);
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]).toBeGreaterThan(arrivals[i - 1]!);
  });

  it("delays a non-streamed completion and a speech stream's first byte, and spreads totalMs over audio chunks", async () => {
    sim.script({ match: { endpoint: "chat" }, latency: { totalMs: 120 } });
    const t0 = performance.now();
    await openaiChat().invoke("hi");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110);

    sim.script({ match: { endpoint: "speech" }, latency: { firstByteMs: 100, totalMs: 300 } });
    const started = performance.now();
    const arrivals: number[] = [];
    const audio = await readAll(await elevenlabs().textToSpeech.stream("v", { text: "A sentence long enough for several chunks of audio." }), arrivals);
    expect(parseMp3(audio).frames).toBeGreaterThan(0);
    expect(arrivals.length).toBeGreaterThan(2);
    expect(arrivals[0]! - started).toBeGreaterThanOrEqual(90);
    expect(arrivals.at(-1)! - started).toBeGreaterThanOrEqual(270);
  });
});

describe("failures", () => {
  it("fails with the scripted status the scripted number of times", async () => {
    sim.script({ match: { endpoint: "chat" }, fail: { status: 503, message: "overloaded" }, times: 1 });
    await expect(openaiChat().invoke("hi")).rejects.toMatchObject({ status: 503, message: expect.stringContaining("overloaded") });
    expect((await openaiChat().invoke("hi")).content).toContain("I hear you");
    expect(sim.requests().map((r) => [r.status, r.failure])).toEqual([
      [503, "status"],
      [200, undefined],
    ]);
  });

  it("sends retry-after: 0 with 429s, so SDK retries are immediate", async () => {
    sim.script({ fail: { status: 429 }, times: 2 });
    const result = await openaiSdk({ maxRetries: 2 }).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
    expect(result.choices[0]!.message.content).toContain("I hear you");
    expect(sim.requests().map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it("answers ElevenLabs failures in ElevenLabs' error shape", async () => {
    sim.script({ match: { provider: "elevenlabs" }, fail: { status: 503, message: "busy" } });
    const error = await elevenlabs()
      .textToSpeech.convert("v", { text: "hi" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ElevenLabsError);
    expect(error).toMatchObject({ statusCode: 503, body: { detail: { status: "service_unavailable", message: "busy" } } });
  });

  it("hangs until the client times out, and records the abandoned request", async () => {
    sim.script({ fail: { hang: true } });
    await expect(openaiChat({ timeout: 300 }).invoke("hi")).rejects.toMatchObject({ name: "TimeoutError" });
    await vi.waitFor(() => expect(sim.requests()[0]).toMatchObject({ failure: "hang", status: 0, aborted: true }), { timeout: 10_000 });
  });

  it("close() ends hanging requests instead of waiting for them", async () => {
    const own = await startSimulator();
    own.script({ fail: { hang: true } });
    const client = new OpenAI({ apiKey: KEY, baseURL: own.openaiBaseUrl, maxRetries: 0 });
    const pending = client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(own.requests()).toHaveLength(1), { timeout: 10_000 });
    await own.close();
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
  });

  it("drops a chat stream midway", async () => {
    sim.script({ reply: { content: "one two three four five six" }, fail: { dropMidStream: true } });
    const received: string[] = [];
    const consume = async () => {
      for await (const chunk of await openaiChat().stream("hi")) if (chunk.text) received.push(chunk.text);
    };
    await expect(consume()).rejects.toThrow();
    expect(received).toEqual(["one", " two", " three"]);
    await vi.waitFor(() => expect(sim.requests()[0]).toMatchObject({ failure: "dropMidStream", status: 200, aborted: true }), { timeout: 10_000 });
  });

  it("drops a non-streamed reply midway", async () => {
    sim.script({ fail: { dropMidStream: true } });
    await expect(openaiChat().invoke("hi")).rejects.toThrow();
  });
});
