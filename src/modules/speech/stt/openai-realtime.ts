import type { ClientRequest } from "node:http";
import { createConnection } from "node:net";
import OpenAI from "openai";
import type { OpenAIRealtimeError } from "openai/realtime/index";
import { OpenAIRealtimeWS } from "openai/realtime/ws";
import type { RealtimeTranscriptionSessionCreateRequest } from "openai/resources/realtime/realtime";
import { z } from "zod";
import { optionalString, url } from "../../../core/env-schema.js";
import { defineProvider } from "../../../core/providers.js";
import { kindOfStatus, ProviderError, type ProviderErrorKind } from "../../../core/resilience/provider-error.js";
import type { RecognitionHandlers, RecognitionStream, StreamingSpeechToText } from "./streaming-types.js";

/**
 * OpenAI's Realtime API as a transcription-only session, through the `openai` SDK's WebSocket client
 * (`OpenAIRealtimeWS`, `ws` underneath): `session.update` with `type: "transcription"`, audio in as
 * base64 24 kHz PCM (`input_audio_buffer.append`), and per utterance the transcript's
 * `conversation.item.input_audio_transcription.delta` events (partial results) then its `.completed`
 * (the final one). The service's own voice detection (`server_vad`, silence as long as Rose's end of
 * speech) commits each utterance, which keeps the input buffer to speech; when Rose's detector hears the
 * end first, `finalize()` commits it at once (`input_audio_buffer.commit`).
 *
 * gpt-4o(-mini)-transcribe transcribe a committed utterance, so their partial results arrive between the
 * end of speech and the final one, not while the person is still speaking (gpt-realtime-whisper streams
 * as it hears, and takes no voice detection).
 */

export const OPENAI_REALTIME_DEFAULT_MODEL = "gpt-4o-mini-transcribe";
const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";
/** The only PCM rate the Realtime API takes. */
const REALTIME_SAMPLE_RATE = 24_000;
/** Models that stream as they hear and refuse server voice detection (the SDK's types say so). */
const STREAMS_WITHOUT_VAD = /^gpt-realtime-whisper/;

/**
 * The SDK opens every socket at `/realtime?model=…`, which is a conversation session: the service refuses
 * a transcription model there and a transcription `session.update` on it. A transcription session is
 * `/realtime?intent=transcription` with no model, so the request's path is set just before it is sent
 * (ws's `finishRequest` hook, which owns sending the request).
 */
function asTranscriptionSession(request: ClientRequest): void {
  const target = new URL(request.path, "http://realtime");
  target.searchParams.delete("model");
  target.searchParams.set("intent", "transcription");
  request.path = `${target.pathname}${target.search}`;
  request.end();
}

/**
 * Linear interpolation from the call's rate to the API's 24 kHz, carried across frames so the seams are
 * seamless. Upsampling speech needs no anti-aliasing filter, which is why a resampling library would add
 * nothing here but a dependency.
 */
export function pcmResampler(fromRate: number, toRate = REALTIME_SAMPLE_RATE): (pcm: Buffer) => Buffer {
  if (fromRate === toRate) return (pcm) => pcm;
  const step = fromRate / toRate;
  let previous = 0;
  /** Position of the next output sample, in input samples, where 0 is `previous` (the last sample of the frame before). */
  let position = 1;
  return (pcm) => {
    const count = Math.floor(pcm.length / 2);
    const sample = (i: number) => (i === 0 ? previous : pcm.readInt16LE((i - 1) * 2));
    const out: number[] = [];
    for (; position <= count; position += step) {
      const base = Math.floor(position);
      const fraction = position - base;
      const next = base + 1 <= count ? sample(base + 1) : sample(base);
      out.push(Math.round(sample(base) + (next - sample(base)) * fraction));
    }
    position -= count;
    if (count > 0) previous = sample(count);
    const bytes = Buffer.alloc(out.length * 2);
    out.forEach((value, i) => bytes.writeInt16LE(Math.max(-32768, Math.min(32767, value)), i * 2));
    return bytes;
  };
}

export class OpenAiRealtimeRecognizer implements StreamingSpeechToText {
  readonly provider = "openai-realtime";
  private readonly client: OpenAI;

  constructor(
    apiKey: string,
    readonly model: string,
    private readonly baseUrl = OPENAI_DEFAULT_BASE_URL,
  ) {
    this.client = new OpenAI({ apiKey, baseURL: baseUrl, maxRetries: 0 });
  }

  async open(options: { sampleRate: number; endOfSpeechMs: number }, handlers: RecognitionHandlers, signal: AbortSignal): Promise<RecognitionStream> {
    signal.throwIfAborted();
    const realtime = await OpenAIRealtimeWS.create(this.client, {
      model: this.model,
      options: {
        finishRequest: asTranscriptionSession,
        // The SDK always dials wss (the service is TLS only); an http:// base URL (a local proxy, the
        // simulator) is reached over plain TCP instead.
        ...(new URL(this.baseUrl).protocol === "http:" ? { createConnection } : {}),
      },
    });
    const session: RealtimeTranscriptionSessionCreateRequest = {
      type: "transcription",
      audio: {
        input: {
          format: { type: "audio/pcm", rate: REALTIME_SAMPLE_RATE },
          transcription: { model: this.model },
          turn_detection: STREAMS_WITHOUT_VAD.test(this.model) ? null : { type: "server_vad", silence_duration_ms: options.endOfSpeechMs },
        },
      },
    };

    let open = false;
    /** Whether the service heard speech it has not committed yet: only then is there anything to finalise. */
    let speaking = false;
    let uncommittedMs = 0;
    const partials = new Map<string, string>();
    const fail = (message: string, kind: ProviderErrorKind = "network", status?: number) =>
      new ProviderError({ provider: this.provider, kind, message, ...(status ? { status } : {}) });

    let onAbort = () => {};
    const opened = new Promise<void>((resolve, reject) => {
      realtime.on("session.updated", () => resolve());
      realtime.on("error", (error: OpenAIRealtimeError) => {
        // Before the session is configured any error fails the opening; after it, the service's error
        // events are recoverable (the session stays open), and a broken socket shows as its close.
        if (open) return;
        // The service refused the session's settings (no retry helps), or the upgrade itself was refused (ws: "Unexpected server response: 503").
        if (error.error) return reject(fail(`${error.error.message} (${error.error.code ?? error.error.type})`, "client"));
        const status = Number(/Unexpected server response: (\d{3})/.exec(error.message)?.[1]) || undefined;
        reject(fail(error.message, status ? kindOfStatus(status) : "network", status));
      });
      realtime.socket.on("close", (code, reason) => {
        if (!open) reject(fail(`the stream closed before the session was ready (${code}${reason.length ? ` ${reason.toString()}` : ""})`));
      });
      // The signal bounds the opening only (the guard's attempt timeout); the stream then lives as long as the call.
      onAbort = () => reject(fail("timed out", "timeout"));
      signal.addEventListener("abort", onAbort, { once: true });
      if (signal.aborted) onAbort();
    });
    realtime.socket.once("open", () => realtime.send({ type: "session.update", session }));

    realtime.on("input_audio_buffer.speech_started", () => (speaking = true));
    realtime.on("input_audio_buffer.committed", () => {
      speaking = false;
      uncommittedMs = 0;
    });
    realtime.on("conversation.item.input_audio_transcription.delta", (event) => {
      const text = `${partials.get(event.item_id) ?? ""}${event.delta ?? ""}`;
      partials.set(event.item_id, text);
      if (text.trim()) handlers.onResult({ text: text.trim(), final: false, endOfSpeech: false });
    });
    realtime.on("conversation.item.input_audio_transcription.completed", (event) => {
      partials.delete(event.item_id);
      handlers.onResult({ text: event.transcript.trim(), final: true, endOfSpeech: true });
    });
    realtime.on("conversation.item.input_audio_transcription.failed", (event) => {
      partials.delete(event.item_id);
      // The utterance has no transcript coming: the call goes on with batch recognition rather than wait for one.
      if (open) handlers.onError(fail(`transcription failed: ${event.error.message ?? event.error.code ?? "no reason given"}`));
    });
    realtime.socket.on("close", () => {
      if (open) handlers.onError(fail("the live recognition stream closed"));
      open = false;
    });

    try {
      await opened;
    } catch (error) {
      realtime.socket.terminate();
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
    open = true;
    const resample = pcmResampler(options.sampleRate);
    return {
      send: (pcm) => {
        if (!open) return;
        uncommittedMs += (pcm.length / 2 / options.sampleRate) * 1000;
        realtime.send({ type: "input_audio_buffer.append", audio: resample(pcm).toString("base64") });
      },
      finalize: () => {
        // Committing nothing (the service's detection got there first, or no speech) is an error event: skip it.
        if (open && (speaking || session.audio?.input?.turn_detection === null) && uncommittedMs >= 100) realtime.send({ type: "input_audio_buffer.commit" });
      },
      close: () => {
        if (!open) return;
        open = false;
        realtime.close({ code: 1000, reason: "call ended" });
      },
    };
  }
}

/** OpenAI Realtime transcription: OPENAI_API_KEY; OPENAI_REALTIME_STT_MODEL (gpt-4o-mini-transcribe); OPENAI_BASE_URL as for the other OpenAI services. */
export const openAiRealtime = defineProvider({
  id: "openai-realtime",
  env: () =>
    z.object({ OPENAI_API_KEY: optionalString, OPENAI_BASE_URL: url.optional(), OPENAI_REALTIME_STT_MODEL: optionalString }).transform((env) => ({
      apiKey: env.OPENAI_API_KEY,
      baseUrl: env.OPENAI_BASE_URL,
      model: env.OPENAI_REALTIME_STT_MODEL ?? OPENAI_REALTIME_DEFAULT_MODEL,
    })),
  missing: (s) => (s.apiKey ? null : "needs OPENAI_API_KEY: set it to your OpenAI API key"),
  // Opted into by name only: OPENAI_API_KEY and OPENAI_BASE_URL also serve OpenAI-compatible servers that have no Realtime API.
  autoSelect: () => false,
  create: (s): StreamingSpeechToText => new OpenAiRealtimeRecognizer(s.apiKey!, s.model, s.baseUrl),
});
