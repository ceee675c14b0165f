import type { CharacterCard } from "../character/card.js";
import { type Emotion, HEAVY_EMOTIONS } from "../perception/emotions.js";
import type { Perception } from "../perception/perceive.js";

/**
 * The companion's own state for one person and one character: her mood (valence -1..1, arousal 0..1,
 * and the feeling they name), her energy (0..1) and the bond (0..1: how well she knows and trusts the
 * person). It changes with every exchange and with time: mood settles back to her temperament within
 * hours, energy follows the person's day (tired at 2 a.m.), the bond grows with meaningful exchanges and
 * fades slowly after weeks of absence. Pure functions: the stores only keep the numbers.
 */
export interface CompanionState {
  valence: number;
  arousal: number;
  energy: number;
  bond: number;
  /** Exchanges so far with this person. */
  exchanges: number;
  /** When the person last talked with her (ISO 8601), null before the first exchange. */
  lastSeenAt: string | null;
  /** When she last opened a conversation herself (at most one opener per return). */
  lastOpenerAt: string | null;
  /** The opener she said, for the conversation it opened: the next reply knows what she asked. */
  opener: { sessionId: string; text: string } | null;
  updatedAt: string;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const round = (v: number) => Math.round(v * 1000) / 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Her resting mood, from her temperament: agreeable and stable characters rest a little happier, extraverts livelier. */
export function baselineMood(card: CharacterCard): { valence: number; arousal: number } {
  const t = card.traits.big_five;
  if (!t) return { valence: 0.3, arousal: 0.4 };
  return {
    valence: round(clamp(0.1 + 0.3 * t.agreeableness - 0.3 * t.neuroticism + 0.1 * t.extraversion, -1, 1)),
    arousal: round(clamp(0.2 + 0.5 * t.extraversion, 0, 1)),
  };
}

export function initialState(card: CharacterCard, now: Date): CompanionState {
  return { ...baselineMood(card), energy: 0.7, bond: 0.05, exchanges: 0, lastSeenAt: null, lastOpenerAt: null, opener: null, updatedAt: now.toISOString() };
}

/** How awake anyone is at a local hour: lowest around 3 a.m., highest late morning, a dip after lunch. */
export function circadianEnergy(hour: number): number {
  const curve = [0.2, 0.15, 0.12, 0.1, 0.12, 0.2, 0.4, 0.6, 0.75, 0.85, 0.9, 0.9, 0.85, 0.75, 0.7, 0.75, 0.8, 0.8, 0.75, 0.7, 0.6, 0.5, 0.4, 0.3];
  return curve[((hour % 24) + 24) % 24]!;
}

/** Mood relaxes halfway to her temperament every 6 hours; energy comes from the hour, plus rest. */
const MOOD_HALF_LIFE_MS = 6 * HOUR;
/** Absence shorter than this costs the bond nothing; after it, the bond halves every 180 days. */
const BOND_GRACE_MS = 21 * DAY;
const BOND_HALF_LIFE_MS = 180 * DAY;

/** The state as it stands now, after time has passed since it was last written (`hour`: the person's local hour). */
export function settle(state: CompanionState, card: CharacterCard, now: Date, hour: number): CompanionState {
  const elapsed = Math.max(0, now.getTime() - Date.parse(state.updatedAt));
  const base = baselineMood(card);
  const keep = Math.pow(0.5, elapsed / MOOD_HALF_LIFE_MS);
  const absent = state.lastSeenAt ? Math.max(0, now.getTime() - Date.parse(state.lastSeenAt)) : 0;
  const fade = absent > BOND_GRACE_MS ? Math.pow(0.5, (absent - BOND_GRACE_MS) / BOND_HALF_LIFE_MS) : 1;
  // Tiredness from a long conversation wears off within a few hours; the hour of the day always shows.
  const rested = Math.min(1, elapsed / (3 * HOUR));
  const energy = circadianEnergy(hour) * 0.7 + (state.energy + (0.8 - state.energy) * rested) * 0.3;
  return {
    ...state,
    valence: round(base.valence + (state.valence - base.valence) * keep),
    arousal: round(base.arousal + (state.arousal - base.arousal) * keep),
    energy: round(clamp(energy, 0, 1)),
    bond: round(state.bond * fade),
    updatedAt: now.toISOString(),
  };
}

/** Feelings that lift her, and those that move her to concern: she answers the person's mood, she does not mirror it. */
const LIFTING: ReadonlySet<Emotion> = new Set(["joy", "gratitude", "love"]);

/** A meaningful exchange shares something real: a feeling that shows, or a message of some length. */
export function isMeaningful(message: string, perception: Perception): boolean {
  return perception.intensity >= 0.5 || perception.crisis !== null || message.trim().split(/\s+/).length >= 12;
}

/** After an exchange: mood moves with what the person shared, energy spends a little, the bond grows (more for a meaningful one). */
export function afterExchange(state: CompanionState, message: string, perception: Perception, now: Date): CompanionState {
  const weight = 0.15 + 0.35 * perception.intensity;
  let { valence, arousal } = state;
  if (LIFTING.has(perception.emotion)) {
    valence += (1 - valence) * weight * 0.6;
    arousal += (0.8 - arousal) * weight * 0.5;
  } else if (HEAVY_EMOTIONS.has(perception.emotion) || perception.crisis) {
    // Concern: a little lower, quieter and more attentive, never despairing with them.
    valence += (-0.1 - valence) * weight * 0.5;
    arousal += (0.3 - arousal) * weight * 0.5;
  } else if (perception.emotion === "anger") {
    arousal += (0.35 - arousal) * weight * 0.5;
  }
  const growth = isMeaningful(message, perception) ? 0.03 : 0.008;
  return {
    ...state,
    valence: round(clamp(valence, -1, 1)),
    arousal: round(clamp(arousal, 0, 1)),
    energy: round(clamp(state.energy - 0.01, 0, 1)),
    bond: round(clamp(state.bond + (1 - state.bond) * growth, 0, 1)),
    exchanges: state.exchanges + 1,
    lastSeenAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
}

/** The feeling her valence and arousal name: what the person sees and what shapes her tone. */
export function feelingOf({ valence, arousal, energy }: Pick<CompanionState, "valence" | "arousal" | "energy">): string {
  if (energy < 0.3) return valence >= 0 ? "sleepy but content" : "tired and quiet";
  if (valence >= 0.35) return arousal >= 0.55 ? "cheerful" : "content";
  if (valence >= 0.05) return arousal >= 0.55 ? "curious" : "calm";
  if (valence >= -0.3) return arousal >= 0.5 ? "concerned" : "tender";
  return arousal >= 0.5 ? "uneasy" : "wistful";
}

export type BondStage = "new" | "familiar" | "close" | "deep";

export function bondStage(bond: number): BondStage {
  if (bond < 0.2) return "new";
  if (bond < 0.5) return "familiar";
  if (bond < 0.8) return "close";
  return "deep";
}
