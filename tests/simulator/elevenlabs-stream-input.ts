import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import { speechDurationMs, synthesizeSpeech } from "./audio.js";
import { errorBody } from "./errors.js";
import { chunkDelays, sleep } from "./pacing.js";
import type { RecordedRequest, RequestLog } from "./recorder.js";
import type { RuleBook, SimRule } from "./rules.js";
import { elevenLabsEncoding } from "./speech.js";
import { refuseUpgrade } from "./ws-refusal.js";

/**
 * ElevenLabs' input streaming, `wss://api.elevenlabs.io/v1/text-to-speech/{voice_id}/stream-input
 * ?model_id=…&output_format=…`, as the service speaks it: the first message is `{"text": " "}` with
 * `voice_settings` and `generation_config.chunk_length_schedule` (and `xi_api_key` when the key is not
 * in the `xi-api-key` header); then text, buffered until the schedule's next threshold is reached or a
 * message says `flush: true`, each generation answered with audio chunks
 * `{"audio": base64, "isFinal": null, "alignment": {chars, charStartTimesMs, charDurationsMs}, "normalizedAlignment"}`
 * whose alignment lists the characters each chunk speaks; `{"text": ""}` generates what is left, sends
 * `{"isFinal": true}` and closes. Problems are `{"message", "error", "code": 1008}` and a 1008 close;
 * no text for `inactivity_timeout` seconds (20 by default) is `input_timeout_exceeded`.
 *
 * Each connection takes one rule (`endpoint: "speech"`, `stream: true`, the model): its latency paces
 * every generation (firstByteMs before its first chunk, totalMs over the rest), `fail.status` refuses
 * the upgrade, `fail.hang` accepts and never answers, `fail.message` (without a status) is an error
 * message at the first text, `fail.dropMidStream` speaks the first generation whole and cuts the socket one
 * chunk into the next (or instead of the final marker).
 * The audio is the simulator's usual stand-in (silent MP3 frames, a tone for PCM), its length growing
 * with the text.
 */

const PATH = /^\/v1\/text-to-speech\/([^/]+)\/stream-input$/;
const DEFAULT_SCHEDULE = [120, 160, 250, 290];
const DEFAULT_INACTIVITY_S = 20;
/** Chunks per generation (at most): enough for pacing and alignment to have something to do. */
const CHUNKS_PER_GENERATION = 4;

interface ClientMessage {
  text?: unknown;
  flush?: unknown;
  try_trigger_generation?: unknown;
  voice_settings?: unknown;
  generation_config?: { chunk_length_schedule?: unknown } | null;
  xi_api_key?: unknown;
  authorization?: unknown;
}

const bytesOf = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));

/** Splits a generation's audio and text into chunks, each with the alignment of the characters it speaks. */
function generationChunks(text: string, audio: Buffer) {
  const count = Math.max(1, Math.min(CHUNKS_PER_GENERATION, Math.ceil(audio.length / 1024)));
  const chars = [...text];
  const durationMs = speechDurationMs(text);
  const perChar = durationMs / Math.max(1, chars.length);
  // Trailing spaces take no time: they ride with the last chunk, which always holds spoken characters.
  const spoken = [...text.trimEnd()].length;
  return Array.from({ length: count }, (_, i) => {
    const from = Math.floor((i * spoken) / count);
    const to = i === count - 1 ? chars.length : Math.floor(((i + 1) * spoken) / count);
    const alignment = {
      chars: chars.slice(from, to),
      charStartTimesMs: chars.slice(from, to).map((_, j) => Math.round(j * perChar)),
      charDurationsMs: chars.slice(from, to).map(() => Math.round(perChar)),
    };
    const bytes = audio.subarray(Math.floor((i * audio.length) / count), Math.floor(((i + 1) * audio.length) / count));
    return { audio: bytes.toString("base64"), isFinal: null, normalizedAlignment: alignment, alignment };
  });
}

export interface ElevenLabsStreamInput {
  /** Handles an HTTP upgrade if it is for …/stream-input; false otherwise. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): void;
}

export function elevenLabsStreamInput({ rules, log }: { rules: RuleBook; log: RequestLog }): ElevenLabsStreamInput {
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();

  function serve(ws: WebSocket, record: RecordedRequest, url: URL, rule: SimRule | undefined, keyInHeader: boolean): void {
    const encoding = elevenLabsEncoding(url.searchParams.get("output_format") ?? "mp3_44100_128")!;
    const inactivityMs = Number(url.searchParams.get("inactivity_timeout") ?? DEFAULT_INACTIVITY_S) * 1000;
    const stop = new AbortController();
    const messages: unknown[] = [];
    record.body = { messages };
    let initialized = false;
    let schedule = DEFAULT_SCHEDULE;
    let generations = 0;
    let buffer = "";
    let audioSent = 0;
    let finalSent = false;
    let work: Promise<void> = Promise.resolve();
    let inactivity: NodeJS.Timeout | undefined;
    const hang = rule?.fail?.hang === true;

    const send = (message: unknown) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    };
    const refuse = (error: string, message: string) => {
      send({ message, error, code: 1008 });
      stop.abort();
      ws.close(1008, message.slice(0, 120));
    };
    const armInactivity = () => {
      clearTimeout(inactivity);
      inactivity = setTimeout(
        () =>
          refuse(
            "input_timeout_exceeded",
            `Have not received a new text input within the timeout of ${inactivityMs / 1000} seconds. Streaming input terminated. Please make sure to either feed the input in the timely manner, or to send the end of input text (empty string "") when done.`,
          ),
        inactivityMs,
      );
    };

    /** Speaks `text` after the generations before it, paced by the rule. */
    const generate = (text: string) => {
      if (!text.trim()) return;
      work = work.then(async () => {
        const chunks = generationChunks(text, synthesizeSpeech(text, encoding));
        const delays = chunkDelays(rule?.latency, chunks.length);
        generations++;
        for (const [i, chunk] of chunks.entries()) {
          await sleep(delays[i]!, stop.signal);
          send(chunk);
          audioSent++;
          // The first generation is spoken whole; the socket breaks one chunk into the next.
          if (rule?.fail?.dropMidStream && generations > 1) {
            record.failure = "dropMidStream";
            ws.terminate();
            stop.abort();
            return;
          }
        }
      });
      work.catch(() => {}); // aborted: the socket is gone
    };

    /** The schedule: after the first generation the next threshold applies, and so on, the last one repeating. */
    const generateDue = () => {
      const threshold = schedule[Math.min(generations, schedule.length - 1)]!;
      if (buffer.length < threshold) return;
      // Whole words only: the word being written may not be finished.
      const cut = buffer.lastIndexOf(" ") + 1;
      if (cut <= 0) return;
      generate(buffer.slice(0, cut));
      buffer = buffer.slice(cut);
    };

    armInactivity();
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (stop.signal.aborted) return;
      let message: ClientMessage;
      try {
        if (isBinary) throw new Error("binary");
        const parsed: unknown = JSON.parse(bytesOf(data).toString("utf8"));
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
        message = parsed;
      } catch {
        return refuse("invalid_input_message", "Could not parse input message, make sure it is a json and follows the schema outlined in protocol.");
      }
      // The key never goes into the log.
      messages.push({ ...message, ...(message.xi_api_key !== undefined ? { xi_api_key: "<redacted>" } : {}) });
      armInactivity();
      if (typeof message.text !== "string") return refuse("invalid_input_message", "Every message must have a text field (a string).");

      if (!initialized) {
        if (!keyInHeader && typeof message.xi_api_key !== "string" && typeof message.authorization !== "string") {
          return refuse("auth_error", "You must be authenticated to use this endpoint: send the xi-api-key header, or xi_api_key in the first message.");
        }
        if (message.text !== " ") return refuse("invalid_input_message", 'The first message must have text " " (a single space).');
        const requested = message.generation_config?.chunk_length_schedule;
        if (requested !== undefined) {
          if (!Array.isArray(requested) || requested.length === 0 || !requested.every((n) => typeof n === "number" && n >= 50 && n <= 500)) {
            return refuse("invalid_input_message", "chunk_length_schedule must be a list of numbers, each between 50 and 500.");
          }
          schedule = requested as number[];
        }
        initialized = true;
        return;
      }
      if (hang) {
        clearTimeout(inactivity);
        return;
      }
      if (rule?.fail?.message && rule.fail.status === undefined) {
        record.failure = "status";
        return refuse("simulated_failure", rule.fail.message);
      }
      record.text = (record.text ?? "") + message.text;
      if (message.text === "") {
        // End of input: what is left, then the final marker, then the close.
        generate(buffer);
        buffer = "";
        clearTimeout(inactivity);
        void work.then(
          () => {
            if (stop.signal.aborted) return;
            if (rule?.fail?.dropMidStream) {
              record.failure = "dropMidStream";
              return ws.terminate();
            }
            send({ audio: null, isFinal: true, normalizedAlignment: null, alignment: null });
            finalSent = true;
            ws.close(1000);
          },
          () => {},
        );
        return;
      }
      buffer += message.text;
      if (message.flush === true) {
        generate(buffer);
        buffer = "";
        return;
      }
      generateDue();
    });
    ws.on("close", () => {
      stop.abort();
      clearTimeout(inactivity);
      record.finishedAt = Date.now();
      // What the service had said when the socket closed: its audio chunks, and whether it got to the end.
      record.body = { messages, audio_chunks: audioSent, final: finalSent };
      sockets.delete(ws);
    });
  }

  return {
    upgrade(req, socket, head) {
      const url = new URL(req.url ?? "/", "http://simulator");
      const path = PATH.exec(url.pathname.replace(/\/+$/, ""));
      if (!path) return false;
      const model = url.searchParams.get("model_id") ?? undefined;
      const record = log.add({
        endpoint: "speech",
        provider: "elevenlabs",
        method: "GET",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        ...(model ? { model } : {}),
        stream: true,
        body: null,
        at: Date.now(),
        status: 0,
      });
      const refuse = (status: number, message: string) => refuseUpgrade(socket, record, status, errorBody("elevenlabs", status, message));
      const outputFormat = url.searchParams.get("output_format") ?? "mp3_44100_128";
      if (!elevenLabsEncoding(outputFormat)) {
        refuse(400, `output_format '${outputFormat}' is not supported by the simulator (use mp3_*, pcm_* or wav_*)`);
        return true;
      }
      const rule = rules.take({ endpoint: "speech", provider: "elevenlabs", stream: true, ...(model ? { model } : {}) });
      if (rule?.fail?.status) {
        record.failure = "status";
        refuse(rule.fail.status, rule.fail.message ?? `Simulated failure (HTTP ${rule.fail.status})`);
        return true;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        record.status = 101;
        if (rule?.fail?.hang) record.failure = "hang";
        sockets.add(ws);
        const keyInHeader = typeof req.headers["xi-api-key"] === "string" && req.headers["xi-api-key"].length > 0;
        serve(ws, record, url, rule, keyInHeader);
      });
      return true;
    },
    close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
    },
  };
}
