import type { Logger } from "../../core/logger.js";
import type { AudioStore } from "../speech/audio-store.js";
import type { Speech } from "../speech/speech.js";
import type { SpeechStyle } from "../speech/types.js";
import { audioUrlFor } from "./pipeline.js";

export interface SpokenOpenerDeps {
  speech: Speech;
  audioStore: AudioStore;
  logger: Logger;
}

/**
 * Rose's opener in her voice, for the voice page to say aloud when a conversation starts. Stored like a
 * reply's audio, under the conversation it opens, so deleting the conversation deletes it. Best effort:
 * null when speech is off or synthesis or storage fails, and the opener then stands as words alone.
 */
export async function speakOpener(
  { speech, audioStore, logger }: SpokenOpenerDeps,
  target: { userId: string; sessionId: string },
  text: string,
  style: SpeechStyle,
): Promise<string | null> {
  if (!speech.canSpeak) return null;
  try {
    const audio = await speech.synthesize(text, undefined, style);
    return audioUrlFor(await audioStore.save(target.userId, audio, target.sessionId));
  } catch (error) {
    logger.warn("the opener could not be spoken; it is sent as words only", { error: (error as Error).message });
    return null;
  }
}
