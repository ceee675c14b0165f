import { parseWav } from "../speech/wav.js";
import type { SpokenAudio } from "../speech/types.js";

/**
 * What the person actually heard of a reply that was cut off: every clip they heard to its end, then the
 * share of the clip playing when they spoke, cut at a word. Playback comes from the client's `playback`
 * reports (exact); a client that sends none is assumed to have played each clip as it arrived.
 */

/** Layer III bitrates (kbit/s) by header index: MPEG-1, and MPEG-2/2.5. */
const MPEG1_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MPEG2_KBPS = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
/** ElevenLabs' and OpenAI's default MP3s: when no frame header can be read. */
const DEFAULT_MP3_KBPS = 128;

/** The bitrate in the first MP3 frame header (after an ID3 tag, if any): TTS providers send constant-bitrate MP3. */
function mp3Kbps(bytes: Buffer): number | undefined {
  let offset = 0;
  if (bytes.toString("latin1", 0, 3) === "ID3" && bytes.length >= 10) {
    offset = 10 + (((bytes[6]! & 0x7f) << 21) | ((bytes[7]! & 0x7f) << 14) | ((bytes[8]! & 0x7f) << 7) | (bytes[9]! & 0x7f));
  }
  for (let i = offset; i + 2 < bytes.length && i < offset + 4096; i++) {
    if (bytes[i] !== 0xff || (bytes[i + 1]! & 0xe0) !== 0xe0 || ((bytes[i + 1]! >> 1) & 0b11) !== 0b01) continue; // sync + Layer III
    const kbps = ((bytes[i + 1]! >> 3) & 0b11) === 0b11 ? MPEG1_KBPS : MPEG2_KBPS;
    const rate = kbps[(bytes[i + 2]! >> 4) & 0x0f];
    if (rate) return rate;
  }
  return undefined;
}

/** How long a clip plays: exact for WAV, from the bitrate for (constant-bitrate) MP3. */
export function clipDurationMs(audio: SpokenAudio): number {
  const wav = parseWav(audio.bytes);
  if (wav && wav.fmt.length >= 16) {
    const byteRate = wav.fmt.readUInt32LE(8);
    if (byteRate > 0) return (wav.pcm.length / byteRate) * 1000;
  }
  const kbps = mp3Kbps(audio.bytes) ?? DEFAULT_MP3_KBPS;
  return (audio.bytes.length * 8) / kbps;
}

/** The words spoken in the first `fraction` of a clip (speech runs at a roughly even pace). */
export function wordsWithin(text: string, fraction: number): string {
  if (fraction >= 1) return text;
  if (fraction <= 0) return "";
  const words = text.split(/\s+/).filter(Boolean);
  return words.slice(0, Math.floor(words.length * fraction)).join(" ");
}

export interface SentClip {
  index: number;
  text: string;
  durationMs: number;
  /** When the clip went out (performance.now()). */
  sentAt: number;
}

/** Slack for a report that stops a few milliseconds short of a clip's computed length. */
const END_SLACK_MS = 40;

/**
 * `played` maps a clip's index to how much of it was heard (ms), from the client's reports; when it is
 * null, playback is estimated from when each clip was sent, one after another, until `now`.
 */
export function heardText(clips: readonly SentClip[], played: ReadonlyMap<number, number> | null, now: number): string {
  const heard: string[] = [];
  let playingUntil = 0;
  for (const clip of [...clips].sort((a, b) => a.index - b.index)) {
    let playedMs: number;
    if (played) {
      playedMs = played.get(clip.index) ?? 0;
    } else {
      const startedAt = Math.max(clip.sentAt, playingUntil);
      playingUntil = startedAt + clip.durationMs;
      playedMs = Math.max(0, now - startedAt);
    }
    if (playedMs + END_SLACK_MS >= clip.durationMs) {
      heard.push(clip.text);
      continue;
    }
    const partial = wordsWithin(clip.text, playedMs / clip.durationMs);
    if (partial) heard.push(partial);
    break;
  }
  return heard.join(" ");
}

/** Whether any of the reply is still playing (or yet to play) at `now`: speaking over it is barge-in. */
export function stillPlaying(clips: readonly SentClip[], played: ReadonlyMap<number, number> | null, now: number): boolean {
  if (clips.length === 0) return false;
  if (played) return clips.some((clip) => (played.get(clip.index) ?? 0) + END_SLACK_MS < clip.durationMs);
  let playingUntil = 0;
  for (const clip of [...clips].sort((a, b) => a.index - b.index)) playingUntil = Math.max(clip.sentAt, playingUntil) + clip.durationMs;
  return now < playingUntil;
}
