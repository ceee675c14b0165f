/**
 * Voice activity detection on the microphone's loudness, sampled a few dozen times a second.
 *
 * Rooms differ (a quiet study, a café, a laptop fan), so thresholds sit a margin above a running
 * estimate of the room's noise floor rather than at fixed levels. The floor is learnt in a short
 * calibration when the microphone opens, follows quiet moments down quickly and loudness up slowly — and
 * even during "speech" it keeps creeping up, because a voice keeps dipping back to the room's level
 * between phrases while a steady noise mistaken for a voice never does. Two thresholds give hysteresis: speech
 * must rise above the higher one to begin and fall below the lower one to end, so a voice hovering near
 * one line does not flicker on and off. Time does the rest: speech must last `attackMs` to count as
 * started, silence must last `releaseMs` (a breath, a pause to think) before the utterance is over, and
 * an utterance shorter than `minSpeechMs` was a cough or a knock, not words.
 */

export interface VoiceActivityOptions {
  /** How far above the noise floor a voice must rise to begin (dB). */
  startMarginDb: number;
  /** Below start, the level a voice must fall under to count as quiet again (dB). */
  hysteresisDb: number;
  /** Never treat anything quieter than this as speech, however silent the room (dBFS). */
  minStartDb: number;
  attackMs: number;
  releaseMs: number;
  minSpeechMs: number;
}

/** For an utterance: quick to notice the first word, patient with pauses between sentences. */
export const UTTERANCE_DETECTION: VoiceActivityOptions = {
  startMarginDb: 12,
  hysteresisDb: 6,
  minStartDb: -55,
  attackMs: 120,
  releaseMs: 1000,
  minSpeechMs: 350,
};

/**
 * For barge-in while Rose speaks: slower and stricter, so what leaks past echo cancellation (her own
 * voice, a clink of a cup) does not cut her off; only someone clearly starting to talk does.
 */
export const BARGE_IN_DETECTION: VoiceActivityOptions = {
  startMarginDb: 18,
  hysteresisDb: 6,
  minStartDb: -45,
  attackMs: 300,
  releaseMs: 600,
  minSpeechMs: 300,
};

export type VoiceActivity = "speech-start" | "speech-end" | "false-start";

const FLOOR_MIN_DB = -90;
const INITIAL_FLOOR_DB = -65;
/** Listening to the room before listening for a voice: people rarely speak within the first moments. */
const CALIBRATION_MS = 300;
/** ...and when they do, their voice must not be learnt as the room: no room is louder than this. */
const CALIBRATION_MAX_DB = -50;
/** Per-sample rates at which the floor follows the level: down fast, up slowly, up very slowly in speech. */
const FLOOR_FALL = 0.3;
const FLOOR_RISE = 0.02;
const FLOOR_RISE_IN_SPEECH = 0.005;

export class VoiceActivityDetector {
  private floorDb = INITIAL_FLOOR_DB;
  private calibrateUntil: number | null = null;
  private phase: "quiet" | "rising" | "speaking" = "quiet";
  private risingSince = 0;
  private speechStartedAt = 0;
  private lastVoiceAt = 0;
  private startDb = 0;
  private stopDb = 0;

  constructor(private readonly options: VoiceActivityOptions = UTTERANCE_DETECTION) {
    this.computeThresholds();
  }

  get speaking(): boolean {
    return this.phase === "speaking";
  }

  /**
   * A voice may have begun: the level rose above the start threshold and has not fallen back, whether or
   * not it has lasted `attackMs` yet. A rise that falls back sooner is not reported by `update` (nothing
   * was reported to start), so whoever acts on the tentative onset watches this go false again.
   */
  get maybeSpeaking(): boolean {
    return this.phase !== "quiet";
  }

  get noiseFloorDb(): number {
    return this.floorDb;
  }

  /** Forget the utterance in progress (keeps what was learnt about the room). */
  reset(): void {
    this.phase = "quiet";
  }

  /** A (possibly) new room: the microphone was just opened. Learn the floor afresh before detecting. */
  recalibrate(): void {
    this.phase = "quiet";
    this.calibrateUntil = null;
    this.floorDb = INITIAL_FLOOR_DB;
  }

  /** One loudness sample (dBFS) at time `now` (ms); returns what changed, if anything. */
  update(levelDb: number, now: number): VoiceActivity | null {
    const level = Math.max(FLOOR_MIN_DB, Number.isFinite(levelDb) ? levelDb : FLOOR_MIN_DB);
    this.calibrateUntil ??= now + CALIBRATION_MS;
    if (now < this.calibrateUntil) {
      this.learnFloor(Math.min(level, CALIBRATION_MAX_DB), FLOOR_FALL, FLOOR_FALL);
      return null;
    }
    switch (this.phase) {
      case "quiet":
        this.learnFloor(level, FLOOR_FALL, FLOOR_RISE);
        if (level >= this.startDb) {
          this.phase = "rising";
          this.risingSince = now;
        }
        return null;

      case "rising":
        if (level < this.stopDb) {
          this.phase = "quiet";
          return null;
        }
        if (now - this.risingSince < this.options.attackMs) return null;
        this.phase = "speaking";
        this.speechStartedAt = this.risingSince;
        this.lastVoiceAt = now;
        return "speech-start";

      case "speaking":
        this.learnFloor(level, FLOOR_FALL, FLOOR_RISE_IN_SPEECH);
        if (level >= this.stopDb) this.lastVoiceAt = now;
        if (now - this.lastVoiceAt < this.options.releaseMs) return null;
        this.phase = "quiet";
        return this.lastVoiceAt - this.speechStartedAt >= this.options.minSpeechMs ? "speech-end" : "false-start";
    }
  }

  private learnFloor(level: number, fall: number, rise: number): void {
    this.floorDb += (level - this.floorDb) * (level < this.floorDb ? fall : rise);
    this.computeThresholds();
  }

  private computeThresholds(): void {
    this.startDb = Math.max(this.floorDb + this.options.startMarginDb, this.options.minStartDb);
    this.stopDb = this.startDb - this.options.hysteresisDb;
  }
}

/** Root-mean-square loudness of a block of samples in dBFS (0 dB = full scale; silence is -Infinity). */
export function rmsDb(samples: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return 10 * Math.log10(sum / Math.max(1, samples.length));
}
