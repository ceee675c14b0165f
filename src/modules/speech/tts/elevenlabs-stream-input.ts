import * as wire from "@elevenlabs/elevenlabs-js/serialization/index.js";
import WebSocket, { type RawData } from "ws";
import { kindOfStatus, ProviderError, type ProviderErrorKind } from "../../../core/resilience/provider-error.js";
import type { SpeechInputHandlers, SpeechInputStream } from "../types.js";

/**
 * ElevenLabs' input streaming, `wss://api.elevenlabs.io/v1/text-to-speech/{voice_id}/stream-input`,
 * spoken as the service documents it. The SDK has no client for this socket, but it ships the
 * messages' schemas: they write every message we send (its wire names), and `ws` carries them.
 *
 *   → {"text": " ", "voice_settings": {…}, "generation_config": {"chunk_length_schedule": […]}}   first
 *   → {"text": "words "}                       more text, buffered until the schedule says generate
 *   → {"text": "end. ", "flush": true}         generate what is buffered now (each piece's end)
 *   → {"text": ""}                             end of input: the last audio, `isFinal`, then the close
 *   ← {"audio": base64, "isFinal": null, "alignment": {"chars", "charStartTimesMs", …}, "normalizedAlignment"}
 *   ← {"isFinal": true}
 *   ← {"message", "error", "code"} then a close (1008) when something is wrong
 *
 * The key travels in the `xi-api-key` header, never in a message. Audio arrives in chunks that do not
 * say which piece they belong to; their alignment does: each chunk lists the characters of the text it
 * speaks, so a piece is complete once all of its characters (spaces aside) have been spoken, and a flush
 * at every piece's end keeps pieces apart. Should the service leave out a character (a quote it
 * dropped), the piece still ends once its letters are spoken and a chunk with the next piece's letters
 * arrives, or at the end of the stream.
 */

/** The request's settings, in ElevenLabs' wire names. */
export interface StreamInputRequest {
  /** Where the REST API lives (the SDK's base URL); the socket is the same host over ws(s). */
  baseUrl: string;
  apiKey: string;
  voiceId: string;
  model: string;
  outputFormat: string;
  mime: string;
  voiceSettings?: { stability: number; similarityBoost: number; style: number; speed: number };
  /** Characters buffered before the service generates on its own (flush at a piece's end generates at once). */
  chunkLengthSchedule: readonly number[];
  /** A piece waiting this long for any message is a stalled stream. */
  stallMs: number;
}

type AlignmentWire = { chars?: string[] | null } | null | undefined;

/** What the service sends: audio (with its alignment), the final marker, or an error. */
interface ServerMessage {
  audio?: string | null;
  isFinal?: boolean | null;
  alignment?: AlignmentWire;
  normalizedAlignment?: AlignmentWire;
  message?: string;
  error?: string;
  code?: number;
}

/** Characters that take speaking time: everything but spaces; letters and digits are the words themselves. */
const countOf = (text: string) => ({ characters: text.match(/\S/gu)?.length ?? 0, letters: text.match(/[\p{L}\p{N}]/gu)?.length ?? 0 });

/** ElevenLabs' in-band errors, in resilience terms: a bad key or quota is the request's problem, a timeout a timeout, the rest the service's. */
const ERROR_KINDS: Record<string, ProviderErrorKind> = {
  input_timeout_exceeded: "timeout",
  invalid_api_key: "client",
  auth_error: "client",
  quota_exceeded: "client",
  invalid_input_message: "client",
  voice_not_found: "client",
  rate_limited: "rate_limited",
};

interface Piece {
  /** What was written for it (spaces aside); null while it is still being written. */
  expected: { characters: number; letters: number } | null;
  spoken: { characters: number; letters: number };
  chunks: Buffer[];
}

const allSpoken = (piece: Piece) => piece.expected !== null && piece.spoken.characters >= piece.expected.characters;
const wordsSpoken = (piece: Piece) => piece.expected !== null && piece.spoken.letters >= piece.expected.letters;

export function streamInputUrl(request: Pick<StreamInputRequest, "baseUrl" | "voiceId" | "model" | "outputFormat">): string {
  const url = new URL(
    `v1/text-to-speech/${encodeURIComponent(request.voiceId)}/stream-input`,
    request.baseUrl.endsWith("/") ? request.baseUrl : `${request.baseUrl}/`,
  );
  url.protocol = url.protocol === "http:" ? "ws:" : "wss:";
  url.searchParams.set("model_id", request.model);
  url.searchParams.set("output_format", request.outputFormat);
  return url.toString();
}

/** The first message: voice settings and the schedule may only be given here. */
function initializeMessage(request: StreamInputRequest) {
  return wire.InitializeConnection.jsonOrThrow({
    text: " ",
    ...(request.voiceSettings ? { voiceSettings: request.voiceSettings } : {}),
    generationConfig: { chunkLengthSchedule: [...request.chunkLengthSchedule] },
  });
}

const bytesOf = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));

/** Opens the socket and sends the first message; resolves once text can be written. */
export function openStreamInput(provider: string, request: StreamInputRequest, handlers: SpeechInputHandlers, signal: AbortSignal): Promise<SpeechInputStream> {
  return new Promise((resolve, reject) => {
    signal.throwIfAborted();
    const ws = new WebSocket(streamInputUrl(request), { headers: { "xi-api-key": request.apiKey } });
    const queue: Piece[] = [];
    let delivered = 0;
    let opened = false;
    let ended = false;
    /** Closed by us or broken: no callback after this. */
    let over = false;
    let stallTimer: NodeJS.Timeout | undefined;
    /** The piece being written, as written so far: its letters are what its audio must speak. */
    let pieceText = "";
    /** Whether the service sends alignment (it does by default): without it, pieces cannot be told apart. */
    let aligned = false;

    const onAbort = () => {
      if (opened) return;
      over = true;
      ws.terminate();
      reject(signal.reason instanceof Error ? signal.reason : new ProviderError({ provider, kind: "timeout", message: "the connection did not open in time" }));
    };
    signal.addEventListener("abort", onAbort, { once: true });

    const stop = () => {
      over = true;
      clearTimeout(stallTimer);
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      else ws.terminate();
    };

    const fail = (error: Error) => {
      if (over) return;
      stop();
      if (opened) handlers.onError(error);
      else reject(error);
    };

    /** Watches for a stream that stopped answering while audio is owed. */
    const armStall = () => {
      clearTimeout(stallTimer);
      const owed = ended || queue.some((p) => p.expected !== null);
      if (!owed || over) return;
      stallTimer = setTimeout(
        () => fail(new ProviderError({ provider, kind: "timeout", message: `no audio for ${request.stallMs} ms while a sentence was due` })),
        request.stallMs,
      );
      stallTimer.unref?.();
    };

    const send = (message: unknown) => {
      if (!over && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    };

    const openPiece = (): Piece => {
      const last = queue.at(-1);
      if (last && last.expected === null) return last;
      const piece: Piece = { expected: null, spoken: { characters: 0, letters: 0 }, chunks: [] };
      queue.push(piece);
      return piece;
    };

    /** Hands over the head of the queue: its audio, whole, as the next piece. */
    const deliverHead = () => {
      const head = queue.shift()!;
      if (head.chunks.length === 0) {
        // The service finished without speaking a piece: its words would be lost, so the stream has failed.
        fail(new ProviderError({ provider, kind: "server", message: "the stream ended without audio for a sentence" }));
        return;
      }
      handlers.onPiece(delivered++, { mime: request.mime, bytes: Buffer.concat(head.chunks) });
    };

    const deliverComplete = (everything: boolean) => {
      while (!over && queue[0] && (allSpoken(queue[0]) || (everything && queue[0].expected !== null))) deliverHead();
    };

    const received = (message: ServerMessage) => {
      if (typeof message.message === "string" && typeof message.audio !== "string") {
        const kind = (message.error ? ERROR_KINDS[message.error] : undefined) ?? "server";
        fail(new ProviderError({ provider, kind, message: `${message.error ?? "error"}: ${message.message}` }));
        return;
      }
      if (typeof message.audio === "string" && message.audio.length > 0) {
        const alignment = message.alignment ?? message.normalizedAlignment;
        if (!alignment && !aligned) {
          // Without alignment the audio cannot be cut per sentence; better the other path from the start than one clip for all.
          fail(new ProviderError({ provider, kind: "server", message: "the audio came without alignment, so it cannot be cut per sentence" }));
          return;
        }
        aligned ||= !!alignment;
        const chars = (alignment?.chars ?? []).join("");
        const count = countOf(chars);
        // A chunk with words while the head's words are all spoken starts the next piece.
        if (count.letters > 0 && queue[0] && wordsSpoken(queue[0]) && queue.length > 1) deliverHead();
        if (over) return;
        // Audio before any piece is ended belongs to the piece being written (the schedule started it).
        const piece = queue[0] ?? openPiece();
        piece.chunks.push(Buffer.from(message.audio, "base64"));
        piece.spoken.characters += count.characters;
        piece.spoken.letters += count.letters;
        deliverComplete(false);
        if (over) return;
      }
      if (message.isFinal === true) {
        deliverComplete(true);
        if (over) return;
        over = true;
        clearTimeout(stallTimer);
        ws.close(1000);
        handlers.onDone();
        return;
      }
      armStall();
    };

    ws.on("unexpected-response", (_request, response) => {
      const status = response.statusCode ?? 502;
      response.resume();
      fail(new ProviderError({ provider, kind: kindOfStatus(status), status, message: "the stream-input connection was refused" }));
    });
    ws.on("error", (error) => fail(new ProviderError({ provider, kind: "network" }, { cause: error })));
    ws.on("close", (code, reason) => {
      if (over) return;
      if (ended && queue.length === 0) {
        // Every piece arrived and the service closed without its final marker: done all the same.
        over = true;
        clearTimeout(stallTimer);
        handlers.onDone();
        return;
      }
      const why = reason.toString("utf8") || `closed with code ${code}`;
      fail(new ProviderError({ provider, kind: code === 1008 ? "client" : "network", message: `the stream closed before its audio ended: ${why}` }));
    });
    ws.on("message", (data, isBinary) => {
      if (over || isBinary) return;
      let message: ServerMessage;
      try {
        message = JSON.parse(bytesOf(data).toString("utf8")) as ServerMessage;
      } catch {
        fail(new ProviderError({ provider, kind: "server", message: "the service sent a message that is not JSON" }));
        return;
      }
      received(message);
    });
    ws.on("open", () => {
      signal.removeEventListener("abort", onAbort);
      if (over) return;
      opened = true;
      send(initializeMessage(request));
      const endPiece = () => {
        if (over || ended) return;
        // Every call is a piece, so indices stay in step (one with no text fails below: nothing to speak is owed audio).
        const piece = openPiece();
        piece.expected = countOf(pieceText);
        pieceText = "";
        // Text must end with a space; the flush makes the service generate this piece now.
        send(wire.SendText.jsonOrThrow({ text: " ", flush: true }));
        deliverComplete(false);
        armStall();
      };
      resolve({
        write(text) {
          if (over || ended || !text) return;
          openPiece();
          pieceText += text;
          send(wire.SendText.jsonOrThrow({ text }));
        },
        endPiece,
        end() {
          if (over || ended) return;
          if (queue.at(-1)?.expected === null) endPiece(); // text written since the last piece ended
          ended = true;
          if (queue.length === 0) {
            stop();
            handlers.onDone();
            return;
          }
          send(wire.CloseConnection.jsonOrThrow({ text: "" }));
          armStall();
        },
        close: stop,
      });
    });
  });
}
