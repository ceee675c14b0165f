import type { SpokenAudio } from "./types.js";

export interface SpokenSentence {
  index: number;
  text: string;
  audio: SpokenAudio;
}

export interface SpeakerOutcome {
  /** Every sentence's audio, in order; complete only when nothing failed. */
  clips: SpokenAudio[];
  failed: boolean;
}

/** Two requests in flight: sentence N+1 is synthesized while N is delivered and played, without flooding the provider. */
const DEFAULT_CONCURRENCY = 2;

/**
 * Speaks sentences as they are handed over: each starts synthesizing at once (up to `concurrency` at a
 * time) and is delivered strictly in order, as soon as it and every sentence before it are ready.
 * The first failure stops the voice for the rest of the reply (a gap mid-reply would be worse than
 * silence); the words still reach the person as text.
 */
export class SentenceSpeaker {
  private count = 0;
  private delivery: Promise<void> = Promise.resolve();
  private readonly clips: SpokenAudio[] = [];
  private failed = false;
  /** Index of the first sentence whose synthesis failed: nothing after it is started any more. */
  private firstFailure = Number.POSITIVE_INFINITY;
  private readonly stop = new AbortController();
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly synthesize: (text: string, signal: AbortSignal) => Promise<SpokenAudio>,
    private readonly onSpoken: (sentence: SpokenSentence) => void,
    private readonly concurrency = DEFAULT_CONCURRENCY,
  ) {}

  /** Number of sentences handed over so far. */
  get sentences(): number {
    return this.count;
  }

  say(text: string): void {
    if (this.stop.signal.aborted || this.count > this.firstFailure) return;
    const index = this.count++;
    const audio = this.withSlot(index, () => this.synthesize(text, this.stop.signal));
    audio.catch(() => {}); // observed by the delivery chain below, in order
    this.delivery = this.delivery.then(async () => {
      if (this.failed || this.stop.signal.aborted) return;
      try {
        const spoken = await audio;
        if (this.stop.signal.aborted) return;
        this.clips.push(spoken);
        this.onSpoken({ index, text, audio: spoken });
      } catch {
        this.failed = true;
        this.stop.abort(); // the rest of the reply would only be delivered after a gap: cancel it
      }
    });
  }

  /** Resolves once every sentence handed over so far has been delivered, or the voice has stopped. */
  async finished(): Promise<SpeakerOutcome> {
    await this.delivery;
    return { clips: this.clips, failed: this.failed };
  }

  /** Abandons whatever is still being synthesized (the listener went away). */
  cancel(): void {
    this.stop.abort();
  }

  private async withSlot<T>(index: number, work: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      this.stop.signal.throwIfAborted();
      if (index > this.firstFailure) throw new Error("the voice stopped at an earlier sentence");
      return await work();
    } catch (error) {
      // Recorded before the slot is released, so the sentence waiting for it sees the failure and does not start.
      this.firstFailure = Math.min(this.firstFailure, index);
      throw error;
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
