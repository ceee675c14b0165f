import type { SpokenSentence } from "../api/voice-api";

/**
 * Plays Rose's reply sentence by sentence as the clips arrive, in order, through one <audio> element.
 * One element rather than one per clip: mobile browsers grant playback to an element once a gesture has
 * played it (see `unlock`), and every later sentence then plays without asking again.
 */

export interface PlayerListener {
  onClipStarted(turn: number): void;
  onClipEnded(turn: number): void;
}

interface QueuedClip {
  turn: number;
  index: number;
  url: string;
}

/** A fraction of a second of silence: what `unlock` plays inside the person's tap. */
const SILENCE_WAV = "data:audio/wav;base64,UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=";

function blobUrlOf(sentence: SpokenSentence): string {
  const binary = atob(sentence.data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return URL.createObjectURL(new Blob([bytes], { type: sentence.mime }));
}

export class SentencePlayer {
  private queue: QueuedClip[] = [];
  private current: QueuedClip | null = null;
  private unlocked = false;
  /** For people and tests alike: how many sentences have been heard to the end. */
  private clipsPlayed = 0;

  constructor(
    private readonly element: HTMLAudioElement,
    private readonly listener: PlayerListener,
  ) {
    element.addEventListener("playing", this.onPlaying);
    element.addEventListener("ended", this.onEnded);
    element.addEventListener("error", this.onError);
  }

  /** Call inside a tap or press: lets later, gesture-less playback start on strict (mobile) browsers. */
  unlock(): void {
    if (this.unlocked || this.current) return;
    this.unlocked = true;
    this.element.src = SILENCE_WAV;
    void this.element.play().catch(() => {
      this.unlocked = false;
    });
  }

  enqueue(sentence: SpokenSentence, turn: number): void {
    const clip = { turn, index: sentence.index, url: blobUrlOf(sentence) };
    // The server sends sentences in order; sorting anyway costs nothing and guards the first-first rule.
    this.queue.push(clip);
    this.queue.sort((a, b) => a.index - b.index);
    if (!this.current) this.playNext();
  }

  /** Silences Rose at once and drops what she had left to say (barge-in, stop, leaving the page). */
  stop(): void {
    for (const clip of this.queue) URL.revokeObjectURL(clip.url);
    this.queue = [];
    if (this.current) URL.revokeObjectURL(this.current.url);
    this.current = null;
    this.element.pause();
    this.element.removeAttribute("src");
    this.element.load();
  }

  /** Stops and lets go of the element (the page is going away or has a new element). */
  detach(): void {
    this.stop();
    this.element.removeEventListener("playing", this.onPlaying);
    this.element.removeEventListener("ended", this.onEnded);
    this.element.removeEventListener("error", this.onError);
  }

  /** Plays the whole stored reply again ("hear it again"); not part of any turn. */
  replay(url: string): void {
    this.stop();
    this.element.src = url;
    void this.element.play().catch(() => {});
  }

  private playNext(): void {
    const next = this.queue.shift();
    this.current = next ?? null;
    if (!next) return;
    this.element.src = next.url;
    this.element.play().catch((error: unknown) => {
      // Autoplay refused or an undecodable clip: skip it rather than stall the reply.
      if ((error as DOMException).name === "AbortError") return; // replaced by stop() or the next clip
      this.finishCurrent(false);
    });
  }

  private finishCurrent(played: boolean): void {
    const clip = this.current;
    if (!clip) return;
    URL.revokeObjectURL(clip.url);
    if (played) {
      this.clipsPlayed += 1;
      this.element.dataset.clipsPlayed = String(this.clipsPlayed);
    }
    this.current = null;
    this.listener.onClipEnded(clip.turn);
    this.playNext();
  }

  private readonly onPlaying = () => {
    if (this.current) this.listener.onClipStarted(this.current.turn);
  };

  private readonly onEnded = () => this.finishCurrent(true);

  private readonly onError = () => this.finishCurrent(false);
}
