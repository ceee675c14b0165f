import { normalizeMemoryText } from "../types.js";
import { porterStem } from "./porter.js";

/**
 * Function words that say nothing about which memory is meant. Deliberately short: with per-person BM25 a
 * common word already weighs little, and a longer list starts eating words that are names ("Will", "May",
 * "Hope"), so a stop word written with a capital inside a sentence is kept as the name it probably is.
 */
const STOP_WORDS = new Set(
  (
    "a an and are as at be been but by did do does doing for from had has have having he her hers him his how i im in is it its me my of on or our ours she so " +
    "than that the their theirs them then there these they this those to too us was we were what when where which who whom why will with would you your yours " +
    "user users s t d ll re ve m can could should about into just also very isn aren wasn weren don doesn didn haven hasn hadn won wouldn couldn shouldn"
  ).split(" "),
);

const WORD = /[\p{L}\p{N}]+(?:['\u2019][\p{L}]+)?/gu;

/** A capitalised word that does not start a sentence (or a "Name:" speaker line) reads as a name. */
function looksLikeName(text: string, index: number, word: string): boolean {
  if (word.length < 2 || word[0] === word[0]!.toLowerCase()) return false;
  const before = text.slice(0, index).trimEnd();
  return before !== "" && !/[.!?:;"\u201c(]$/.test(before);
}

/** The words of a text that carry meaning: normalised (lower case, no diacritics), without stop words, unstemmed. */
export function keywordTerms(text: string): string[] {
  const terms: string[] = [];
  for (const match of text.matchAll(WORD)) {
    const raw = match[0].replace(/['\u2019].*$/, "");
    for (const word of normalizeMemoryText(raw).split(" ")) {
      if (!word) continue;
      if (STOP_WORDS.has(word) && !looksLikeName(text, match.index, raw)) continue;
      terms.push(word);
    }
  }
  return terms;
}

/** What the keyword index stores and matches: the Porter stem of every meaningful word. */
export const stemTerm = (term: string): string => porterStem(term);

export const indexTerms = (text: string): string[] => keywordTerms(text).map(stemTerm);
