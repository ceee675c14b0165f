/**
 * Voice latency: how soon Rose's voice starts, streaming (POST /voice/stream) against serial
 * (POST /voice/process, then fetching the audio), with the provider latencies measured for the
 * original Rose: STT 800 ms; LLM 300 ms to the first token, then 280 tokens/s; TTS (ElevenLabs,
 * simulated) 300 ms to the first byte and 1,200 ms for the whole reply.
 *
 * A TTS request for one sentence is modelled as the provider streams it: the first byte after 300 ms,
 * the rest in proportion to the sentence's share of the whole reply's remaining 900 ms.
 *
 * The physical limit for those latencies is STT + time to the first token + time to generate the rest
 * of the first sentence + TTS first byte: no pipeline that speaks whole sentences can start sooner.
 * Rose speaks the reply's first clause ("Oh,") on its own, so it can come in under that limit; the
 * limit for the first clause is reported beside it.
 */
import { SentenceSplitter, spokenSentenceSplitter } from "../src/modules/speech/sentence-splitter.js";
import { parseSse } from "../tests/helpers/api-client.js";
import { type RunningRose, startRose, tempDataDir } from "../tests/helpers/rose-server.js";
import { toneWav } from "../tests/simulator/audio.js";
import { splitTokens } from "../tests/simulator/chat.js";
import { type Simulator, startSimulator } from "../tests/simulator/server.js";
import { percentile, round } from "./stats.js";

export const LATENCY = { sttMs: 800, firstTokenMs: 300, tokensPerSecond: 280, ttsFirstByteMs: 300, ttsWholeReplyMs: 1200 };

/** Three short sentences, as the spoken-style prompt asks for. */
export const REPLY =
  "Oh, that sounds like such a lovely walk. The river must have been beautiful in the evening light, with the city slowly going quiet around you. Did you stop anywhere for a coffee on the way back home?";

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** How long the provider takes to deliver one request's audio: first byte, then its share of the transfer. */
export function ttsTotalMs(text: string): number {
  return LATENCY.ttsFirstByteMs + ((LATENCY.ttsWholeReplyMs - LATENCY.ttsFirstByteMs) * text.length) / REPLY.length;
}

export function scriptProviders(sim: Simulator, pieces: string[]): void {
  sim.script({
    match: { endpoint: "transcription" },
    reply: { transcript: "I went for a long walk by the river this evening." },
    latency: { totalMs: LATENCY.sttMs },
  });
  sim.script({
    match: { model: "sim-chat" },
    reply: { content: REPLY },
    latency: { firstTokenMs: LATENCY.firstTokenMs, tokensPerSecond: LATENCY.tokensPerSecond },
  });
  // The small model (the feeling's reading, memory, titles) is as slow as the chat model: nothing it does may hold the first audio.
  sim.script({ match: { model: "sim-small" }, latency: { firstTokenMs: LATENCY.firstTokenMs, tokensPerSecond: LATENCY.tokensPerSecond } });
  sim.script({ match: { endpoint: "speech" }, latency: { firstByteMs: LATENCY.ttsFirstByteMs, totalMs: ttsTotalMs(REPLY) } }); // the whole reply
  for (const piece of pieces) {
    sim.script({
      match: { endpoint: "speech", text: new RegExp(`^${escapeRegex(piece)}$`) },
      latency: { firstByteMs: LATENCY.ttsFirstByteMs, totalMs: ttsTotalMs(piece) },
    });
  }
}

/** STT + first token + the rest of the text's tokens + TTS first byte. */
export function physicalLimitMs(text: string, sttMs: number = LATENCY.sttMs): number {
  const tokens = splitTokens(text).length;
  return sttMs + LATENCY.firstTokenMs + ((tokens - 1) * 1000) / LATENCY.tokensPerSecond + LATENCY.ttsFirstByteMs;
}

function voiceForm(): FormData {
  const form = new FormData();
  form.append("audio", new Blob([toneWav(2000)], { type: "audio/wav" }), "recording.wav");
  return form;
}

/** Time from sending the recording until the first `audio` event has arrived, read as the bytes come in. */
export async function streamingFirstAudioMs(url: string): Promise<{ firstAudioMs: number; serverTimings: Record<string, number> }> {
  const started = performance.now();
  const response = await fetch(`${url}/api/v1/voice/stream`, { method: "POST", body: voiceForm() });
  if (!response.ok) throw new Error(`voice/stream answered ${response.status}: ${await response.text()}`);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let firstAudioMs: number | undefined;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += value;
    if (firstAudioMs === undefined && text.includes("event: audio\n")) firstAudioMs = performance.now() - started;
  }
  const events = parseSse(text);
  const finished = events.at(-1);
  if (finished?.event !== "done" || firstAudioMs === undefined) throw new Error(`voice/stream ended without audio: ${text.slice(-300)}`);
  return { firstAudioMs, serverTimings: (finished.data as { timings: Record<string, number> }).timings };
}

/** Time from sending the recording until the reply's audio has been downloaded. */
async function serialFirstAudioMs(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/api/v1/voice/process`, { method: "POST", body: voiceForm() });
  const body = (await response.json()) as { audio_url: string | null };
  if (!response.ok || !body.audio_url) throw new Error(`voice/process answered ${response.status} without audio`);
  const cookie = response.headers.get("set-cookie")?.split(";")[0] ?? "";
  const audio = await fetch(`${url}${body.audio_url}`, { headers: { cookie } });
  await audio.arrayBuffer();
  if (!audio.ok) throw new Error(`audio answered ${audio.status}`);
  return performance.now() - started;
}

const median = (values: number[]) => percentile(values, 50);

export async function voiceLatencyBenchmark(iterations = 7) {
  const sentenceSplitter = new SentenceSplitter();
  const sentences = [...sentenceSplitter.push(REPLY), ...sentenceSplitter.flush()];
  const spokenSplitter = spokenSentenceSplitter();
  const pieces = [...spokenSplitter.push(REPLY), ...spokenSplitter.flush()];
  const sim = await startSimulator();
  scriptProviders(sim, pieces);
  const dir = tempDataDir("rose-bench-voice-");
  let server: RunningRose | undefined;
  try {
    server = await startRose(
      {
        OPENAI_BASE_URL: sim.openaiBaseUrl,
        OPENAI_API_KEY: "bench",
        CHAT_MODEL: "sim-chat",
        SMALL_MODEL: "sim-small",
        ELEVENLABS_API_KEY: "bench",
        ELEVENLABS_BASE_URL: sim.elevenlabsBaseUrl,
        RATE_LIMIT_PER_MINUTE: "0",
      },
      dir.path,
    );
    // Warm-up: the first turn loads the embedder and compiles hot paths.
    await streamingFirstAudioMs(server.url);
    await serialFirstAudioMs(server.url);

    const streaming: number[] = [];
    const serial: number[] = [];
    const serverTimings: Array<Record<string, number>> = [];
    for (let i = 0; i < iterations; i++) {
      const run = await streamingFirstAudioMs(server.url);
      streaming.push(run.firstAudioMs);
      serverTimings.push(run.serverTimings);
      serial.push(await serialFirstAudioMs(server.url));
    }
    const limit = physicalLimitMs(sentences[0]!);
    const firstPieceLimit = physicalLimitMs(pieces[0]!);
    const streamingMedian = median(streaming);
    const serialMedian = median(serial);
    // An audio event carries a whole piece, so the first one waits for the first piece's last byte, not its first.
    const firstPieceTransfer = ttsTotalMs(pieces[0]!) - LATENCY.ttsFirstByteMs;
    const serverMedian = (key: string) => round(median(serverTimings.map((t) => t[key]!)), 0);
    return {
      provider_latency: LATENCY,
      reply_sentences: sentences.length,
      first_sentence: sentences[0],
      first_spoken_piece: pieces[0],
      iterations,
      physical_limit_ms: round(limit, 0),
      first_piece_limit_ms: round(firstPieceLimit, 0),
      streaming_first_audio_ms: round(streamingMedian, 0),
      serial_first_audio_ms: round(serialMedian, 0),
      streaming_to_limit: round(streamingMedian / limit),
      serial_to_limit: round(serialMedian / limit),
      serial_to_streaming: round(serialMedian / streamingMedian),
      within_10_percent_of_limit: streamingMedian <= limit * 1.1,
      streaming_to_first_piece_limit: round(streamingMedian / firstPieceLimit),
      streaming_gap_to_first_piece_limit_ms: {
        first_piece_audio_transfer: round(firstPieceTransfer, 0),
        rose_overhead: round(streamingMedian - firstPieceLimit - firstPieceTransfer, 0),
      },
      streaming_server_timings_median: {
        stt_ms: serverMedian("stt_ms"),
        first_token_ms: serverMedian("first_token_ms"),
        first_audio_ms: serverMedian("first_audio_ms"),
      },
      streaming_runs_ms: streaming.map((v) => round(v, 0)),
      serial_runs_ms: serial.map((v) => round(v, 0)),
    };
  } finally {
    await server?.stop();
    await sim.close();
    dir.remove();
  }
}
