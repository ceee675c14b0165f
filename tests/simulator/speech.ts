import { SPEECH_CONTENT_TYPES, type SpeechEncoding, synthesizeSpeech } from "./audio.js";
import { applyScriptedFailure, type Exchange, sendBody, sendError, streamWriter, writeHead } from "./exchange.js";
import { chunkDelays, responseDelay, sleep } from "./pacing.js";
import type { SimLatency } from "./rules.js";

/**
 * Text to speech in two dialects:
 *   OpenAI / Groq  POST /v1/audio/speech  {model, input, voice, response_format}  always streamed
 *   ElevenLabs     POST /v1/text-to-speech/:voice_id[/stream]?output_format=mp3_44100_128
 * The audio is real (silent MP3 frames, or a quiet tone for WAV/PCM) and its length grows with
 * the text, so players, decoders and byte counters on Rose's side see something plausible.
 */

const OPENAI_ENCODINGS: Record<string, SpeechEncoding> = {
  mp3: { codec: "mp3", sampleRate: 44_100, bitrateKbps: 128 },
  wav: { codec: "wav", sampleRate: 24_000 },
  pcm: { codec: "pcm", sampleRate: 24_000 },
};

/** ElevenLabs names formats codec_sampleRate[_kbps], e.g. mp3_44100_128, pcm_16000, wav_22050. */
export function elevenLabsEncoding(outputFormat: string): SpeechEncoding | undefined {
  const mp3 = /^mp3_(\d+)_(\d+)$/.exec(outputFormat);
  if (mp3) return { codec: "mp3", sampleRate: Number(mp3[1]), bitrateKbps: Number(mp3[2]) };
  const raw = /^(pcm|wav)_(\d+)$/.exec(outputFormat);
  if (raw) return { codec: raw[1] as "pcm" | "wav", sampleRate: Number(raw[2]) };
  return undefined;
}

function parseJsonBody(ex: Exchange): Record<string, unknown> | undefined {
  try {
    const body: unknown = JSON.parse(ex.body.toString("utf8"));
    return typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Splits audio into at most 16 chunks (of at least 1 KiB) so pacing has something to pace. */
function chunksOf(audio: Buffer): Buffer[] {
  const size = Math.max(1024, Math.ceil(audio.length / 16));
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < audio.length; offset += size) chunks.push(audio.subarray(offset, offset + size));
  return chunks;
}

/** Chunked audio: firstByteMs before the head and first chunk, totalMs spread over the rest. */
async function streamAudio(ex: Exchange, audio: Buffer, contentType: string, latency: SimLatency | undefined, dropMidStream: boolean): Promise<void> {
  const chunks = chunksOf(audio);
  const delays = chunkDelays(latency, chunks.length);
  const out = streamWriter(ex);
  await sleep(delays[0]!, ex.signal);
  writeHead(ex, 200, { "content-type": contentType, "cache-control": "no-cache" });
  const dropAfter = dropMidStream ? Math.max(1, Math.floor(chunks.length / 2)) : Number.POSITIVE_INFINITY;
  for (const [i, chunk] of chunks.entries()) {
    if (i >= dropAfter) return out.drop();
    if (i > 0) await sleep(delays[i]!, ex.signal);
    out.write(chunk);
  }
  if (dropMidStream) return out.drop();
  ex.res.end();
}

export async function handleOpenAiSpeech(ex: Exchange): Promise<void> {
  const body = parseJsonBody(ex);
  if (!body) return sendError(ex, 400, "We could not parse the JSON body of your request.");
  const model = typeof body.model === "string" ? body.model : undefined;
  const input = typeof body.input === "string" ? body.input : undefined;
  Object.assign(ex.record, { body, model, text: input });

  if (!model) return sendError(ex, 400, "you must provide a model parameter", "missing_required_parameter");
  if (!input) return sendError(ex, 400, "'input' must be a non-empty string", "invalid_value");
  if (typeof body.voice !== "string" || !body.voice) return sendError(ex, 400, "you must provide a voice parameter", "missing_required_parameter");
  if (body.stream_format === "sse") return sendError(ex, 400, "stream_format 'sse' is not supported by the simulator; use 'audio'");
  const formatName = typeof body.response_format === "string" ? body.response_format : "mp3";
  const encoding = OPENAI_ENCODINGS[formatName];
  if (!encoding) return sendError(ex, 400, `response_format '${formatName}' is not supported by the simulator (use mp3, wav or pcm)`);

  const rule = ex.pick({ model, text: input });
  if (await applyScriptedFailure(ex, rule)) return;
  await streamAudio(ex, synthesizeSpeech(input, encoding), SPEECH_CONTENT_TYPES[encoding.codec], rule?.latency, rule?.fail?.dropMidStream === true);
}

export async function handleElevenLabsSpeech(ex: Exchange): Promise<void> {
  const streaming = ex.url.pathname.endsWith("/stream");
  const outputFormat = ex.url.searchParams.get("output_format") ?? "mp3_44100_128";
  const body = parseJsonBody(ex);
  if (!body) return sendError(ex, 400, "Request body must be a JSON object.", "invalid_request");
  const text = typeof body.text === "string" ? body.text : undefined;
  const model = typeof body.model_id === "string" ? body.model_id : undefined;
  Object.assign(ex.record, { body, model, text, stream: streaming });

  if (!text) return sendError(ex, 400, "'text' must be a non-empty string.", "invalid_request");
  const encoding = elevenLabsEncoding(outputFormat);
  if (!encoding)
    return sendError(ex, 400, `output_format '${outputFormat}' is not supported by the simulator (use mp3_*, pcm_* or wav_*)`, "invalid_output_format");

  let audio: Buffer;
  try {
    audio = synthesizeSpeech(text, encoding);
  } catch (error) {
    return sendError(ex, 400, (error as Error).message, "invalid_output_format");
  }

  const rule = ex.pick({ model, text, stream: streaming });
  if (await applyScriptedFailure(ex, rule)) return;
  const contentType = SPEECH_CONTENT_TYPES[encoding.codec];
  const dropMidStream = rule?.fail?.dropMidStream === true;
  if (streaming) return streamAudio(ex, audio, contentType, rule?.latency, dropMidStream);

  // /v1/text-to-speech/:voice_id answers in one piece once the whole clip is ready.
  await sleep(responseDelay(rule?.latency), ex.signal);
  sendBody(ex, 200, audio, contentType, { dropMidway: dropMidStream, headers: { "character-cost": String(text.length) } });
}
