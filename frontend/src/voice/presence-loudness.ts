/**
 * How loud Rose's voice is right now, as the presence on the voice page shows it: the RMS of the samples
 * an AnalyserNode hands over, put on a decibel scale (what the ear hears as "twice as loud" is a ratio,
 * not a difference) and smoothed with a quick attack and a slow release, so the form swells with each
 * syllable and settles calmly between words instead of flickering. Pure: no Web Audio here.
 */

/** Root mean square of time-domain samples (each in -1..1); 0 for none. */
export function rms(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    sum += s * s;
  }
  return Math.sqrt(sum / samples.length);
}

export interface LevelScale {
  /** At or below this (dBFS) is silence: level 0. A quiet pause in speech sits around -55 dBFS. */
  floorDb: number;
  /** At or above this is full voice: level 1. Normalised speech peaks around -10 dBFS. */
  ceilingDb: number;
}

export const VOICE_SCALE: LevelScale = { floorDb: -52, ceilingDb: -12 };

/** An RMS as a 0..1 level between the scale's floor and ceiling, linear in decibels. */
export function levelOfRms(value: number, scale: LevelScale = VOICE_SCALE): number {
  if (!(value > 0)) return 0;
  const db = 20 * Math.log10(value);
  return Math.min(1, Math.max(0, (db - scale.floorDb) / (scale.ceilingDb - scale.floorDb)));
}

export interface Smoothing {
  /** Time constant while the level rises (ms): short, so a syllable shows as it is said. */
  attackMs: number;
  /** Time constant while it falls (ms): longer, so the form eases back between words. */
  releaseMs: number;
}

export const VOICE_SMOOTHING: Smoothing = { attackMs: 50, releaseMs: 280 };

/**
 * Follows a level with separate attack and release (a one-pole envelope follower). Frame-rate
 * independent: each step is given the time since the last, so a 120 Hz screen and a throttled
 * background tab settle at the same speed.
 */
export class LoudnessFollower {
  private current = 0;

  constructor(private readonly smoothing: Smoothing = VOICE_SMOOTHING) {}

  get value(): number {
    return this.current;
  }

  /** Moves toward `target` (0..1) over `elapsedMs`, and returns the smoothed level. */
  next(target: number, elapsedMs: number): number {
    const goal = Math.min(1, Math.max(0, Number.isFinite(target) ? target : 0));
    const tau = goal > this.current ? this.smoothing.attackMs : this.smoothing.releaseMs;
    const dt = Math.max(0, Number.isFinite(elapsedMs) ? elapsedMs : 0);
    const step = tau <= 0 ? 1 : 1 - Math.exp(-dt / tau);
    this.current += (goal - this.current) * step;
    // Below what anyone could see: call it silence, so an idle form is exactly still.
    if (this.current < 1e-3) this.current = 0;
    return this.current;
  }

  reset(): void {
    this.current = 0;
  }
}
