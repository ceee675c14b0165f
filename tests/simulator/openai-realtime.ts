import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import { errorBody } from "./errors.js";
import type { RecordedRequest, RequestLog } from "./recorder.js";
import type { RuleBook, SimRule } from "./rules.js";
import { refuseUpgrade, upgradeUnderFailureRule } from "./ws-refusal.js";

/**
 * OpenAI's Realtime API as a transcription session, `wss://api.openai.com/v1/realtime?intent=transcription`,
 * as the real service speaks it: `Authorization: Bearer KEY`; the server opens with `session.created`;
 * the client configures it with `session.update` (`type: "transcription"`, `audio.input.format` 24 kHz
 * `audio/pcm`, `audio.input.transcription.model`, `audio.input.turn_detection` `server_vad` or null) and
 * gets `session.updated`; then `input_audio_buffer.append` (base64 PCM) and `input_audio_buffer.commit`.
 * Each committed utterance is answered with `input_audio_buffer.committed`, its transcript's
 * `conversation.item.input_audio_transcription.delta` events and then `.completed`. With `server_vad` the
 * server itself sends `input_audio_buffer.speech_started` / `speech_stopped` and commits once it has
 * received `silence_duration_ms` of silent audio. As the real service does, a socket opened with
 * `?model=` is a conversation session, which refuses a transcription `session.update` and a
 * transcription model.
 *
 * Speech is found in the audio (its loudness), as the Deepgram simulator does. Each utterance takes one
 * rule (`endpoint: "realtime"`, `provider: "openai"`, `model` the transcription model); its transcript is
 * revealed word by word in deltas as soon as it is committed, and `completed` follows the rule's
 * `latency.totalMs` (150 ms by default) later: the finalisation delay. `fail.status` refuses the upgrade,
 * `fail.hang` accepts and never answers, `fail.dropMidStream` cuts the socket after the first delta.
 */

const DEFAULT_TRANSCRIPT = "Hello Rose.";
const DEFAULT_FINALISATION_MS = 150;
const DEFAULT_SILENCE_DURATION_MS = 500;
const SAMPLE_RATE = 24_000;
/** The service refuses to commit less than this. */
const MIN_COMMIT_MS = 100;
/** Mean absolute sample value above which a chunk counts as speech (espeak-ng speech is far louder; silence is 0). */
const SPEECH_LEVEL = 300;

const bytesOf = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));
const eventId = () => `event_${randomUUID().replace(/-/g, "").slice(0, 20)}`;
const itemId = () => `item_${randomUUID().replace(/-/g, "").slice(0, 20)}`;

function meanLevel(pcm: Buffer): number {
  const samples = Math.floor(pcm.length / 2);
  if (samples === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples; i++) sum += Math.abs(pcm.readInt16LE(i * 2));
  return sum / samples;
}

interface TurnDetection {
  type: string;
  silence_duration_ms?: number;
}

interface TranscriptionSession {
  format?: { type?: string; rate?: number };
  transcription?: { model?: string };
  turn_detection?: TurnDetection | null;
}

interface Utterance {
  itemId: string;
  rule: SimRule | undefined;
  startedAtMs: number;
  silentSince: number | null;
}

export interface OpenAiRealtime {
  /** Handles an HTTP upgrade if it is for /v1/realtime; false otherwise. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): void;
}

export function openAiRealtime({ rules, log }: { rules: RuleBook; log: RequestLog }): OpenAiRealtime {
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();

  function serve(ws: WebSocket, record: RecordedRequest, url: URL, hang: boolean, dropMidStream: boolean): void {
    const urlModel = url.searchParams.get("model");
    const transcriptionIntent = url.searchParams.get("intent") === "transcription" && !urlModel;
    const sessionId = `sess_${randomUUID().replace(/-/g, "").slice(0, 20)}`;
    let config: TranscriptionSession | null = null;
    let audioMs = 0;
    /** Audio in the input buffer, not yet committed. */
    let bufferedMs = 0;
    let current: Utterance | null = null;
    let previousItem: string | null = null;
    const timers = new Set<NodeJS.Timeout>();
    let commits = 0;

    const send = (message: Record<string, unknown>) => {
      if (!hang && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ event_id: eventId(), ...message }));
    };
    const sendError = (message: string, code: string, clientEventId?: unknown, param: string | null = null) =>
      send({
        type: "error",
        error: { type: "invalid_request_error", code, message, param, event_id: typeof clientEventId === "string" ? clientEventId : null },
      });
    const later = (ms: number, run: () => void) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        run();
      }, ms);
      timers.add(timer);
    };
    const updateRecord = () => (record.body = { session: config, audio_ms: Math.round(audioMs), commits });

    const sessionObject = () =>
      transcriptionIntent
        ? {
            type: "transcription",
            id: sessionId,
            object: "realtime.transcription_session",
            expires_at: Math.floor(Date.now() / 1000) + 3600,
            include: null,
            audio: {
              input: {
                format: config?.format ?? { type: "audio/pcm", rate: SAMPLE_RATE },
                noise_reduction: null,
                transcription: config?.transcription ?? null,
                turn_detection: config
                  ? (config.turn_detection ?? null)
                  : { type: "server_vad", threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500 },
              },
            },
          }
        : { type: "realtime", id: sessionId, object: "realtime.session", model: urlModel ?? "gpt-realtime", output_modalities: ["audio"] };

    /** The buffer becomes a user item, and its transcription starts. */
    const commit = () => {
      const utterance = current;
      current = null;
      const item = utterance?.itemId ?? itemId();
      commits++;
      bufferedMs = 0;
      updateRecord();
      send({ type: "input_audio_buffer.committed", previous_item_id: previousItem, item_id: item });
      previousItem = item;
      // No speech in the buffer: an empty transcript, as the service gives for silence.
      const transcript = utterance ? (utterance.rule?.reply?.transcript ?? DEFAULT_TRANSCRIPT) : "";
      const words = transcript.split(/\s+/).filter(Boolean);
      // All but the last word as deltas now; the whole transcript once the finalisation delay has passed.
      words.slice(0, -1).forEach((word, i) => {
        send({ type: "conversation.item.input_audio_transcription.delta", item_id: item, content_index: 0, delta: i === 0 ? word : ` ${word}` });
        if (dropMidStream) ws.terminate();
      });
      later(utterance?.rule?.latency?.totalMs ?? DEFAULT_FINALISATION_MS, () => {
        if (words.length > 0) {
          send({
            type: "conversation.item.input_audio_transcription.delta",
            item_id: item,
            content_index: 0,
            delta: words.length > 1 ? ` ${words.at(-1)}` : words[0],
          });
        }
        send({
          type: "conversation.item.input_audio_transcription.completed",
          item_id: item,
          content_index: 0,
          transcript,
          usage: {
            type: "tokens",
            input_tokens: 20,
            output_tokens: words.length,
            total_tokens: 20 + words.length,
            input_token_details: { audio_tokens: 20, text_tokens: 0 },
          },
        });
      });
    };

    const append = (pcm: Buffer) => {
      const chunkMs = (pcm.length / 2 / SAMPLE_RATE) * 1000;
      const at = audioMs;
      audioMs += chunkMs;
      bufferedMs += chunkMs;
      updateRecord();
      const serverVad = config?.turn_detection?.type === "server_vad";
      if (meanLevel(pcm) > SPEECH_LEVEL) {
        if (!current) {
          current = {
            itemId: itemId(),
            rule: rules.take({ endpoint: "realtime", provider: "openai", model: config?.transcription?.model }),
            startedAtMs: at,
            silentSince: null,
          };
          if (serverVad) send({ type: "input_audio_buffer.speech_started", audio_start_ms: Math.round(at), item_id: current.itemId });
        }
        current.silentSince = null;
      } else if (current) {
        current.silentSince ??= at;
        // The service's voice detection hears the audio, not the clock: speech ends once this much silence has been received.
        if (serverVad && audioMs - current.silentSince >= (config?.turn_detection?.silence_duration_ms ?? DEFAULT_SILENCE_DURATION_MS)) {
          send({ type: "input_audio_buffer.speech_stopped", audio_end_ms: Math.round(audioMs), item_id: current.itemId });
          commit();
        }
      }
    };

    const handle = (event: Record<string, unknown>) => {
      switch (event.type) {
        case "session.update": {
          const session = (event.session ?? {}) as { type?: string; audio?: { input?: TranscriptionSession } };
          if (session.type !== "transcription")
            return sendError(
              "This simulator serves transcription sessions only: send session.type 'transcription'.",
              "invalid_value",
              event.event_id,
              "session.type",
            );
          if (!transcriptionIntent) {
            return sendError(
              `Model "${urlModel ?? ""}" opens a conversation session, which cannot be updated to a transcription session. Connect with ?intent=transcription and no model, and pass the transcription model as audio.input.transcription.model.`,
              "invalid_value",
              event.event_id,
              "session.type",
            );
          }
          const input = session.audio?.input ?? {};
          if (input.format && (input.format.type !== "audio/pcm" || (input.format.rate !== undefined && input.format.rate !== SAMPLE_RATE))) {
            return sendError(
              `Invalid audio format: only audio/pcm at ${SAMPLE_RATE} Hz, audio/pcmu and audio/pcma are supported.`,
              "invalid_value",
              event.event_id,
              "session.audio.input.format",
            );
          }
          config = { ...config, ...input };
          record.model = config.transcription?.model;
          updateRecord();
          return send({ type: "session.updated", session: sessionObject() });
        }
        case "input_audio_buffer.append": {
          if (typeof event.audio !== "string") return sendError("Missing required parameter: 'audio'.", "missing_required_parameter", event.event_id, "audio");
          return append(Buffer.from(event.audio, "base64"));
        }
        case "input_audio_buffer.commit": {
          if (bufferedMs < MIN_COMMIT_MS) {
            return sendError(
              `Error committing input audio buffer: buffer too small. Expected at least ${MIN_COMMIT_MS}ms of audio, but buffer only has ${bufferedMs.toFixed(2)}ms of audio.`,
              "input_audio_buffer_commit_empty",
              event.event_id,
            );
          }
          return commit();
        }
        case "input_audio_buffer.clear": {
          current = null;
          bufferedMs = 0;
          return send({ type: "input_audio_buffer.cleared" });
        }
        default:
          return sendError(
            `Invalid value: '${String(event.type)}'. This simulator's transcription session does not take it.`,
            "invalid_value",
            event.event_id,
            "type",
          );
      }
    };

    send({ type: "session.created", session: sessionObject() });
    ws.on("message", (data: RawData, isBinary: boolean) => {
      let event: Record<string, unknown>;
      try {
        if (isBinary) throw new Error("binary");
        event = JSON.parse(bytesOf(data).toString("utf8")) as Record<string, unknown>;
      } catch {
        return sendError("The server could not parse the event: send JSON text frames.", "invalid_json");
      }
      handle(event);
    });
    ws.on("close", () => {
      for (const timer of timers) clearTimeout(timer);
      record.finishedAt = Date.now();
      sockets.delete(ws);
    });
  }

  return {
    upgrade(req, socket, head) {
      const url = new URL(req.url ?? "/", "http://simulator");
      if (url.pathname.replace(/\/+$/, "") !== "/v1/realtime") return false;
      const record = log.add({
        endpoint: "realtime",
        provider: "openai",
        method: "GET",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: null,
        at: Date.now(),
        status: 0,
      });
      const refuse = (status: number, message: string) => refuseUpgrade(socket, record, status, errorBody("openai", status, message));
      if (!/^Bearer\s+\S+/i.test(req.headers.authorization ?? "")) {
        refuse(
          401,
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        );
        return true;
      }
      upgradeUnderFailureRule({
        rules,
        endpoint: "realtime",
        provider: "openai",
        record,
        refuse,
        open: (callback) => wss.handleUpgrade(req, socket, head, callback),
        serve: (ws, hang, drop) => {
          sockets.add(ws);
          serve(ws, record, url, hang, drop);
        },
      });
      return true;
    },
    close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
    },
  };
}
