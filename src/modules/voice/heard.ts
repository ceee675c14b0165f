import { parseWav } from "../speech/wav.js";
import type { SpokenAudio } from "../speech/types.js";

/**
 * What the person actually heard of a reply that was cut off: every clip they heard to its end, then the
 * share of the clip playing when they spoke, cut at a word. Playback comes from the client's `playback`
 * reports (exact); a client that sends none is assumed to have played each clip as it arrived.
 */

/** ElevenLabs' and OpenAI's default MP3s are 128 kbit/s: the duration follows from the size. */
const MP3_BYTES_PER_MS = 128_000 / 8 / 1000;

export function clipDurationMs(audio: SpokenAudio): number {
  const wav = parseWav(audio.bytes);
  if (wav && wav.fmt.length >= 16) {
    const byteRate = wav.fmt.readUInt32LE(8);
    if (byteRate > 0) return (wav.pcm.length / byteRate) * 1000;
  }
  return audio.bytes.length / MP3_BYTES_PER_MS;
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
