import { DeepgramClient } from "@deepgram/sdk";
import { z } from "zod";
import { optionalString, url } from "../../../core/env-schema.js";
import { defineProvider } from "../../../core/providers.js";
import { ProviderError } from "../../../core/resilience/provider-error.js";
import type { RecognitionHandlers, RecognitionStream, StreamingSpeechToText } from "./streaming-types.js";

/**
 * Deepgram's live recognition over its WebSocket API, through the official SDK: raw linear16 audio in,
 * `Results` messages out, partial ones (`is_final: false`) while the person speaks and a final one with
 * `speech_final` when Deepgram's endpointing hears them stop. The SDK owns the wire protocol (auth as
 * `Token KEY`, query parameters, KeepAlive/Finalize/CloseStream messages), which is why it beats a
 * hand-rolled socket client.
 */

interface ResultsMessage {
  type: "Results";
  is_final?: boolean;
  speech_final?: boolean;
  channel?: { alternatives?: Array<{ transcript?: string }> };
}

export const DEEPGRAM_DEFAULT_MODEL = "nova-3";

export class DeepgramLiveRecognizer implements StreamingSpeechToText {
  readonly provider = "deepgram";
  private readonly client: DeepgramClient;

  constructor(
    apiKey: string,
    readonly model: string,
    baseUrl?: string,
  ) {
    // The live API lives at the environment's `production` (wss) address; a base URL points every part at one host (the simulator, a proxy).
    const environment = baseUrl
      ? { base: baseUrl.replace(/^ws/, "http"), production: baseUrl.replace(/^http/, "ws"), agent: baseUrl, agentRest: baseUrl }
      : undefined;
    this.client = new DeepgramClient({ apiKey, ...(environment ? { environment } : {}) });
  }

  async open(options: { sampleRate: number; endOfSpeechMs: number }, handlers: RecognitionHandlers, signal: AbortSignal): Promise<RecognitionStream> {
    const socket = await this.client.listen.v1.connect({
      model: this.model,
      encoding: "linear16",
      sample_rate: options.sampleRate,
      channels: 1,
      interim_results: "true",
      punctuate: "true",
      smart_format: "true",
      endpointing: options.endOfSpeechMs,
      // Reconnecting mid-call would lose the utterance in flight; the call falls back to batch recognition instead.
      reconnectAttempts: 0,
    });
    let partial = "";
    let settled = "";
    let open = false;
    socket.on("message", (message) => {
      const results = message as unknown as ResultsMessage;
      if (results.type !== "Results") return;
      const text = results.channel?.alternatives?.[0]?.transcript?.trim() ?? "";
      if (!results.is_final) {
        partial = text;
        handlers.onResult({ text: [settled, partial].filter(Boolean).join(" "), final: false, endOfSpeech: false });
        return;
      }
      // A final segment is settled; the utterance ends with speech_final (or a Finalize's answer).
      settled = [settled, text].filter(Boolean).join(" ");
      partial = "";
      const finalised = results.speech_final === true || (message as { from_finalize?: boolean }).from_finalize === true;
      if (finalised) {
        const whole = settled;
        settled = "";
        handlers.onResult({ text: whole, final: true, endOfSpeech: true });
      }
    });
    socket.on("error", (error) => {
      if (open) handlers.onError(new ProviderError({ provider: this.provider, kind: "network", message: error.message }));
    });
    socket.on("close", () => {
      if (open) handlers.onError(new ProviderError({ provider: this.provider, kind: "network", message: "the live recognition stream closed" }));
      open = false;
    });
    socket.connect();
    // The signal bounds the opening only (the guard's attempt timeout); the stream then lives as long as the call.
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new Error("timed out"));
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      signal.throwIfAborted();
      await Promise.race([socket.waitForOpen(), aborted]);
    } catch (error) {
      socket.close();
      throw new ProviderError({ provider: this.provider, kind: "network", message: `could not open the live stream: ${(error as Error).message}` });
    } finally {
      signal.removeEventListener("abort", onAbort);
      aborted.catch(() => {});
    }
    open = true;
    return {
      send: (pcm) => {
        if (open) socket.sendMedia(pcm);
      },
      finalize: () => {
        if (open) socket.sendFinalize({ type: "Finalize" });
      },
      close: () => {
        if (!open) return;
        open = false;
        try {
          socket.sendCloseStream({ type: "CloseStream" });
        } catch {
          // already closing
        }
        socket.close();
      },
    };
  }
}

/** Deepgram live recognition: DEEPGRAM_API_KEY; DEEPGRAM_MODEL (nova-3); DEEPGRAM_BASE_URL for a proxy or the simulator. */
export const deepgramLive = defineProvider({
  id: "deepgram",
  env: () =>
    z
      .object({ DEEPGRAM_API_KEY: optionalString, DEEPGRAM_BASE_URL: url.optional(), DEEPGRAM_MODEL: optionalString })
      .transform((env) => ({ apiKey: env.DEEPGRAM_API_KEY, baseUrl: env.DEEPGRAM_BASE_URL, model: env.DEEPGRAM_MODEL ?? DEEPGRAM_DEFAULT_MODEL })),
  missing: (s) => (s.apiKey ? null : "needs DEEPGRAM_API_KEY: set it to your Deepgram API key"),
  autoSelect: (s) => s.apiKey !== undefined,
  create: (s): StreamingSpeechToText => new DeepgramLiveRecognizer(s.apiKey!, s.model, s.baseUrl),
});
