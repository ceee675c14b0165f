/**
 * Whisper never answers "nothing": given silence, breathing or room noise it tends to produce one of a
 * handful of phrases learnt from subtitled videos. Such a transcript is treated as no speech, so Rose
 * does not answer a "Thanks for watching!" nobody said. The price: someone who really says only
 * "Thank you." hears the gentle prompt instead of a reply.
 */

/** What Rose says (and speaks) when she heard nothing she could answer. */
export const NO_SPEECH_REPLY = "I didn't quite catch that. Could you say it again, or type it if that's easier?";

/** Known hallucinations, compared after normalising case, punctuation and spacing. */
const HALLUCINATED_PHRASES = new Set([
  "you",
  "thank you",
  "thanks for watching",
  "thank you for watching",
  "thanks for watching and see you next time",
  "thank you for watching and see you next time",
  "please subscribe",
  "please like and subscribe",
  "like and subscribe",
  "dont forget to like and subscribe",
  "see you next time",
  "see you in the next video",
  "so",
  "um",
  "uh",
  "music",
  "applause",
  "silence",
  "blank audio",
]);

/** Credits lines Whisper copies from subtitle files: "Subtitles by the Amara.org community", "Transcribed by ...". */
const CREDITS = /^(subtitles?|captions?|closed captions?|transcription|transcribed|translated|translation|subtitled)( \w+)? by\b/;

function normalise(transcript: string): string {
  return transcript
    .toLowerCase()
    .replace(/[’']/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** True when the transcript holds nothing to answer: empty, punctuation only, or a known hallucination. */
export function isNoSpeech(transcript: string): boolean {
  const text = normalise(transcript);
  return text === "" || HALLUCINATED_PHRASES.has(text) || CREDITS.test(text);
}
