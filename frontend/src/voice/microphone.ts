import type { MicProblem } from "./voice-machine";
import { rmsDb } from "./voice-activity";

/**
 * The microphone: one stream held for the length of a conversation, a loudness meter on it (Web Audio
 * AnalyserNode) for voice activity detection and the talk control's glow, and recordings (MediaRecorder)
 * of single utterances. Closing it stops the tracks, so the browser's "recording" indicator goes out
 * whenever Rose is not in a conversation, and rests the AudioContext; disposing of it (leaving the page)
 * closes the AudioContext too, which would otherwise run on, one more with every visit.
 */

export class MicrophoneError extends Error {
  constructor(readonly problem: MicProblem) {
    super(`microphone unavailable: ${problem}`);
  }
}

/** Whether this browser can record at all (getUserMedia needs https or localhost). */
export function canRecord(): boolean {
  return (
    typeof navigator !== "undefined" && !!navigator.mediaDevices?.getUserMedia && typeof MediaRecorder !== "undefined" && typeof AudioContext !== "undefined"
  );
}

function problemOf(error: unknown): MicProblem {
  switch ((error as DOMException)?.name) {
    case "NotAllowedError":
    case "SecurityError":
      return "denied";
    case "NotFoundError":
    case "OverconstrainedError":
      return "missing";
    case "NotReadableError":
    case "AbortError":
      return "busy";
    default:
      return "unsupported";
  }
}

/** Opus in WebM where supported (Chrome, Firefox, Edge), MP4/AAC on Safari; Rose's server reads both. */
const PREFERRED_TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];

function recorderType(): string | undefined {
  return PREFERRED_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
}

export class Recording {
  private readonly chunks: Blob[] = [];
  private readonly stopped: Promise<Blob>;
  readonly startedAt = performance.now();

  constructor(private readonly recorder: MediaRecorder) {
    recorder.addEventListener("dataavailable", (event) => {
      if (event.data.size > 0) this.chunks.push(event.data);
    });
    this.stopped = new Promise((resolve) => {
      recorder.addEventListener("stop", () => resolve(new Blob(this.chunks, { type: recorder.mimeType || "audio/webm" })), { once: true });
    });
    recorder.start();
  }

  get elapsedMs(): number {
    return performance.now() - this.startedAt;
  }

  /** Ends the recording; resolves with the whole utterance. */
  finish(): Promise<Blob> {
    if (this.recorder.state !== "inactive") this.recorder.stop();
    return this.stopped;
  }

  discard(): void {
    if (this.recorder.state !== "inactive") this.recorder.stop();
  }
}

export class Microphone {
  private stream: MediaStream | null = null;
  private context: AudioContext | null = null;
  private source: MediaStreamAudioSourceNode | null = null;
  private analyser: AnalyserNode | null = null;
  private samples: Float32Array<ArrayBuffer> | null = null;
  private opening: Promise<void> | null = null;

  get isOpen(): boolean {
    return this.stream !== null;
  }

  /** The open stream, for a speech detector to listen to the same microphone (see speech-detector.ts). */
  get mediaStream(): MediaStream {
    if (!this.stream) throw new MicrophoneError("unsupported");
    return this.stream;
  }

  /** The AudioContext the stream is measured in, for a detector's audio nodes to share. */
  get audioContext(): AudioContext {
    if (!this.context) throw new MicrophoneError("unsupported");
    return this.context;
  }

  /**
   * Asks for the microphone (the first time, the browser asks the person). Call it from the tap or press
   * itself: browsers only let audio start from a gesture.
   */
  open(): Promise<void> {
    if (this.stream) return Promise.resolve();
    if (!canRecord()) return Promise.reject(new MicrophoneError("unsupported"));
    // The AudioContext is created (or woken from its rest after `close`) first, synchronously inside the
    // gesture — on every open, since a close may have come while the browser was still asking.
    this.context ??= new AudioContext();
    void this.context.resume().catch(() => {});
    this.opening ??= this.acquire(this.context).finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async acquire(context: AudioContext): Promise<void> {
    let stream: MediaStream;
    try {
      // Echo cancellation keeps Rose's own voice out of the microphone when barge-in listens while she speaks.
      stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 } });
    } catch (error) {
      throw new MicrophoneError(problemOf(error));
    }
    if (this.context !== context) {
      // Disposed of (the page was left) while the browser was asking: keep nothing open.
      stream.getTracks().forEach((track) => track.stop());
      return;
    }
    this.stream = stream;
    this.source = context.createMediaStreamSource(stream);
    this.analyser = context.createAnalyser();
    this.analyser.fftSize = 1024;
    this.source.connect(this.analyser); // never to the speakers: nobody wants to hear themselves
    this.samples = new Float32Array(this.analyser.fftSize);
  }

  /** Current loudness in dBFS; -Infinity when closed or silent. */
  levelDb(): number {
    if (!this.analyser || !this.samples) return Number.NEGATIVE_INFINITY;
    this.analyser.getFloatTimeDomainData(this.samples);
    return rmsDb(this.samples);
  }

  startRecording(): Recording {
    if (!this.stream) throw new MicrophoneError("unsupported");
    const mimeType = recorderType();
    return new Recording(new MediaRecorder(this.stream, mimeType ? { mimeType } : {}));
  }

  close(): void {
    this.source?.disconnect();
    this.stream?.getTracks().forEach((track) => track.stop());
    this.stream = null;
    this.source = null;
    this.analyser = null;
    this.samples = null;
    // A running AudioContext keeps the audio device busy (and drains batteries) with nothing to listen to.
    void this.context?.suspend().catch(() => {});
  }

  /** Closes the microphone and lets go of the AudioContext for good; a later `open` starts a new one. */
  dispose(): void {
    this.close();
    void this.context?.close().catch(() => {});
    this.context = null;
  }
}
