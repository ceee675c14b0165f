import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import type { RecordedRequest, RequestLog } from "./recorder.js";
import type { RuleBook, SimRule } from "./rules.js";
import { refuseUpgrade, upgradeUnderFailureRule } from "./ws-refusal.js";

/**
 * Deepgram's live recognition, `wss://api.deepgram.com/v1/listen`, as the real service speaks it:
 * the client streams raw audio (here linear16 at `sample_rate`) as binary frames and JSON control
 * messages (`KeepAlive`, `Finalize`, `CloseStream`); the service answers with `Results` messages
 * (`is_final`, `speech_final`, `channel.alternatives[0].transcript`), and `Metadata` when the stream
 * is closed. Credentials arrive as `Authorization: Token KEY` (server SDKs) or as the subprotocols
 * `token, KEY` (browsers).
 *
 * Speech is found in the audio itself (its loudness), so a test speaks real PCM and gets results at the
 * times the real service would send them: a partial result for every 250 ms of speech, revealing the
 * scripted transcript word by word, and the final one once it has received the rule's `latency.totalMs`
 * (150 ms by default) of silent audio after speech (audio time, as the real endpointing hears it), sent
 * `latency.firstByteMs` after that (0 by default: its way over the network and the model's work). Each
 * utterance takes one rule (`endpoint: "listen"`), so `times: 1` rules script a conversation turn by turn.
 * `fail.status` refuses the upgrade, `fail.hang` accepts and never answers, `fail.dropMidStream` cuts the
 * socket after the first partial result.
 */

const DEFAULT_TRANSCRIPT = "Hello Rose.";
const DEFAULT_FINAL_AFTER_SILENCE_MS = 150;
const PARTIAL_EVERY_MS = 250;
/** Mean absolute sample value above which a frame counts as speech (espeak-ng speech is far louder; silence is 0). */
const SPEECH_LEVEL = 300;

const bytesOf = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));

function meanLevel(pcm: Buffer): number {
  const samples = Math.floor(pcm.length / 2);
  if (samples === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples; i++) sum += Math.abs(pcm.readInt16LE(i * 2));
  return sum / samples;
}

function results(text: string, start: number, duration: number, isFinal: boolean, speechFinal: boolean, fromFinalize = false) {
  return {
    type: "Results",
    channel_index: [0, 1],
    duration,
    start,
    is_final: isFinal,
    speech_final: speechFinal,
    from_finalize: fromFinalize,
    channel: {
      alternatives: [
        {
          transcript: text,
          confidence: 0.98,
          words: text
            .split(/\s+/)
            .filter(Boolean)
            .map((word) => ({
              word: word.toLowerCase().replace(/[^\p{L}\p{N}']/gu, ""),
              punctuated_word: word,
              start,
              end: start + duration,
              confidence: 0.98,
            })),
        },
      ],
    },
    metadata: { request_id: randomUUID(), model_info: { name: "2-general-nova", version: "2024-01-18.26916", arch: "nova-3" }, model_uuid: randomUUID() },
  };
}

interface Utterance {
  rule: SimRule | undefined;
  words: string[];
  startedAtAudioMs: number;
  voicedMs: number;
  revealed: number;
  silentSince: number | null;
}

export interface DeepgramLive {
  /** Handles an HTTP upgrade if it is for /v1/listen; false otherwise. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): void;
}

export function deepgramLive({ rules, log }: { rules: RuleBook; log: RequestLog }): DeepgramLive {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has("token") ? "token" : false) });
  const sockets = new Set<WebSocket>();

  function credential(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization;
    if (header && /^(Token|Bearer)\s+\S+/i.test(header)) return header;
    const protocols = (req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
    const at = protocols.indexOf("token");
    return at >= 0 && protocols[at + 1] ? `Token ${protocols[at + 1]}` : undefined;
  }

  function serve(ws: WebSocket, record: RecordedRequest, url: URL, hang: boolean, dropMidStream: boolean): void {
    const sampleRate = Number(url.searchParams.get("sample_rate") ?? 16000);
    const interim = url.searchParams.get("interim_results") === "true";
    let audioMs = 0;
    let current: Utterance | null = null;
    const send = (message: unknown) => {
      if (!hang && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    };
    const finish = (utterance: Utterance, fromFinalize: boolean) => {
      if (current !== utterance) return;
      current = null;
      const transcript = utterance.rule?.reply?.transcript ?? DEFAULT_TRANSCRIPT;
      const start = utterance.startedAtAudioMs / 1000;
      const final = results(transcript, start, (audioMs - utterance.startedAtAudioMs) / 1000, true, !fromFinalize, fromFinalize);
      const delay = utterance.rule?.latency?.firstByteMs ?? 0;
      if (delay > 0) setTimeout(() => send(final), delay);
      else send(final);
    };
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        let message: { type?: string };
        try {
          message = JSON.parse(bytesOf(data).toString("utf8")) as { type?: string };
        } catch {
          ws.close(1008, "DATA-0000: the control message is not JSON");
          return;
        }
        if (message.type === "Finalize" && current) finish(current, true);
        if (message.type === "CloseStream") {
          if (current) finish(current, true);
          send({
            type: "Metadata",
            transaction_key: "deprecated",
            request_id: randomUUID(),
            sha256: "",
            created: new Date().toISOString(),
            duration: audioMs / 1000,
            channels: 1,
          });
          ws.close(1000);
        }
        return;
      }
      const pcm = bytesOf(data);
      const frameMs = (pcm.length / 2 / sampleRate) * 1000;
      const voiced = meanLevel(pcm) > SPEECH_LEVEL;
      const at = audioMs;
      audioMs += frameMs;
      record.body = { audio_ms: Math.round(audioMs) };
      if (voiced) {
        if (!current) {
          const rule = rules.take({ endpoint: "listen", provider: "deepgram" });
          const words = (rule?.reply?.transcript ?? DEFAULT_TRANSCRIPT).split(/\s+/).filter(Boolean);
          current = { rule, words, startedAtAudioMs: at, voicedMs: 0, revealed: 0, silentSince: null };
        }
        const utterance = current;
        utterance.silentSince = null;
        utterance.voicedMs += frameMs;
        const due = Math.min(utterance.words.length - 1, Math.floor(utterance.voicedMs / PARTIAL_EVERY_MS));
        if (interim && due > utterance.revealed) {
          utterance.revealed = due;
          send(
            results(utterance.words.slice(0, due).join(" "), utterance.startedAtAudioMs / 1000, (audioMs - utterance.startedAtAudioMs) / 1000, false, false),
          );
          if (dropMidStream) ws.terminate();
        }
      } else if (current) {
        // Endpointing hears the audio, not the clock: the final is due once this much silence has been
        // *received*. A client whose frames arrive late (a loaded machine) does not have its sentence cut
        // at a short pause, just as the real service cannot know a pause is long before hearing it.
        current.silentSince ??= at;
        if (audioMs - current.silentSince >= (current.rule?.latency?.totalMs ?? DEFAULT_FINAL_AFTER_SILENCE_MS)) finish(current, false);
      }
    });
    ws.on("close", () => {
      record.finishedAt = Date.now();
      sockets.delete(ws);
    });
  }

  return {
    upgrade(req, socket, head) {
      const url = new URL(req.url ?? "/", "http://simulator");
      if (url.pathname.replace(/\/+$/, "") !== "/v1/listen") return false;
      const record = log.add({
        endpoint: "listen",
        provider: "deepgram",
        method: "GET",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        model: url.searchParams.get("model") ?? undefined,
        body: null,
        at: Date.now(),
        status: 0,
      });
      const refuse = (status: number, message: string) =>
        refuseUpgrade(socket, record, status, { err_code: status === 401 ? "INVALID_AUTH" : "REQUEST_REFUSED", err_msg: message, request_id: randomUUID() });
      if (!credential(req)) {
        refuse(401, "Invalid credentials.");
        return true;
      }
      upgradeUnderFailureRule({
        rules,
        endpoint: "listen",
        provider: "deepgram",
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
