import { isAppError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import type { TurnRunner } from "../../graph/turn-runner.js";
import type { SessionStore } from "../sessions/types.js";
import { sniffAudioFormat } from "../speech/audio-format.js";
import type { RecognitionStream } from "../speech/stt/streaming-types.js";
import { clipDurationMs, heardText, type SentClip, stillPlaying } from "./heard.js";
import { ListeningBacklog } from "./listening-backlog.js";
import { LIVE_SAMPLE_RATE, pcmDurationMs, pcmToWav } from "./pcm.js";
import type { Transcription, VoicePipeline } from "./pipeline.js";
import { TurnDetector } from "./turn-detector.js";
import type { VoiceActivityModel } from "./vad.js";
import type { CallLeases } from "./call-leases.js";

/**
 * One live voice call: PCM frames in, events out, many turns, whatever carries it (the WebSocket in
 * src/interfaces/live/). The person's speech is found on the server (voice activity detection); a
 * streaming recogniser (Deepgram) hears the words as they are spoken, else each utterance goes to the
 * batch recogniser once the person pauses. A final transcript starts Rose's turn through the voice
 * pipeline. Speaking over her (or `interrupt`) stops her within a frame or two: no more audio goes
 * out, her generation and synthesis are cancelled, and the thread keeps only what was heard.
 *
 * Every problem with the input is an `error` event with a code and, when the call cannot go on, a
 * close; nothing the client sends can make the call buffer without bound.
 */

export type LiveEvent =
  | { type: "ready"; session_id: string }
  | { type: "speech_started" }
  | { type: "speech_stopped" }
  | { type: "transcript"; text: string; final: boolean }
  | { type: "token"; text: string }
  | { type: "audio"; index: number; text: string; mime: string; data: string }
  | { type: "interrupted"; heard: string }
  | ({ type: "done" } & Record<string, unknown>)
  | { type: "error"; code: string; message: string };

export interface LiveCallOutput {
  send(event: LiveEvent): void;
  /** Ends the call from the server's side (after an error, `stop`, or idleness). */
  close(code: number, reason: string): void;
}

export interface LiveCallLimits {
  /** Quiet after speech that ends a turn (server-side detection). */
  endOfTurnMs: number;
  /** Longest utterance kept for batch recognition. */
  maxUtteranceMs: number;
  /** No audio for this long ends the call. */
  idleMs: number;
  /** Audio may run ahead of real time by this much (network bursts), no more. */
  burstMs: number;
  /**
   * The oldest frame still waiting for the voice detector has waited this long: the server cannot keep up
   * with this call. (A burst of late frames is not that: the detector works through it far faster than
   * real time. What a call can have waiting is bounded anyway: no more than `burstMs` ahead of real time, and no
   * stall longer than the idle limit.)
   */
  maxListeningLagMs: number;
  /** Largest single frame. */
  maxFrameMs: number;
}

export const DEFAULT_LIVE_LIMITS: LiveCallLimits = {
  endOfTurnMs: 700,
  maxUtteranceMs: 30_000,
  idleMs: 30_000,
  burstMs: 2_000,
  maxListeningLagMs: 5_000,
  maxFrameMs: 200,
};

/** Opens the call's streaming recogniser (guarded), or null when none is configured. */
export type OpenRecognition = (handlers: {
  onResult(result: { text: string; final: boolean; endOfSpeech: boolean }): void;
  onError(error: Error): void;
}) => Promise<RecognitionStream> | null;

export interface LiveCallDeps {
  pipeline: VoicePipeline;
  sessions: SessionStore;
  turns: TurnRunner;
  vad: VoiceActivityModel;
  openRecognition: OpenRecognition;
  /** Whether the batch recogniser can serve (throws the 503 to send otherwise). */
  assertCanTranscribe(): void;
  /** Counts a turn against the person's rate limit; false when over it. */
  allowTurn(): Promise<boolean>;
  logger: Logger;
  limits: LiveCallLimits;
  /** Across instances (several sharing PostgreSQL): one call per conversation. Absent for one instance, whose registry is enough. */
  leases?: CallLeases;
}

export interface StartMessage {
  session_id?: string | undefined;
  sample_rate: number;
  timezone?: string | undefined;
}

interface ReplyInProgress {
  abort: AbortController;
  clips: SentClip[];
  played: Map<number, number> | null;
  /** Resolves with what had been written once the pipeline has stopped. */
  settled: Promise<string>;
  finished: boolean;
  /** Stopped because the person spoke (not by an `interrupt` message). */
  spokenOver: boolean;
}

/** After the person's turn ends, how long the streaming recogniser has to name words of theirs still waiting. */
const UNANSWERED_WAIT_MS = 1_000;

const CALL_IN_PROGRESS = "This conversation already has a live call open; end it first";

export class LiveCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Whether the call ends with it. */
    readonly fatal = true,
  ) {
    super(message);
  }
}

/** At most one call per conversation on this instance: two would talk over each other in one thread. */
export class LiveCallRegistry {
  private readonly bySession = new Map<string, LiveCall>();
  private readonly byUser = new Map<string, number>();
  constructor(private readonly maxCallsPerUser = 3) {}

  claim(sessionId: string, userId: string, call: LiveCall): void {
    if (this.bySession.has(sessionId)) throw new LiveCallError("call_in_progress", CALL_IN_PROGRESS);
    const calls = this.byUser.get(userId) ?? 0;
    if (calls >= this.maxCallsPerUser) throw new LiveCallError("too_many_calls", `At most ${this.maxCallsPerUser} live calls at a time; end one first`);
    this.bySession.set(sessionId, call);
    this.byUser.set(userId, calls + 1);
  }

  release(sessionId: string, userId: string, call: LiveCall): void {
    if (this.bySession.get(sessionId) !== call) return;
    this.bySession.delete(sessionId);
    const calls = (this.byUser.get(userId) ?? 1) - 1;
    if (calls <= 0) this.byUser.delete(userId);
    else this.byUser.set(userId, calls);
  }

  get size(): number {
    return this.bySession.size;
  }
}

export class LiveCall {
  private sessionId: string | null = null;
  private timezone = "UTC";
  private detector: TurnDetector | null = null;
  private recognition: RecognitionStream | null = null;
  /** Frames for the streaming recogniser not yet sent: those that arrive in one turn of the event loop go as one message. */
  private unsent: Buffer[] = [];
  private reply: ReplyInProgress | null = null;
  /** The previous reply's trimming to what was heard: the next turn waits for it. */
  private amending: Promise<unknown> = Promise.resolve();
  private turnQueue: Promise<void> = Promise.resolve();
  private readonly backlog = new ListeningBacklog();
  private audioMs = 0;
  private startedAt = 0;
  /** Between `start` and `ready`: audio that came in that moment (a client need not wait for `ready`), heard once the call is ready. */
  private starting = false;
  private early: Buffer[] = [];
  private earlyMs = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** When audio last arrived: the idle timer reads it instead of being re-armed for every frame. */
  private lastAudioAt = 0;
  private ended = false;
  /** Holds its conversation's lease across instances (deps.leases), to give back when it ends. */
  private leased = false;
  /** When this utterance's end was announced (speech_stopped), for timings and to announce it once. */
  private stoppedAt: number | null = null;
  private speechSeen = false;
  /** Counts the times the person began speaking: a turn whose person spoke again before Rose began is withdrawn. */
  private speechStarts = 0;
  /**
   * What the person said in a turn withdrawn before Rose wrote a word (they went on speaking): the thread
   * was left without it, so it opens their next turn instead of being lost.
   */
  private unanswered = "";
  /** Turns taken and not yet over (being heard, or Rose answering). */
  private pendingTurns = 0;
  /** After a turn the recogniser may still name: answers `unanswered` if nothing else will (see vadTurnEnded). */
  private unansweredTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: LiveCallDeps,
    private readonly userId: string,
    private readonly registry: LiveCallRegistry,
    private readonly out: LiveCallOutput,
  ) {
    this.armIdle();
  }

  get started(): boolean {
    return this.sessionId !== null;
  }

  async start(message: StartMessage, defaultTimezone: string): Promise<void> {
    if (this.started || this.starting) throw new LiveCallError("already_started", "The call has already started: send audio frames now");
    this.starting = true;
    try {
      await this.open(message, defaultTimezone);
    } finally {
      this.starting = false;
    }
    // What the person said while the call was being set up comes first, in order.
    const early = this.early;
    this.early = [];
    for (const frame of early) this.audio(frame);
  }

  private async open(message: StartMessage, defaultTimezone: string): Promise<void> {
    if (message.sample_rate !== LIVE_SAMPLE_RATE) {
      throw new LiveCallError(
        "unsupported_sample_rate",
        `Send 16-bit mono PCM at ${LIVE_SAMPLE_RATE} Hz (sample_rate ${LIVE_SAMPLE_RATE}); got ${message.sample_rate}`,
      );
    }
    const { sessions, turns } = this.deps;
    if (!turns.canTakeTurns) throw new LiveCallError("llm_not_configured", "No chat model is configured, so Rose cannot answer yet");
    const session = message.session_id ? await sessions.findOwned(message.session_id, this.userId) : await sessions.create(this.userId);
    // Someone else's conversation is indistinguishable from one that does not exist.
    if (!session) throw new LiveCallError("not_found", "Session not found");
    const { leases } = this.deps;
    if (leases) {
      if (!(await leases.claim(session.id))) throw new LiveCallError("call_in_progress", CALL_IN_PROGRESS);
      // Ended while the lease was being taken (the socket closed), or another call here holds the conversation.
      try {
        if (this.ended) throw new LiveCallError("ended", "The call has ended");
        this.registry.claim(session.id, this.userId, this);
      } catch (error) {
        await leases.release(session.id);
        throw error;
      }
      this.leased = true;
    } else this.registry.claim(session.id, this.userId, this);
    this.sessionId = session.id;
    this.timezone = message.timezone ?? defaultTimezone;
    this.startedAt = performance.now();
    const streaming = await this.openRecognition();
    if (!streaming) {
      try {
        this.deps.assertCanTranscribe();
      } catch (error) {
        throw new LiveCallError(isAppError(error) ? error.code : "stt_unavailable", (error as Error).message);
      }
    }
    this.detector = new TurnDetector(
      this.deps.vad.newClassifier(),
      { endOfTurnMs: this.deps.limits.endOfTurnMs, maxUtteranceMs: this.deps.limits.maxUtteranceMs },
      {
        onSpeechStart: () => this.speechStarted(),
        onSpeechResumed: () => this.speechResumed(),
        onTurnEnd: (utterance) => this.vadTurnEnded(utterance),
      },
    );
    this.out.send({ type: "ready", session_id: session.id });
  }

  private async openRecognition(): Promise<boolean> {
    try {
      const opening = this.deps.openRecognition({
        onResult: (result) => this.recognised(result),
        onError: (error) => {
          if (this.ended || !this.recognition) return;
          this.deps.logger.warn("live recognition broke off; this call continues with batch recognition", { error: error.message });
          this.recognition = null;
        },
      });
      if (!opening) return false;
      this.recognition = await opening;
      return true;
    } catch (error) {
      this.deps.logger.warn("live recognition could not open; this call uses batch recognition", { error: (error as Error).message });
      return false;
    }
  }

  /** One binary frame: 16-bit PCM, checked before anything buffers it. */
  audio(frame: Buffer): void {
    if (this.ended) return; // frames already in flight when the call ended
    if (!this.detector && !this.starting) throw new LiveCallError("not_started", 'Send {"type":"start","sample_rate":16000} before any audio');
    if (frame.length === 0 || frame.length % 2 !== 0) throw new LiveCallError("bad_frame", "Audio frames must be 16-bit PCM: a whole, even number of bytes");
    const frameMs = pcmDurationMs(frame.length);
    if (frameMs > this.deps.limits.maxFrameMs) {
      throw new LiveCallError("frame_too_large", `Audio frames must be at most ${this.deps.limits.maxFrameMs} ms (send 20–100 ms each)`);
    }
    if (!this.detector) return this.holdEarly(frame, frameMs);
    this.audioMs += frameMs;
    const elapsed = performance.now() - this.startedAt;
    if (this.audioMs > elapsed + this.deps.limits.burstMs) {
      throw new LiveCallError("too_fast", "Audio is arriving faster than real time: stream the microphone as it records");
    }
    // The listening has fallen behind (a busy server): the call ends rather than fall further behind.
    const now = performance.now();
    if (this.backlog.lagMs(now) > this.deps.limits.maxListeningLagMs) {
      throw new LiveCallError("overloaded", "Rose is too busy to listen to this call right now; please call again in a moment");
    }
    this.lastAudioAt = now;
    if (this.recognition) this.forward(frame);
    this.backlog.add(now);
    void this.detector
      .push(frame)
      .catch((error: unknown) => this.fail(new LiveCallError("internal_error", "Rose could not listen to this call", true), error))
      .finally(() => this.backlog.classified());
  }

  /** Audio sent before the call is ready: kept, but no more than the burst a client may run ahead by. */
  private holdEarly(frame: Buffer, frameMs: number): void {
    if (this.earlyMs + frameMs > this.deps.limits.burstMs) {
      throw new LiveCallError("too_fast", "Audio is arriving faster than real time: stream the microphone as it records");
    }
    this.early.push(frame);
    this.earlyMs += frameMs;
  }

  /**
   * Audio for the streaming recogniser. Each WebSocket message to it has a fixed cost on the event loop
   * (framing, masking, a write) whatever its size, so the frames that arrive in the same turn of the loop
   * (a busy server reads several of a call's frames at once) go as one: an idle server sends each frame as
   * it comes, a busy one sends fewer, larger messages instead of falling further behind. Nothing waits for
   * a timer.
   */
  private forward(frame: Buffer): void {
    this.unsent.push(frame);
    if (this.unsent.length === 1) setImmediate(() => this.flushRecognition());
  }

  private flushRecognition(): void {
    if (this.unsent.length === 0) return;
    const frames = this.unsent;
    this.unsent = [];
    this.recognition?.send(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
  }

  playback(index: number, playedMs: number): void {
    const reply = this.reply;
    if (!reply || !reply.clips.some((c) => c.index === index)) return; // a report for a reply already over
    reply.played ??= new Map();
    reply.played.set(index, Math.max(reply.played.get(index) ?? 0, playedMs));
    // Every clip before a reported one has been heard to its end.
    for (const clip of reply.clips) if (clip.index < index) reply.played.set(clip.index, Math.max(reply.played.get(clip.index) ?? 0, clip.durationMs));
  }

  /** The client asked Rose to stop (a button, or its own detection). */
  interrupt(): void {
    this.bargeIn(true);
  }

  stop(): void {
    this.end(1000, "call ended");
  }

  /** The socket is gone: stop everything, free the conversation. */
  closed(): void {
    if (this.ended) return;
    this.ended = true;
    this.cleanup();
  }

  private speechStarted(): void {
    if (this.ended) return;
    this.speechStarts++;
    this.speechSeen = true;
    this.stoppedAt = null;
    this.out.send({ type: "speech_started" });
    this.bargeIn(false);
  }

  /**
   * The person speaks again after a pause the voice detector still holds as part of their turn, but the
   * streaming recogniser took for its end (its endpointing is shorter, so Rose can answer sooner): they had
   * not finished. That is a new start of speech, and the reply begun on their half-sentence gives way.
   */
  private speechResumed(): void {
    if (this.stoppedAt !== null) this.speechStarted();
  }

  /** The person spoke over Rose (or asked her to stop): silence her now, then keep only what was heard. */
  private bargeIn(requested: boolean): void {
    const reply = this.reply;
    if (!reply) return;
    const now = performance.now();
    if (!requested && reply.finished && !stillPlaying(reply.clips, reply.played, now)) return; // she had finished: just a new turn
    this.reply = null;
    reply.spokenOver = !requested;
    reply.abort.abort();
    const heard = heardText(reply.clips, reply.played, now);
    this.out.send({ type: "interrupted", heard });
    const sessionId = this.sessionId!;
    this.amending = reply.settled
      .then((written) => (written.trim() ? this.deps.turns.keepHeardPart(sessionId, heard) : false))
      .catch((error: unknown) => this.deps.logger.warn("could not trim an interrupted reply", { error: (error as Error).message }));
  }

  private announceStopped(): number {
    if (this.stoppedAt === null) {
      this.stoppedAt = performance.now();
      this.out.send({ type: "speech_stopped" });
    }
    return this.stoppedAt;
  }

  private recognised(result: { text: string; final: boolean; endOfSpeech: boolean }): void {
    if (this.ended) return;
    if (!result.final) {
      if (result.text) this.out.send({ type: "transcript", text: result.text, final: false });
      return;
    }
    if (!result.text.trim()) return;
    // The recogniser's end came after the voice detector heard the person go on: their words wait for the rest.
    if (this.detector?.speakingAgain) {
      this.takeTurn(performance.now(), () => Promise.resolve(this.deps.pipeline.heard(result.text, 0)), { unfinished: true });
      return;
    }
    const stoppedAt = this.announceStopped();
    this.speechSeen = false;
    this.takeTurn(stoppedAt, () => Promise.resolve(this.deps.pipeline.heard(result.text, 0)));
  }

  private vadTurnEnded(utterance: Buffer): void {
    if (this.ended) return;
    if (this.recognition) {
      // The streaming recogniser hears the end too; asking now saves waiting for its own endpointing.
      if (this.speechSeen) {
        this.flushRecognition();
        this.recognition.finalize();
      }
      this.answerUnansweredLater();
      return;
    }
    const stoppedAt = this.announceStopped();
    this.speechSeen = false;
    this.takeTurn(stoppedAt, async () => {
      const started = performance.now();
      const wav = pcmToWav(utterance);
      const heard = await this.deps.pipeline.transcribe({ bytes: wav, format: sniffAudioFormat(wav)! });
      return { ...heard, sttMs: Math.round(performance.now() - started) };
    });
  }

  /**
   * The person's turn is over and words of theirs wait, from a turn withdrawn because they went on
   * speaking. Their next final result takes those words with it; if none comes (what they went on with was
   * a cough the recogniser heard no words in), Rose answers what they had said, rather than stay silent.
   */
  private answerUnansweredLater(): void {
    clearTimeout(this.unansweredTimer);
    this.unansweredTimer = setTimeout(() => {
      if (this.ended || !this.unanswered || this.pendingTurns > 0 || this.detector?.isSpeaking) return;
      this.takeTurn(this.announceStopped(), () => Promise.resolve({ transcript: "", noSpeech: true, sttMs: 0 }));
    }, UNANSWERED_WAIT_MS);
    this.unansweredTimer.unref?.();
  }

  /**
   * Turns run one after another, each after the previous reply's trimming. An `unfinished` turn's words are
   * known to be followed by more: they wait (in order) for the rest.
   */
  private takeTurn(stoppedAt: number, hear: () => Promise<Transcription>, { unfinished = false } = {}): void {
    const speechStarts = unfinished ? null : this.speechStarts;
    this.pendingTurns++;
    this.turnQueue = this.turnQueue
      .then(() => this.runTurn(stoppedAt, speechStarts, hear))
      .catch(() => {})
      .finally(() => this.pendingTurns--);
  }

  private async runTurn(stoppedAt: number, speechStarts: number | null, hear: () => Promise<Transcription>): Promise<void> {
    if (this.ended) return;
    let said: Transcription;
    try {
      said = await hear();
    } catch (error) {
      return this.turnError(error);
    }
    if (this.ended) return;
    const words = said.noSpeech ? "" : said.transcript.trim();
    if (words) this.out.send({ type: "transcript", text: words, final: true });
    const heard = this.withUnanswered(words, said);
    if (!heard.transcript) return; // a cough, a door: not a turn
    // They began speaking again since this turn was taken: they had not finished, so it waits for the rest.
    const withdrawnAsUnfinished = () => {
      if (speechStarts !== null && this.speechStarts === speechStarts) return false;
      this.unanswered = heard.transcript;
      return true;
    };
    if (withdrawnAsUnfinished()) return;
    if (!(await this.deps.allowTurn())) {
      this.out.send({ type: "error", code: "rate_limited", message: "Too many turns in a minute: please wait a moment before speaking again" });
      return;
    }
    await this.amending;
    if (withdrawnAsUnfinished()) return;
    const abort = new AbortController();
    let resolveSettled!: (written: string) => void;
    const reply: ReplyInProgress = {
      abort,
      clips: [],
      played: null,
      settled: new Promise((r) => (resolveSettled = r)),
      finished: false,
      spokenOver: false,
    };
    this.reply = reply;
    let written = "";
    try {
      const outcome = await this.deps.pipeline.streamReply(
        { userId: this.userId, sessionId: this.sessionId!, timezone: this.timezone },
        heard,
        (event) => {
          if (abort.signal.aborted || this.ended) return;
          if (event.type === "token") {
            written += event.text;
            this.out.send({ type: "token", text: event.text });
            return;
          }
          reply.clips.push({ index: event.index, text: event.text, durationMs: clipDurationMs(event.audio), sentAt: performance.now() });
          this.out.send({ type: "audio", index: event.index, text: event.text, mime: event.audio.mime, data: event.audio.bytes.toString("base64") });
        },
        { startedAt: stoppedAt, signal: abort.signal, listening: () => !this.ended },
      );
      if (outcome.interrupted) {
        written = outcome.written;
        // Spoken over before a word: the thread was left as it was, and what they said goes on with what they say next.
        if (!written.trim() && reply.spokenOver) this.unanswered = heard.transcript;
      } else {
        reply.finished = true;
        if (!abort.signal.aborted && !this.ended) this.out.send({ type: "done", ...outcome.done });
      }
    } catch (error) {
      if (!abort.signal.aborted) this.turnError(error);
    } finally {
      resolveSettled(written);
      // A reply that finished stays "in progress" while it may still be playing: speaking over it is barge-in.
      if (this.reply === reply && !reply.finished) this.reply = null;
    }
  }

  /** The person's words, after any they said in a turn withdrawn before Rose answered it. */
  private withUnanswered(words: string, said: Transcription): Transcription {
    const transcript = [this.unanswered, words].filter(Boolean).join(" ");
    this.unanswered = "";
    return { ...said, transcript, noSpeech: said.noSpeech && transcript === "" };
  }

  private turnError(error: unknown): void {
    if (this.ended) return;
    if (isAppError(error)) {
      this.out.send({ type: "error", code: error.code, message: error.message });
      return;
    }
    this.deps.logger.error("live voice turn failed", { error: (error as Error).message });
    this.out.send({ type: "error", code: "internal_error", message: "Rose could not finish this reply; please try again" });
  }

  /**
   * Ends the call after `idleMs` without audio. One timer per call that, when it fires early (audio came
   * since it was set), sleeps for the rest: re-arming a timer for each of fifty frames a second per call
   * was a measurable share of the event loop with many calls.
   */
  private armIdle(): void {
    this.lastAudioAt = performance.now();
    const check = (delay: number) => {
      this.idleTimer = setTimeout(() => {
        if (this.ended) return;
        const quietFor = performance.now() - this.lastAudioAt;
        if (quietFor < this.deps.limits.idleMs) return check(this.deps.limits.idleMs - quietFor);
        this.out.send({ type: "error", code: "idle", message: `No audio for ${Math.round(this.deps.limits.idleMs / 1000)} s: the call has ended` });
        this.end(1000, "idle");
      }, delay);
      this.idleTimer.unref?.();
    };
    check(this.deps.limits.idleMs);
  }

  /** An error the call cannot go on after: say so, then close. */
  fail(error: LiveCallError, cause?: unknown): void {
    if (this.ended) return;
    if (cause) this.deps.logger.error("live voice call failed", { error: (cause as Error).message });
    this.out.send({ type: "error", code: error.code, message: error.message });
    if (error.fatal) this.end(1008, error.code);
  }

  private end(code: number, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.cleanup();
    this.out.close(code, reason);
  }

  private cleanup(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.unansweredTimer);
    this.reply?.abort.abort();
    this.reply = null;
    this.unsent = [];
    this.early = [];
    this.recognition?.close();
    this.recognition = null;
    if (this.sessionId) this.registry.release(this.sessionId, this.userId, this);
    if (this.sessionId && this.leased) void this.deps.leases?.release(this.sessionId);
    this.leased = false;
  }
}
