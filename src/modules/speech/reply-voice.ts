import type { SentenceSpeaker, SpeakerOutcome } from "./sentence-speaker.js";
import { spokenSentenceSplitter } from "./sentence-splitter.js";

/**
 * A reply's voice while the reply is being written: its text goes in as it is generated, and each
 * sentence (the first clause on its own) comes out as audio, in order, through the speaker's callback.
 * Two kinds: sentence by sentence (each piece synthesized on its own, any provider) and streaming (one
 * connection for the whole reply: see streaming-voice.ts).
 */
export interface ReplyVoice {
  /** More of the reply, as generated. */
  write(text: string): void;
  /** A text known whole in advance (the no-speech prompt), spoken as one piece. */
  sayWhole(text: string): void;
  /** The reply is complete: whatever is left is its last sentence. */
  end(): void;
  /** Resolves once every sentence has been delivered, or the voice has stopped. */
  finished(): Promise<SpeakerOutcome>;
  /** Stops now (barge-in, or nobody is listening): nothing more is synthesized or delivered. */
  cancel(): void;
  /** When synthesis started (performance.now()), null until then. */
  readonly startedAt: number | null;
}

/** Today's path: each sentence is a request of its own through the speech chain (any provider, with fallbacks). */
export class SentenceVoice implements ReplyVoice {
  private readonly splitter = spokenSentenceSplitter();
  startedAt: number | null = null;

  constructor(private readonly speaker: SentenceSpeaker) {}

  write(text: string): void {
    this.say(this.splitter.push(text));
  }

  sayWhole(text: string): void {
    this.say([text]);
  }

  end(): void {
    this.say(this.splitter.flush());
  }

  finished(): Promise<SpeakerOutcome> {
    return this.speaker.finished();
  }

  cancel(): void {
    this.speaker.cancel();
  }

  private say(sentences: string[]): void {
    for (const sentence of sentences) {
      this.startedAt ??= performance.now();
      this.speaker.say(sentence);
    }
  }
}
