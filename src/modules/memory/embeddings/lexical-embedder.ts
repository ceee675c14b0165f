import { normalizeMemoryText } from "../types.js";
import { type Embedder, type FusionWeights, l2Normalize } from "./types.js";

/** Words that carry no meaning for recall; without them "the user's sister" would match "the user's job". */
const STOP_WORDS = new Set(
  "a an and are as at be been but by did do does for from had has have he her hers him his how i i'm im in is it its just me my of on or our she so that the their them they this to too us was we were what when where which who why will with you your user users s".split(
    " ",
  ),
);

/** Crude suffix stripping so "moved"/"moving"/"moves" share a feature. */
function stem(word: string): string {
  for (const suffix of ["ingly", "edly", "ing", "ed", "es", "ly", "s"]) {
    if (word.length - suffix.length >= 3 && word.endsWith(suffix)) return word.slice(0, -suffix.length);
  }
  return word;
}

/** FNV-1a: fast, stable across runs and platforms (vectors persist, so the hash must never change). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Normalised words that carry meaning, unstemmed. Frozen: stored vectors depend on it (keyword search has its own, in keywords/). */
function meaningfulWords(text: string): string[] {
  return normalizeMemoryText(text)
    .split(" ")
    .filter((w) => w && !STOP_WORDS.has(w));
}

export function contentWords(text: string): string[] {
  return meaningfulWords(text).map(stem);
}

/**
 * The offline fallback embedder: feature hashing of words and adjacent word pairs into a fixed number of
 * signed buckets. Deterministic and instant, good at lexical overlap, blind to synonyms; used when the
 * real sentence-transformer model cannot be loaded.
 */
export class LexicalHashEmbedder implements Embedder {
  readonly relevanceFloor = 0.2;
  // Hashing is blind to which words matter (a speaker's name in every memory dominates it): keywords lead.
  readonly fusionWeights: FusionWeights = { keyword: 1, vector: 0.05 };
  readonly id: string;

  constructor(readonly dimensions = 384) {
    this.id = `lexical-hash-v1:${dimensions}`;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((text) => this.embedOne(text));
  }

  private embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    const words = contentWords(text);
    const add = (feature: string, weight: number) => {
      const hash = fnv1a(feature);
      // The sign bit comes from a different part of the hash so collisions cancel out rather than pile up.
      vector[hash % this.dimensions]! += (hash & 0x80000000 ? -1 : 1) * weight;
    };
    words.forEach((word, i) => {
      add(`w:${word}`, 1);
      if (i > 0) add(`p:${words[i - 1]} ${word}`, 0.5);
    });
    return l2Normalize(vector);
  }
}
