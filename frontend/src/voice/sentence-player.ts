import type { SpokenSentence } from "../api/voice-api";

/**
 * Plays Rose's reply sentence by sentence as the clips arrive, in order, through one <audio> element.
 * One element rather than one per clip: mobile browsers grant playback to an element once a gesture has
 * played it (see `unlock`), and every later sentence then plays without asking again.
 */

export interface PlayerListener {
  onClipStarted(turn: number): void;
  onClipEnded(turn: number): void;
  /**
   * Her voice outside any turn (the opener, "hear it again"): it started, it ended (or broke off), or the
   * browser refused to play it (no tap on the page yet), which is not an error: the page offers a play button.
   */
  onAloud?(event: "started" | "ended" | "refused"): void;
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
  /** A whole recording is playing outside any turn (see `replay`). */
  private aloud = false;
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
    // Already playing (a sentence, or her opener): the element needs no unlocking, and silence would cut her off.
    if (this.unlocked || this.current || this.aloud) return;
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
    this.aloud = false;
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

  /** Plays a whole stored recording (her opener, "hear it again"); not part of any turn. */
  replay(url: string): void {
    this.stop();
    this.aloud = true;
    this.element.src = url;
    this.element.play().catch((error: unknown) => {
      if ((error as DOMException).name === "AbortError") return; // replaced by stop() or a turn's sentence
      if (!this.aloud) return;
      this.aloud = false;
      this.listener.onAloud?.("refused");
    });
  }

  private endAloud(): void {
    if (!this.aloud) return;
    this.aloud = false;
    this.listener.onAloud?.("ended");
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
    else if (this.aloud) this.listener.onAloud?.("started");
  };

  private readonly onEnded = () => (this.current ? this.finishCurrent(true) : this.endAloud());

  private readonly onError = () => (this.current ? this.finishCurrent(false) : this.endAloud());
}
