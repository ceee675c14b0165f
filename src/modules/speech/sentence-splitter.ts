import { sentenceSegmenter } from "../../core/intl-cache.js";

/**
 * Cuts a reply that arrives token by token into sentences, so each can be spoken as soon as it is
 * complete. The boundaries come from the platform's Unicode sentence segmenter (ICU, via
 * Intl.Segmenter), which already keeps "3.5" and "U.S. now" together; on top of it, a period after a
 * title, an initial, "e.g."-style abbreviations or an ellipsis is not taken as the end of a sentence.
 *
 * A sentence is only released once the next one has visibly begun (a letter or digit after the
 * boundary), because whether "Dr." or "U.S." ends a sentence depends on what follows it.
 */
/** Words that, followed by a period, almost never end a sentence (compared in lower case, without the period). */
const ABBREVIATIONS = new Set([
  "mr",
  "mrs",
  "ms",
  "mx",
  "dr",
  "prof",
  "sr",
  "jr",
  "st",
  "mt",
  "rev",
  "fr",
  "hon",
  "gen",
  "col",
  "capt",
  "lt",
  "sgt",
  "gov",
  "sen",
  "rep",
  "pres",
  "vs",
  "cf",
  "viz",
  "al",
  "approx",
  "dept",
  "est",
  "fig",
  "inc",
  "ltd",
  "co",
  "jan",
  "feb",
  "mar",
  "apr",
  "jun",
  "jul",
  "aug",
  "sep",
  "sept",
  "oct",
  "nov",
  "dec",
]);

/** "e.g.", "i.e.", "U.S.", "a.m.": letters each followed by a period. */
const INITIALISM = /(?:^|[\s(["'])(?:\p{L}\.){2,}$/u;
/** "J. K. Rowling": a single capital letter with a period. */
const INITIAL = /(?:^|[\s(["'])\p{Lu}\.$/u;
const ELLIPSIS = /(?:\.\.\.|…)$/;
/** A list marker on its own ("1."), which the segmenter takes for a whole sentence. */
const LIST_NUMBER = /^\d{1,3}\.$/;
const HAS_WORDS = /[\p{L}\p{N}]/u;
/**
 * What the segmenter can end a sentence after: a sentence terminator or a paragraph break (checked
 * against every code point). Text without one is a single sentence still being written, so the reply's
 * tokens, hundreds a second, are not segmented again each time one arrives.
 */
const MAY_END_SENTENCE = /[\p{Sentence_Terminal}\n\r\u0085\u2028\u2029]/u;

/** True when a segment's final period (or ellipsis) is not the end of the sentence. */
function endsMidSentence(segment: string): boolean {
  const text = segment.trimEnd();
  if (ELLIPSIS.test(text) || INITIALISM.test(text) || INITIAL.test(text) || LIST_NUMBER.test(text)) return true;
  const lastWord = /(\p{L}+)\.$/u.exec(text)?.[1];
  return lastWord !== undefined && ABBREVIATIONS.has(lastWord.toLowerCase());
}

/**
 * The end of a first clause ("Oh, …", "I hear you; …", "Well — …"): a comma, semicolon or colon, or a
 * spaced dash, with a space and then more text after it. Not "3,5" or "10:30", which have no space
 * after the mark. Linear: it runs on every token until the first clause goes out.
 */
const CLAUSE_MARK = /[,;:](?=\s+\S)|\s[\u2013\u2014](?=\s+\S)/u;
/** Past this many characters the first sentence is long and clause-free: stop looking for a clause. */
const EAGER_CLAUSE_MAX_CHARS = 240;

/** The first clause of `text` and how many characters it and the space after it take, if it has one. */
function firstClauseOf(text: string): { clause: string; length: number } | null {
  const mark = CLAUSE_MARK.exec(text);
  if (!mark) return null;
  const end = mark.index + mark[0].length;
  const clause = text.slice(0, end).trim();
  if (!HAS_WORDS.test(clause)) return null;
  const space = /^\s*/.exec(text.slice(end))![0].length;
  return { clause, length: end + space };
}

export interface SplitterOptions {
  /**
   * Release the reply's first clause on its own, before its sentence ends: the voice can start while
   * the rest of the first sentence is still being generated and synthesized.
   */
  eagerFirstClause?: boolean;
}

export class SentenceSplitter {
  private pending = "";
  private released = 0;
  private readonly segmenter: Intl.Segmenter;

  constructor(
    locale = "en",
    private readonly options: SplitterOptions = {},
  ) {
    this.segmenter = sentenceSegmenter(locale);
  }

  /**
   * The text pushed but not yet released (always a suffix of everything pushed): what a streaming voice
   * still holds for the sentence in progress.
   */
  get unreleased(): string {
    return this.pending;
  }

  /** Adds streamed text; returns the sentences it completed (trimmed, in order), often none. Pieces without words ("...", an emoji) are not sentences to speak. */
  push(text: string): string[] {
    return this.take(text);
  }

  private take(text: string): string[] {
    this.pending += text;
    if (this.options.eagerFirstClause && this.released === 0 && this.pending.length <= EAGER_CLAUSE_MAX_CHARS) {
      const first = firstClauseOf(this.pending);
      // Only a clause inside the first sentence: "Yes. Well, …" releases "Yes." whole below.
      const firstSentence = first ? (this.sentencesOf(this.pending)[0]?.trim() ?? "") : "";
      if (first && first.clause.length < firstSentence.length) {
        this.pending = this.pending.slice(first.length);
        this.released++;
        return [first.clause, ...this.take("")];
      }
    }
    if (!MAY_END_SENTENCE.test(this.pending)) return [];
    const pieces = this.sentencesOf(this.pending);
    // The last piece may still grow; so may the one before it while the last has no words yet ('etc. (').
    let keep = 1;
    if (pieces.length > 1 && !HAS_WORDS.test(pieces.at(-1)!)) keep = 2;
    const done = pieces.slice(0, Math.max(0, pieces.length - keep));
    this.pending = pieces.slice(done.length).join("");
    const sentences = done.map((s) => s.trim()).filter((s) => HAS_WORDS.test(s));
    this.released += sentences.length;
    return sentences;
  }

  /** Whatever is left once the text has ended, as a last sentence (none if it holds no words). */
  flush(): string[] {
    const rest = this.pending.trim();
    this.pending = "";
    const out = HAS_WORDS.test(rest) ? [rest] : [];
    this.released += out.length;
    return out;
  }

  /** Segments the text and glues back together the pieces the segmenter cut too eagerly. */
  private sentencesOf(text: string): string[] {
    const sentences: string[] = [];
    let current = "";
    for (const { segment } of this.segmenter.segment(text)) {
      current += segment;
      if (!endsMidSentence(current)) {
        sentences.push(current);
        current = "";
      }
    }
    if (current) sentences.push(current);
    return sentences;
  }
}

/** The splitter for speech: the first clause goes out on its own so Rose starts talking sooner. */
export function spokenSentenceSplitter(locale = "en"): SentenceSplitter {
  return new SentenceSplitter(locale, { eagerFirstClause: true });
}
