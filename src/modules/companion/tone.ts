import type { Emotion } from "../perception/emotions.js";
import type { Perception } from "../perception/perceive.js";
import type { SpeechStyle } from "../speech/types.js";

/** How to meet each feeling, in words for the prompt. */
const TONE: Record<Emotion, string> = {
  neutral: "",
  joy: "The person sounds happy: share their joy warmly and let them tell you more.",
  gratitude: "The person is grateful: receive it simply and warmly.",
  love: "The person is expressing affection: answer with warmth and care, honestly.",
  sadness: "The person sounds sad: be gentle and slow, acknowledge the feeling before anything else, no cheering up.",
  grief: "The person is grieving: be very gentle, unhurried and present; honour the person they lost; no silver linings or advice unless asked.",
  loneliness: "The person feels lonely: be especially warm and present, and show that you are glad they are here.",
  anxiety: "The person sounds anxious: be calm and steady, slow things down, one small step at a time.",
  fear: "The person sounds frightened: be calm, reassuring and clear; ask whether they are safe.",
  anger: "The person sounds angry: stay calm and do not argue; acknowledge what feels unfair.",
  shame: "The person feels ashamed: be kind and non-judging, and gently separate who they are from what happened.",
};

/** Tone guidance for the prompt, or null for a plain message. */
export function toneGuidance(perception: Perception): string | null {
  const tone = TONE[perception.emotion];
  if (!tone) return null;
  return perception.intensity >= 0.7 ? `${tone} The feeling is strong.` : tone;
}

const DELIVERY: Record<Emotion, SpeechStyle["delivery"]> = {
  neutral: "warm",
  joy: "bright",
  gratitude: "warm",
  love: "warm",
  sadness: "gentle",
  grief: "gentle",
  loneliness: "gentle",
  anxiety: "calm",
  fear: "calm",
  anger: "calm",
  shame: "gentle",
};

/**
 * How her voice should sound this turn: the delivery meets the person's feeling (gentler with someone
 * grieving, and always gentle in a crisis), at the person's chosen pace, in the character's voice or
 * the one the person chose.
 */
export function speechStyleFor(perception: Perception, pace: number, voices: Record<string, string>): SpeechStyle {
  const delivery = perception.crisis ? "gentle" : DELIVERY[perception.emotion];
  const intensity = perception.crisis ? Math.max(0.8, perception.intensity) : perception.intensity;
  return { delivery, intensity, rate: pace, voices };
}
