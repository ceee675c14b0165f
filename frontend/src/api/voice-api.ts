import { ApiError, apiErrorFrom, localTimezone, postForEvents } from "./http";

/** The events of POST /api/v1/voice/stream, in the order Rose sends them. */
export interface VoiceDone {
  session_id: string;
  transcript: string;
  text: string;
  audio_url: string | null;
  no_speech: boolean;
  fallback: boolean;
  tts_failed?: boolean;
}

export interface SpokenSentence {
  index: number;
  text: string;
  mime: string;
  /** base64 */
  data: string;
}

export interface VoiceTurnHandlers {
  /** The session the turn runs in, from the first event: keep it before `done`, which an interrupted reply never sends. */
  onSession?(sessionId: string): void;
  onTranscript(text: string): void;
  onToken(text: string): void;
  onAudio(sentence: SpokenSentence): void;
}

/** Sends one recording and reports the turn as it streams back; resolves with `done`. */
export async function streamVoiceTurn(recording: Blob, sessionId: string | null, handlers: VoiceTurnHandlers, signal?: AbortSignal): Promise<VoiceDone> {
  const form = new FormData();
  form.append("audio", recording, fileNameFor(recording.type));
  if (sessionId) form.append("session_id", sessionId);
  const timezone = localTimezone();
  if (timezone) form.append("timezone", timezone);
  // No content-type header: the browser writes the multipart boundary itself.
  for await (const { event, data } of postForEvents("/voice/stream", form, {}, signal)) {
    if (event === "transcript") {
      const transcript = data as { text: string; session_id?: string };
      if (transcript.session_id) handlers.onSession?.(transcript.session_id);
      handlers.onTranscript(transcript.text);
    } else if (event === "token") handlers.onToken((data as { text: string }).text);
    else if (event === "audio") handlers.onAudio(data as SpokenSentence);
    else if (event === "done") return data as VoiceDone;
    else if (event === "error") throw apiErrorFrom(500, data);
  }
  throw new ApiError(0, "network", "Rose's answer was cut off before it finished.");
}

/** The server recognises the format from the bytes; the name only helps people reading logs. */
function fileNameFor(mime: string): string {
  if (mime.includes("ogg")) return "speech.ogg";
  if (mime.includes("mp4")) return "speech.m4a";
  if (mime.includes("wav")) return "speech.wav";
  return "speech.webm";
}
