import type { SpokenAudio } from "./types.js";
import { joinWavs } from "./wav.js";

/**
 * One file for a reply spoken sentence by sentence, for replay: MP3 is a plain sequence of frames, so
 * clips simply follow one another; WAVs are merged under one header. Anything else (or a mix) is not
 * joined, and the reply has no whole-reply audio.
 */
export function joinSpokenAudio(clips: SpokenAudio[]): SpokenAudio | undefined {
  const mime = clips[0]?.mime;
  if (!mime || clips.some((c) => c.mime !== mime)) return undefined;
  if (clips.length === 1) return clips[0];
  if (mime === "audio/mpeg") return { mime, bytes: Buffer.concat(clips.map((c) => c.bytes)) };
  if (mime === "audio/wav") {
    const bytes = joinWavs(clips.map((c) => c.bytes));
    return bytes ? { mime, bytes } : undefined;
  }
  return undefined;
}
