import { type Emotion, type EmotionReading, NEUTRAL } from "./emotions.js";

/**
 * The offline reading of a message's feeling: a small hand-made lexicon of stems per emotion, with
 * intensifiers and negation. It is what Rose uses when no model answers, so it favours precision: a
 * plain message reads as neutral rather than as a guess.
 */
const LEXICON: Record<Exclude<Emotion, "neutral">, string[]> = {
  joy: [
    "happy",
    "glad",
    "great news",
    "excited",
    "wonderful",
    "amazing",
    "delighted",
    "thrilled",
    "yay",
    "fantastic",
    "so good",
    "love it",
    "got the job",
    "passed",
  ],
  gratitude: ["thank", "grateful", "appreciate", "thankful"],
  love: ["i love you", "adore", "in love", "my sweetheart", "cherish"],
  sadness: ["sad", "unhappy", "down", "depressed", "crying", "cried", "tears", "heartbroken", "miserable", "awful day", "hopeless", "empty"],
  grief: [
    "died",
    "passed away",
    "funeral",
    "grief",
    "grieving",
    "lost my",
    "loss of",
    "miss her",
    "miss him",
    "miss them",
    "anniversary of",
    "since she died",
    "since he died",
    "widow",
  ],
  loneliness: ["lonely", "alone", "no one", "nobody", "no friends", "isolated", "by myself"],
  anxiety: ["anxious", "worried", "worry", "nervous", "stress", "stressed", "panic", "overwhelmed", "can't stop thinking", "on edge", "interview tomorrow"],
  fear: ["scared", "afraid", "terrified", "frightened", "fear"],
  anger: ["angry", "furious", "mad at", "hate", "annoyed", "pissed", "livid", "fed up", "unfair"],
  shame: ["ashamed", "embarrassed", "humiliated", "my fault", "i'm useless", "i am useless", "stupid of me", "guilty"],
};

const INTENSIFIERS = /\b(so|very|really|extremely|incredibly|completely|totally|deeply|utterly)\b/g;
const NEGATION = /\b(not|never|no|isn't|wasn't|don't|didn't|aren't|can't)\s+(\w+\s+)?$/;

/** Where each cue occurs in the lower-cased text, skipping cues right after a negation ("not happy"). */
function cueHits(lower: string, cue: string): number {
  let hits = 0;
  const pattern = new RegExp(`(^|[^a-z])${cue.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/'/g, "['’]")}`, "g");
  for (const match of lower.matchAll(pattern)) {
    const before = lower.slice(Math.max(0, match.index - 20), match.index + match[1]!.length);
    if (!NEGATION.test(before)) hits++;
  }
  return hits;
}

export function readEmotionOffline(message: string): EmotionReading {
  const lower = message.toLowerCase();
  let best: { emotion: Emotion; score: number } | null = null;
  for (const [emotion, cues] of Object.entries(LEXICON) as Array<[Exclude<Emotion, "neutral">, string[]]>) {
    const score = cues.reduce((sum, cue) => sum + cueHits(lower, cue), 0);
    // Ties go to the heavier feeling listed later (grief over sadness): missing grief costs more than over-reading it.
    if (score > 0 && (!best || score >= best.score)) best = { emotion, score };
  }
  if (!best) return NEUTRAL;
  const emphasis = (lower.match(INTENSIFIERS)?.length ?? 0) + Math.min(2, (message.match(/!/g) ?? []).length) + (/[A-Z]{4,}/.test(message) ? 1 : 0);
  const intensity = Math.min(1, 0.35 + 0.2 * (best.score - 1) + 0.15 * emphasis);
  return { emotion: best.emotion, intensity: Math.round(intensity * 100) / 100 };
}
