import type { Logger } from "../../core/logger.js";
import type { ReplyVoice } from "./reply-voice.js";
import type { SentenceSpeaker, SpeakerOutcome, SpokenSentence } from "./sentence-speaker.js";
import { spokenSentenceSplitter } from "./sentence-splitter.js";
import type { SpeechInputHandlers, SpeechInputStream, SpokenAudio } from "./types.js";

/**
 * A reply spoken over one streaming connection (ElevenLabs' stream-input): the reply's words are
 * forwarded as they are generated, and each sentence's end is marked (a flush), so the provider speaks
 * the reply as one text and hands back each sentence's audio whole, delivered exactly like the
 * sentence-by-sentence path's clips (same pieces, same indices, same texts).
 *
 * Words are forwarded whole, and what follows a sentence's last word (its full stop, a closing quote)
 * only once the next word shows where the sentence ends: the sentence splitter decides that, and a
 * flush must not catch the next sentence's first word.
 *
 * If the connection cannot open or breaks off, the sentences whose audio has not arrived go to the
 * sentence-by-sentence speaker (the fallback chain), from the first one missing: nothing is lost, and
 * nothing already heard is said twice.
 */

export interface StreamingVoiceDeps {
  /** Opens the provider's stream (guarded); `signal` abandons the opening. */
  open(handlers: SpeechInputHandlers, signal: AbortSignal): Promise<SpeechInputStream>;
  /** A sentence-by-sentence speaker whose first sentence is delivered as `firstIndex`. */
  fallback(firstIndex: number): SentenceSpeaker;
  onSpoken(sentence: SpokenSentence): void;
  logger?: Logger;
}

const WORD_CHARACTER = /[\p{L}\p{N}]/u;
const SPACE = /\s/u;

/** Where the text's whole words end: just after the space before its last word (which may still grow, or end a sentence). */
function wholeWordsEnd(text: string): number {
  let last = text.length - 1;
  while (last >= 0 && !WORD_CHARACTER.test(text[last]!)) last--;
  while (last >= 0 && !SPACE.test(text[last]!)) last--;
  return last + 1;
}

export class StreamingVoice implements ReplyVoice {
  private readonly splitter = spokenSentenceSplitter();
  /** Each piece's text (what its audio event says), by index. */
  private readonly pieces: string[] = [];
  private readonly clips: SpokenAudio[] = [];
  /** Pieces delivered from the stream; the fallback starts after them. */
  private delivered = 0;
  private stream: SpeechInputStream | null = null;
  private opened: Promise<void> | null = null;
  /** What the stream is to be told while it is opening, in order. */
  private backlog: Array<(stream: SpeechInputStream) => void> = [];
  private replacement: SentenceSpeaker | null = null;
  /** How much of the splitter's unreleased text has been forwarded. */
  private forwarded = 0;
  private ended = false;
  private cancelled = false;
  private readonly opening = new AbortController();
  private settle!: () => void;
  /** The stream has said all it will: done, replaced by the fallback, or cancelled. */
  private readonly settled = new Promise<void>((resolve) => (this.settle = resolve));
  startedAt: number | null = null;

  constructor(private readonly deps: StreamingVoiceDeps) {}

  write(text: string): void {
    if (this.cancelled || this.ended || !text) return;
    const region = this.splitter.unreleased + text;
    const released = this.splitter.push(text);
    if (released.length > 0) this.endSentences(region, released);
    const pending = this.splitter.unreleased;
    const end = wholeWordsEnd(pending);
    if (end > this.forwarded) {
      this.forward(pending.slice(this.forwarded, end));
      this.forwarded = end;
    }
  }

  sayWhole(text: string): void {
    if (this.cancelled || this.ended || !text.trim()) return;
    this.endRest(); // anything written before it is a piece of its own
    this.forward(`${text.trim()} `);
    this.endPiece(text.trim());
  }

  end(): void {
    if (this.cancelled || this.ended) return;
    this.endRest();
    this.ended = true;
    if (this.replacement) return;
    if (this.pieces.length === 0) {
      // Nothing to say (a reply without words): no connection is needed.
      this.opening.abort();
      this.stream?.close();
      this.settle();
      return;
    }
    this.toStream((stream) => stream.end());
  }

  /** Whatever the splitter still holds, as a last piece. */
  private endRest(): void {
    const rest = this.splitter.unreleased;
    const last = this.splitter.flush();
    if (last.length > 0) {
      this.forward(rest.slice(this.forwarded));
      this.endPiece(last[0]!);
    }
    this.forwarded = 0;
  }

  async finished(): Promise<SpeakerOutcome> {
    await this.settled;
    if (!this.replacement) return { clips: this.clips, failed: false };
    const rest = await this.replacement.finished();
    return { clips: [...this.clips, ...rest.clips], failed: rest.failed };
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.opening.abort();
    this.stream?.close();
    this.stream = null;
    this.backlog = [];
    this.replacement?.cancel();
    this.settle();
  }

  /**
   * The splitter released sentences: `region` is the text they came from, with what it keeps after them.
   * Each gets the rest of its text and a flush; text already forwarded past a sentence's end (rare: a
   * bracket that opened the next one) stays in that piece.
   */
  private endSentences(region: string, released: string[]): void {
    const consumed = region.length - this.splitter.unreleased.length;
    let cursor = 0;
    let carried = "";
    for (const [i, sentence] of released.entries()) {
      const at = region.indexOf(sentence, cursor);
      let end = i === released.length - 1 || at < 0 ? consumed : at + sentence.length;
      while (end < consumed && SPACE.test(region[end]!)) end++;
      cursor = end;
      if (end <= this.forwarded && i < released.length - 1) {
        // Its end was already sent along with the next sentence's start: they are spoken as one piece.
        carried += `${sentence} `;
        continue;
      }
      if (end > this.forwarded) {
        this.forward(region.slice(this.forwarded, end));
        this.forwarded = end;
      }
      this.endPiece(carried + sentence);
      carried = "";
    }
    this.forwarded = Math.max(0, this.forwarded - consumed);
  }

  private forward(text: string): void {
    if (!text || this.replacement) return;
    this.startedAt ??= performance.now();
    this.toStream((stream) => stream.write(text));
  }

  private endPiece(text: string): void {
    this.pieces.push(text);
    this.startedAt ??= performance.now();
    if (this.replacement) this.replacement.say(text);
    else this.toStream((stream) => stream.endPiece());
  }

  private toStream(operation: (stream: SpeechInputStream) => void): void {
    if (this.cancelled || this.replacement) return;
    if (this.stream) return operation(this.stream);
    this.backlog.push(operation);
    this.opened ??= this.deps
      .open(
        {
          onPiece: (index, audio) => this.spoken(index, audio),
          onDone: () => this.settle(),
          onError: (error) => this.fallBack(error),
        },
        this.opening.signal,
      )
      .then(
        (stream) => {
          if (this.cancelled || this.replacement) return stream.close();
          this.stream = stream;
          for (const queued of this.backlog.splice(0)) queued(stream);
        },
        (error: unknown) => this.fallBack(error as Error),
      );
  }

  private spoken(index: number, audio: SpokenAudio): void {
    if (this.cancelled || this.replacement) return;
    this.delivered = index + 1;
    this.clips.push(audio);
    this.deps.onSpoken({ index, text: this.pieces[index] ?? "", audio });
  }

  /** The stream cannot go on: every sentence not yet delivered goes to the sentence-by-sentence speaker. */
  private fallBack(error: Error): void {
    if (this.cancelled || this.replacement) return;
    this.deps.logger?.warn("streaming speech failed; the rest of the reply is spoken sentence by sentence", {
      error: error.message,
      delivered: this.delivered,
      pending: this.pieces.length - this.delivered,
    });
    this.stream?.close();
    this.stream = null;
    this.backlog = [];
    this.replacement = this.deps.fallback(this.delivered);
    for (const text of this.pieces.slice(this.delivered)) this.replacement.say(text);
    this.settle();
  }
}
