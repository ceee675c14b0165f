import { describe, expect, it, vi } from "vitest";
import { spokenSentenceSplitter } from "../src/modules/speech/sentence-splitter.js";
import { clipDurationMs } from "../src/modules/voice/heard.js";
import { spokenPcm16k } from "./helpers/audio.js";
import { identityCookie, LiveClient, silence } from "./helpers/live-client.js";
import { useSimulatedRose } from "./helpers/simulated-rose.js";
import { parseMp3 } from "./simulator/audio.js";

/** A live call whose voice is ElevenLabs over its stream-input WebSocket (ELEVENLABS_STREAMING=websocket). */

const harness = useSimulatedRose();

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
  TTS_PROVIDER: "elevenlabs",
  ELEVENLABS_API_KEY: "sim-key",
  ELEVENLABS_BASE_URL: harness.sim.elevenlabsBaseUrl,
  ELEVENLABS_STREAMING: "websocket",
  DEEPGRAM_API_KEY: "sim-key",
  DEEPGRAM_BASE_URL: harness.sim.deepgramBaseUrl,
  RATE_LIMIT_PER_MINUTE: "0",
  PROVIDER_RETRIES: "1",
  ...extra,
});

const streamInputs = () => harness.sim.requests({ endpoint: "speech" }).filter((r) => r.path.endsWith("/stream-input"));
const sentenceRequests = () => harness.sim.requests({ endpoint: "speech" }).filter((r) => !r.path.endsWith("/stream-input"));
const messagesOf = (request: { body: unknown }) => (request.body as { messages: Array<{ text: string; flush?: boolean }> }).messages;

describe("live call spoken over ElevenLabs' stream-input socket", () => {
  it("streams each reply's words as they are generated and plays each sentence's audio in order, turn after turn", async () => {
    const server = await harness.rose(env());
    harness.sim.script({ match: { endpoint: "listen" }, times: 1, reply: { transcript: "Yes, and then I had a coffee." } });
    harness.sim.script({ match: { endpoint: "listen" }, times: 1, reply: { transcript: "I went for a long walk by the river this evening." } });
    harness.sim.script({
      match: { model: "sim-chat", lastUser: /river/ },
      reply: { content: "Oh, that sounds lovely. Was the water calm tonight?" },
      latency: { firstTokenMs: 20, tokensPerSecond: 200 },
    });
    harness.sim.script({ match: { model: "sim-chat", lastUser: /coffee/ }, reply: { content: "A coffee by the river, perfect. Where did you go?" } });
    const call = await LiveClient.open(server.url, await identityCookie(server.url));
    await call.start();
    await call.speak(firstUtterance);
    const firstDone = await call.next("done");
    await call.speak(secondUtterance);
    const secondDone = await call.next("done");
    call.send({ type: "stop" });
    await call.waitClosed();

    const audio = call.events.filter((e) => e.type === "audio");
    const expected = [...pieces(String(firstDone.text)), ...pieces(String(secondDone.text))];
    expect(audio.map((a) => a.text)).toEqual(expected);
    expect(audio.map((a) => a.index)).toEqual([...pieces(String(firstDone.text)).keys(), ...pieces(String(secondDone.text)).keys()]);
    for (const clip of audio) {
      expect(clip.mime).toBe("audio/mpeg");
      expect(parseMp3(Buffer.from(String(clip.data), "base64")).frames).toBeGreaterThan(0);
    }
    expect(firstDone).toMatchObject({ tts_failed: false });
    expect((firstDone.timings as { first_audio_ms: number }).first_audio_ms).toBeGreaterThan(0);
    // One socket per reply, none of the sentence-by-sentence requests; each reply's words went out in
    // more messages than it has sentences (tokens, not sentences), with one flush per sentence.
    const sockets = streamInputs();
    expect(sockets).toHaveLength(2);
    expect(sentenceRequests()).toEqual([]);
    const [first, second] = sockets.map(messagesOf);
    expect(first!.filter((m) => m.flush === true)).toHaveLength(pieces(String(firstDone.text)).length);
    expect(second!.filter((m) => m.flush === true)).toHaveLength(pieces(String(secondDone.text)).length);
    expect(first!.filter((m) => m.text.trim() !== "").length).toBeGreaterThan(pieces(String(firstDone.text)).length);
    expect(
      first!
        .map((m) => m.text)
        .join("")
        .replace(/\s+/g, " ")
        .trim(),
    ).toBe(String(firstDone.text));
    expect(first!.at(-1)).toEqual({ text: "" });
  });

  it("barge-in closes the ElevenLabs socket at once, and the thread keeps exactly what was heard", async () => {
    const server = await harness.rose(env());
    const reply =
      "Oh, walks by the river are the best. The light on the water in the evening is something I love to hear about. Tell me, did you see any birds, or boats going by slowly? I would love to know.";
    harness.sim.script({ match: { endpoint: "listen" }, times: 1, reply: { transcript: "Wait a moment please." } });
    harness.sim.script({ match: { endpoint: "listen" }, times: 1, reply: { transcript: "I went for a long walk by the river this evening." } });
    harness.sim.script({ match: { model: "sim-chat", lastUser: /river/ }, reply: { content: reply }, latency: { firstTokenMs: 20, tokensPerSecond: 60 } });
    harness.sim.script({ match: { model: "sim-chat", lastUser: /moment/ }, reply: { content: "Of course, I'm listening." } });
    // Each generation takes a while, so the reply is still being spoken when the person cuts in.
    harness.sim.script({ match: { endpoint: "speech", stream: true }, latency: { firstByteMs: 40, totalMs: 900 } });
    const cookie = await identityCookie(server.url);
    const call = await LiveClient.open(server.url, cookie);
    const sessionId = await call.start();
    await call.speak(firstUtterance, 600);
    const first = await call.next("audio");
    const second = await call.next("audio");
    // The client heard the first clause whole and half of the second sentence, then the person spoke.
    const secondMs = clipDurationMs({ mime: "audio/mpeg", bytes: Buffer.from(String(second.data), "base64") });
    call.send({ type: "playback", index: first.index, played_ms: 5000 });
    call.send({ type: "playback", index: second.index, played_ms: secondMs / 2 });
    await call.stream(spokenPcm16k("Wait a moment please"));
    const interrupted = await call.next("interrupted");
    const words = String(second.text).split(" ");
    expect(interrupted.heard).toBe(`${String(first.text)} ${words.slice(0, Math.floor(words.length / 2)).join(" ")}`.trim());
    // The interrupted reply's socket is closed before the service got to the end of the reply.
    const interruptedSocket = streamInputs()[0]!;
    await vi.waitFor(() => expect(interruptedSocket.finishedAt).toBeDefined(), { timeout: 10_000 });
    expect(interruptedSocket.body).toMatchObject({ final: false });
    expect(call.events.slice(0, call.events.indexOf(interrupted)).filter((e) => e.type === "audio").length).toBeLessThan(pieces(reply).length);
    await call.stream(silence(1000));
    const done = await call.next("done");
    expect(done.text).toBe("Of course, I'm listening.");
    const afterInterruption = call.events.slice(call.events.indexOf(interrupted) + 1);
    expect(afterInterruption.filter((e) => e.type === "audio").map((e) => e.text)).toEqual(pieces(String(done.text)));
    const messages = await fetch(`${server.url}/api/v1/sessions/${sessionId}/messages`, { headers: { cookie } }).then(
      async (r) => ((await r.json()) as { messages: Array<{ role: string; content: string; interrupted?: true }> }).messages,
    );
    expect(messages[1]).toMatchObject({ role: "assistant", content: `${String(interrupted.heard)} —`, interrupted: true });
    call.close();
  });

  it("speaks sentence by sentence when the socket is refused, without losing a sentence", async () => {
    const server = await harness.rose(env());
    harness.sim.script({ match: { endpoint: "listen" }, reply: { transcript: "I went for a long walk by the river this evening." } });
    harness.sim.script({ match: { model: "sim-chat" }, reply: { content: "Oh, that sounds lovely. Was the water calm tonight?" } });
    harness.sim.script({ match: { endpoint: "speech", stream: true }, times: 1, fail: { status: 503, message: "busy" } });
    const call = await LiveClient.open(server.url, await identityCookie(server.url));
    await call.start();
    await call.speak(firstUtterance);
    const done = await call.next("done");
    expect(done).toMatchObject({ tts_failed: false });
    const audio = call.events.filter((e) => e.type === "audio");
    expect(audio.map((a) => a.text)).toEqual(pieces(String(done.text)));
    expect(audio.map((a) => a.index)).toEqual([...pieces(String(done.text)).keys()]);
    expect(streamInputs().map((r) => r.status)).toEqual([503]);
    expect(
      sentenceRequests()
        .map((r) => r.text)
        .sort(),
    ).toEqual(pieces(String(done.text)).sort());
    call.close();
  });
});
