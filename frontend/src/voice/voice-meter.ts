import { levelOfRms, rms } from "./presence-loudness";

/**
 * Listens to an <audio> element through an AnalyserNode, so the presence can move with how loud Rose is.
 *
 * Routing an element through Web Audio (createMediaElementSource) is for good: from then on its sound
 * comes out only through the AudioContext. A context that is not running (no tap on the page yet, so the
 * browser keeps it suspended) would therefore silence her. So the element is routed only once a context
 * is actually running; until then she plays as before, and `level()` is null ("not measurable"), which
 * the presence meets with a gentle stand-in motion.
 */
export class VoiceMeter {
  private context: AudioContext | null = null;
  private analyser: AnalyserNode | null = null;
  private samples: Float32Array<ArrayBuffer> | null = null;
  private failed = false;

  constructor(private readonly element: HTMLAudioElement) {
    element.addEventListener("playing", this.connect);
  }

  /** Call inside a tap: a context made now may start running, and the next sentence is measured. */
  prepare(): void {
    this.connect();
  }

  /** Rose's loudness now, 0..1, or null when it cannot be measured (no Web Audio, or not allowed yet). */
  level(): number | null {
    if (!this.analyser || !this.samples || this.context?.state !== "running") return null;
    this.analyser.getFloatTimeDomainData(this.samples);
    return levelOfRms(rms(this.samples));
  }

  /** The element is going away (the page left, the call ended): its context goes with it (browsers allow only a few). */
  detach(): void {
    this.element.removeEventListener("playing", this.connect);
    void this.context?.close().catch(() => {});
    this.context = null;
    this.analyser = null;
    this.samples = null;
  }

  private readonly connect = (): void => {
    if (this.analyser || this.failed || typeof AudioContext === "undefined") return;
    try {
      this.context ??= new AudioContext();
    } catch {
      this.failed = true;
      return;
    }
    const context = this.context;
    if (context.state === "running") this.route(context);
    // Resolves once the browser lets it run (now, or at the person's first tap); never rejects silence into an error.
    else
      void context.resume().then(
        () => {
          if (context.state === "running") this.route(context);
        },
        () => {},
      );
  };

  private route(context: AudioContext): void {
    if (this.analyser) return;
    try {
      // Safari mutes Web Audio with the ringer switch, unlike a plain <audio>: ask for media playback.
      const session = (navigator as { audioSession?: { type: string } }).audioSession;
      if (session) session.type = "playback";
      const source = context.createMediaElementSource(this.element);
      const analyser = context.createAnalyser();
      analyser.fftSize = 1024; // ~21 ms at 48 kHz: about one video frame of sound per reading
      source.connect(analyser);
      analyser.connect(context.destination);
      this.analyser = analyser;
      this.samples = new Float32Array(analyser.fftSize);
    } catch {
      this.failed = true; // an older browser without these nodes: the stand-in motion it is
    }
  }
}
