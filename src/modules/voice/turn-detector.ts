import { pcmBytesFor, pcmDurationMs, pcmToFloat32 } from "./pcm.js";
import { type FrameClassifier, VAD_FRAME_SAMPLES } from "./vad.js";

/**
 * Server-side turn detection: PCM in (frames of any size), "the person started speaking" and "the person
 * has finished their turn" out. Speech starts after a couple of frames above the speech threshold (so a
 * click is not a turn), and the turn ends after `endOfTurnMs` of quiet; the thresholds have hysteresis
 * (Silero's own 0.5 / 0.35), so a word trailing off does not flicker. The utterance's audio, with a short
 * lead-in before the detected start, is kept for batch recognition, up to a cap.
 */

export interface TurnDetectorOptions {
  /** Quiet after speech that ends the turn. */
  endOfTurnMs: number;
  /** Longest utterance kept for recognition; beyond it the turn is ended as if the person paused. */
  maxUtteranceMs: number;
  /** Consecutive speech frames (32 ms each) before speech counts as started. */
  onsetFrames?: number;
  speechThreshold?: number;
  silenceThreshold?: number;
}

export interface TurnEvents {
  onSpeechStart(): void;
  /** The first quiet frame after speech: the moment the person (perhaps) stopped. */
  onSilence?(): void;
  /**
   * Speech again after a pause too short to end the turn (as many frames as an onset). A streaming
   * recogniser may already have taken that pause for the end of what the person had to say.
   */
  onSpeechResumed?(): void;
  /** The turn is over: its audio (16 kHz PCM) for a recogniser that needs the whole utterance. */
  onTurnEnd(utterance: Buffer): void;
}

const FRAME_BYTES = VAD_FRAME_SAMPLES * 2;
const FRAME_MS = pcmDurationMs(FRAME_BYTES);
const LEAD_IN_MS = 300;

export class TurnDetector {
  private pending: Buffer = Buffer.alloc(0);
  private speaking = false;
  private onsetRun = 0;
  private quietMs = 0;
  /** Speech frames in a row since a pause within the turn (0 while no pause has been broken). */
  private resumeRun = 0;
  private readonly leadIn: Buffer[] = [];
  private utterance: Buffer[] = [];
  private utteranceBytes = 0;
  private work: Promise<void> = Promise.resolve();
  private readonly onsetFrames: number;
  private readonly speechThreshold: number;
  private readonly silenceThreshold: number;

  constructor(
    private readonly classifier: FrameClassifier,
    private readonly options: TurnDetectorOptions,
    private readonly events: TurnEvents,
  ) {
    this.onsetFrames = options.onsetFrames ?? 2;
    this.speechThreshold = options.speechThreshold ?? 0.5;
    this.silenceThreshold = options.silenceThreshold ?? 0.35;
  }

  get isSpeaking(): boolean {
    return this.speaking;
  }

  /** Speech has come back after a pause within the turn (onSpeechResumed), and no quiet since. */
  get speakingAgain(): boolean {
    return this.speaking && this.resumeRun >= this.onsetFrames;
  }

  /** Queues audio; resolves when it (and everything before it) has been classified. */
  push(pcm: Buffer): Promise<void> {
    this.work = this.work.then(() => this.process(pcm));
    return this.work;
  }

  private async process(pcm: Buffer): Promise<void> {
    this.pending = this.pending.length ? Buffer.concat([this.pending, pcm]) : pcm;
    while (this.pending.length >= FRAME_BYTES) {
      const frame = this.pending.subarray(0, FRAME_BYTES);
      this.pending = this.pending.subarray(FRAME_BYTES);
      const probability = await this.classifier.speechProbability(pcmToFloat32(frame));
      this.classify(Buffer.from(frame), probability);
    }
  }

  private classify(frame: Buffer, probability: number): void {
    if (!this.speaking) {
      this.leadIn.push(frame);
      if (this.leadIn.length * FRAME_MS > LEAD_IN_MS) this.leadIn.shift();
      this.onsetRun = probability >= this.speechThreshold ? this.onsetRun + 1 : 0;
      if (this.onsetRun < this.onsetFrames) return;
      this.speaking = true;
      this.quietMs = 0;
      this.utterance = this.leadIn.splice(0);
      this.utteranceBytes = this.utterance.reduce((n, b) => n + b.length, 0);
      this.events.onSpeechStart();
      return;
    }
    if (this.utteranceBytes < pcmBytesFor(this.options.maxUtteranceMs)) {
      this.utterance.push(frame);
      this.utteranceBytes += frame.length;
    }
    if (probability < this.silenceThreshold) {
      if (this.quietMs === 0) this.events.onSilence?.();
      this.quietMs += FRAME_MS;
      this.resumeRun = 0;
    } else if (probability >= this.speechThreshold) {
      if (this.quietMs > 0 || this.resumeRun > 0) this.resumeRun++;
      this.quietMs = 0;
      if (this.resumeRun === this.onsetFrames) this.events.onSpeechResumed?.();
    }
    const tooLong = this.utteranceBytes >= pcmBytesFor(this.options.maxUtteranceMs);
    if (this.quietMs >= this.options.endOfTurnMs || tooLong) this.endTurn();
  }

  private endTurn(): void {
    const audio = Buffer.concat(this.utterance);
    this.speaking = false;
    this.onsetRun = 0;
    this.quietMs = 0;
    this.resumeRun = 0;
    this.utterance = [];
    this.utteranceBytes = 0;
    this.events.onTurnEnd(audio);
  }
}
