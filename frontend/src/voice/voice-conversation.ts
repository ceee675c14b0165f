import { startSpokenOpener } from "../api/chat-api";
import { friendlyError } from "../api/http";
import { inCurrentSession, rememberSessionId } from "../api/session";
import { type SpokenSentence, streamVoiceTurn, type VoiceDone, type VoiceTurnHandlers } from "../api/voice-api";
import { canRecord, Microphone, MicrophoneError, type Recording } from "./microphone";
import { SentencePlayer } from "./sentence-player";
import { type LoadSpeechDetector, loadSilero, type SpeechDetector, type VoiceDetection } from "./speech-detector";
import { VoiceMeter } from "./voice-meter";
import { BARGE_IN_DETECTION, UTTERANCE_DETECTION, type VoiceActivity, VoiceActivityDetector } from "./voice-activity";
import { initialVoiceState, type TalkMode, type VoiceEvent, voiceReducer, type VoiceState } from "./voice-machine";

/**
 * Runs a spoken conversation: applies events to the voice state machine, then does what each transition
 * means in the browser — open the microphone, record an utterance, send it, play the reply, stop Rose
 * when she is interrupted, close the microphone when the conversation is over. React only renders the
 * state (useSyncExternalStore) and forwards taps and presses.
 *
 * Effects run synchronously inside dispatch, so a tap's dispatch opens the microphone and unlocks audio
 * within the gesture itself, which browsers require.
 */

/** How often the microphone's loudness is sampled (for detection and for the control's glow). */
const SAMPLE_EVERY_MS = 50;
/** The longest utterance sent in one turn. */
export const MAX_UTTERANCE_MS = 60_000;
/** Listening this long without hearing anyone ends the conversation quietly. */
const SILENCE_TIMEOUT_MS = 12_000;

export type StreamTurn = (recording: Blob, sessionId: string | null, handlers: VoiceTurnHandlers, signal: AbortSignal) => Promise<VoiceDone>;

/** Asks for an opener as the page opens (see startSpokenOpener): null when Rose has nothing to open with. */
export type AskOpener = () => Promise<{ sessionId: string; opener: string; audioUrl: string | null } | null>;

export interface VoiceSettings {
  mode: TalkMode;
  bargeIn: boolean;
}

const SETTINGS_KEY = "rose.voice_settings";

export function loadVoiceSettings(): Partial<VoiceSettings> {
  try {
    return JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? "{}") as Partial<VoiceSettings>;
  } catch {
    return {};
  }
}

function saveVoiceSettings(settings: VoiceSettings): void {
  try {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  } catch {
    // storage refused: the choice lasts this visit
  }
}

export class VoiceConversation {
  private state: VoiceState;
  private readonly listeners = new Set<() => void>();
  private readonly levelListeners = new Set<(db: number) => void>();
  private readonly microphone = new Microphone();
  private player: SentencePlayer | null = null;
  private meter: VoiceMeter | null = null;
  private greeted = false;
  private recording: Recording | null = null;
  /** While Rose speaks with barge-in on: a recording begun at the first sign of the person's voice (see `sample`). */
  private preRoll: Recording | null = null;
  private request: AbortController | null = null;
  private sampler: ReturnType<typeof setInterval> | null = null;
  private silenceTimer: ReturnType<typeof setTimeout> | null = null;
  private maxLengthTimer: ReturnType<typeof setTimeout> | null = null;
  private utteranceDetector = new VoiceActivityDetector(UTTERANCE_DETECTION);
  /**
   * Barge-in stays with loudness, Silero or not: her own voice leaking past echo cancellation is speech,
   * so a speech model hears it as the person however strict its thresholds; what tells them apart is that
   * the leak is quieter, which only a loudness margin (BARGE_IN_DETECTION's) can judge. It also gives the
   * early "maybe speaking" the pre-roll recording needs (see `sample`).
   */
  private bargeInDetector = new VoiceActivityDetector(BARGE_IN_DETECTION);
  /** Silero VAD for tap-to-talk's utterances, once loaded (see `prepareDetection`). */
  private speechDetector: SpeechDetector | null = null;
  private speechDetectorLoad: "not-yet" | "loading" | "done" = "not-yet";
  /** Bumped when the page is left, so a load finishing afterwards is let go of. */
  private speechDetectorGeneration = 0;
  private detection: VoiceDetection | null = null;
  /** Which detector hears the tap-to-talk utterance being recorded. */
  private utteranceBy: VoiceDetection = "loudness";

  constructor(
    private readonly streamTurn: StreamTurn = streamVoiceTurn,
    private readonly askOpener: AskOpener = startSpokenOpener,
    private readonly loadSpeechDetector: LoadSpeechDetector = loadSilero,
  ) {
    this.state = initialVoiceState(loadVoiceSettings());
  }

  /** Gives the conversation the page's <audio> element, through which Rose speaks. */
  attachAudio(element: HTMLAudioElement | null): void {
    this.player?.detach();
    this.meter?.detach();
    this.player = element
      ? new SentencePlayer(element, {
          onClipStarted: (turn) => this.dispatch({ type: "CLIP_STARTED", turn }),
          onClipEnded: (turn) => this.dispatch({ type: "CLIP_ENDED", turn }),
          onAloud: (event) => this.dispatch({ type: "ALOUD", event }),
        })
      : null;
    this.meter = element ? new VoiceMeter(element) : null;
  }

  /** How loud Rose's voice is now (0..1), for the presence; null when it cannot be measured. */
  voiceLevel(): number | null {
    return this.meter?.level() ?? null;
  }

  /**
   * As the page opens: when the person comes back after a while, Rose may open a new conversation
   * herself, and says her opener aloud. Once per page; a failure only means no opener.
   */
  greet(): void {
    if (this.greeted) return;
    this.greeted = true;
    const turn = this.state.turn;
    this.askOpener().then(
      (opened) => {
        // The person began talking meanwhile: their turn goes on in the conversation it began in.
        if (!opened || this.state.turn !== turn || this.state.status !== "idle") return;
        rememberSessionId(opened.sessionId);
        this.dispatch({ type: "OPENED", text: opened.opener, audioUrl: opened.audioUrl });
        if (opened.audioUrl) this.player?.replay(opened.audioUrl);
      },
      () => {}, // Rose unreachable: the page starts as it would without an opener
    );
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): VoiceState => this.state;

  /** Which detector tap-to-talk uses: null until Silero has loaded or failed to (see `prepareDetection`). */
  readonly getDetection = (): VoiceDetection | null => this.detection;

  /**
   * Loads Silero VAD for tap-to-talk, once, when it may be needed: as the voice page opens in tap mode,
   * on switching to it, or at the first tap. Until it is ready (or if it cannot load), utterances are
   * heard by loudness, as they always were.
   */
  prepareDetection(): void {
    if (this.speechDetectorLoad !== "not-yet" || this.state.mode !== "tap" || !canRecord()) return;
    this.speechDetectorLoad = "loading";
    const generation = this.speechDetectorGeneration;
    const microphone = { stream: () => this.microphone.mediaStream, audioContext: () => this.microphone.audioContext };
    this.loadSpeechDetector(microphone, (activity) => this.heardBySilero(activity)).then(
      (detector) => {
        if (generation !== this.speechDetectorGeneration) {
          void detector.destroy();
          return;
        }
        this.speechDetectorLoad = "done";
        this.speechDetector = detector;
        this.useDetection("silero", "Silero VAD v5");
      },
      (error: unknown) => {
        if (generation !== this.speechDetectorGeneration) return;
        this.speechDetectorLoad = "done";
        this.fallBackToLoudness(`Silero VAD could not load: ${reasonOf(error)}`);
      },
    );
  }

  private useDetection(detection: VoiceDetection, why: string): void {
    this.detection = detection;
    if (detection === "silero") console.info(`[rose] voice detection: ${why}`);
    else console.warn(`[rose] voice detection: loudness (${why})`);
    for (const listener of this.listeners) listener();
  }

  /** Silero is not to be had: loudness from now on, including for the utterance under way. */
  private fallBackToLoudness(why: string): void {
    void this.speechDetector?.destroy();
    this.speechDetector = null;
    if (this.utteranceBy === "silero") {
      this.utteranceBy = "loudness";
      this.utteranceDetector.reset();
    }
    this.useDetection("loudness", why);
  }

  /** Silero heard the start or end of speech: it counts while it is the one hearing this utterance. */
  private heardBySilero(activity: VoiceActivity): void {
    const { status, mode } = this.state;
    if (this.utteranceBy === "silero" && status === "listening" && mode === "tap" && this.recording) this.react(activity);
  }

  /** A tap-to-talk utterance is being recorded: Silero listens for it if it is ready, else loudness does. */
  private listenForUtterance(): void {
    this.prepareDetection();
    const detector = this.speechDetector;
    this.utteranceBy = detector ? "silero" : "loudness";
    detector?.listen().catch((error: unknown) => {
      if (this.speechDetector === detector) this.fallBackToLoudness(`Silero VAD could not start: ${reasonOf(error)}`);
    });
  }

  private stopListeningForUtterance(): void {
    if (this.utteranceBy !== "silero") return;
    this.utteranceBy = "loudness";
    void this.speechDetector?.pause().catch(() => {});
  }

  /** Microphone loudness as it is sampled, for the talk control's response to the voice. */
  onLevel(listener: (db: number) => void): () => void {
    this.levelListeners.add(listener);
    return () => this.levelListeners.delete(listener);
  }

  /** For the talk control's handlers: unlocks playback within the gesture, then applies the event. */
  gesture(event: VoiceEvent): void {
    this.player?.unlock();
    this.meter?.prepare();
    this.dispatch(event);
  }

  /** "Hear it again", or her opener the browser would not play before a tap. */
  replay(): void {
    if (!this.state.replayUrl || this.state.status !== "idle") return;
    this.meter?.prepare();
    this.player?.replay(this.state.replayUrl);
  }

  dispatch = (event: VoiceEvent): void => {
    const previous = this.state;
    const next = voiceReducer(previous, event);
    if (next === previous) return;
    this.state = next;
    this.apply(previous, next);
    if (next.mode !== previous.mode || next.bargeIn !== previous.bargeIn) saveVoiceSettings({ mode: next.mode, bargeIn: next.bargeIn });
    for (const listener of this.listeners) listener();
  };

  /** What a transition means outside the state machine. */
  private apply(previous: VoiceState, next: VoiceState): void {
    const newTurn = next.turn !== previous.turn;
    const wasListening = previous.status === "listening";
    const isListening = next.status === "listening";
    // A pre-roll belongs to Rose speaking with barge-in on. The utterance that follows her (a barge-in, or
    // simply the next turn of a conversation) takes it over below; anything else throws it away.
    const preRoll = next.status === "speaking" && next.bargeIn ? null : this.takePreRoll();

    // Leaving an utterance: send it if the machine moved on to thinking about it, else throw it away.
    if (wasListening && (!isListening || newTurn)) {
      this.stopListeningForUtterance();
      const recording = this.recording;
      this.recording = null;
      this.clearUtteranceTimers();
      if (recording && next.status === "thinking" && !newTurn) this.send(recording, next.turn);
      else recording?.discard();
    }

    // A turn that was abandoned (barge-in, stop, a failure) stops talking and stops waiting.
    if (newTurn) {
      this.request?.abort();
      this.request = null;
      this.player?.stop();
    }

    if (isListening && (!wasListening || newTurn)) this.beginUtterance(next, preRoll);
    else preRoll?.discard();

    if (next.status === "idle") {
      this.stopSampling();
      this.microphone.close();
    } else if (previous.status === "idle") {
      this.startSampling();
    }

    if (next.mode !== previous.mode) this.prepareDetection();
  }

  private beginUtterance(state: VoiceState, preRoll: Recording | null): void {
    this.utteranceDetector.reset();
    const turn = state.turn;
    const freshMicrophone = !this.microphone.isOpen;
    this.microphone.open().then(
      () => {
        if (freshMicrophone) {
          // A new conversation may be in a different room (or with a different microphone).
          this.utteranceDetector.recalibrate();
          this.bargeInDetector.recalibrate();
        }
        // The person may have stopped, or the turn moved on, while the browser was asking permission.
        if (this.state.turn !== turn || this.state.status !== "listening") {
          preRoll?.discard();
          if (this.state.status === "idle") this.microphone.close();
          return;
        }
        this.recording = preRoll ?? this.microphone.startRecording();
        // Until now a release has nothing to send (see RELEASE in the machine).
        this.dispatch({ type: "RECORDING_STARTED", turn });
        this.maxLengthTimer = setTimeout(() => this.dispatch({ type: "MAX_LENGTH" }), MAX_UTTERANCE_MS);
        if (state.mode === "tap") {
          this.startSilenceTimer();
          this.listenForUtterance();
        }
      },
      (error: unknown) => {
        preRoll?.discard();
        this.dispatch({ type: "MIC_FAILED", problem: error instanceof MicrophoneError ? error.problem : "unsupported" });
      },
    );
  }

  private takePreRoll(): Recording | null {
    const preRoll = this.preRoll;
    this.preRoll = null;
    return preRoll;
  }

  private startSilenceTimer(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => this.dispatch({ type: "SILENCE_TIMEOUT" }), SILENCE_TIMEOUT_MS);
  }

  private clearUtteranceTimers(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    if (this.maxLengthTimer) clearTimeout(this.maxLengthTimer);
    this.silenceTimer = this.maxLengthTimer = null;
  }

  private send(recording: Recording, turn: number): void {
    const request = new AbortController();
    this.request = request;
    let clips = 0;
    const handlers: VoiceTurnHandlers = {
      onTranscript: (text) => this.dispatch({ type: "TRANSCRIPT", turn, text }),
      onToken: (text) => this.dispatch({ type: "TOKEN", turn, text }),
      onAudio: (sentence: SpokenSentence) => {
        if (request.signal.aborted || !this.player) return;
        clips += 1;
        this.dispatch({ type: "CLIP_QUEUED", turn });
        this.player.enqueue(sentence, turn);
      },
    };
    recording
      .finish()
      // The session is kept as soon as the stream names it: an interrupted first turn stays in the thread.
      .then((blob) => inCurrentSession((sessionId, remember) => this.streamTurn(blob, sessionId, { ...handlers, onSession: remember }, request.signal)))
      .then(
        (done) =>
          this.dispatch({
            type: "REPLY_DONE",
            turn,
            transcript: done.transcript,
            text: done.text,
            noSpeech: done.no_speech,
            wordsOnly: done.tts_failed === true || (clips === 0 && !done.audio_url),
            audioUrl: done.audio_url,
          }),
        (error: unknown) => {
          if (request.signal.aborted) return; // interrupted on purpose: nothing to report
          this.dispatch({ type: "REPLY_FAILED", turn, message: friendlyError(error) });
        },
      );
  }

  /** Samples loudness while a conversation lasts; feeds voice activity detection where it applies. */
  private startSampling(): void {
    if (this.sampler) return;
    this.sampler = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
  }

  private stopSampling(): void {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = null;
    for (const listener of this.levelListeners) listener(Number.NEGATIVE_INFINITY);
  }

  private sample(): void {
    if (!this.microphone.isOpen) return;
    const db = this.microphone.levelDb();
    const now = performance.now();
    const { status, mode, bargeIn } = this.state;
    if (status === "listening" && mode === "tap" && this.recording) {
      if (this.utteranceBy === "loudness") this.react(this.utteranceDetector.update(db, now));
    } else if (status === "speaking" && bargeIn) {
      const activity = this.bargeInDetector.update(db, now);
      // Barge-in is confirmed only once a voice has lasted `attackMs`: a recording begun then would miss the
      // first word. So one begins at the first sign of a voice, for the barge-in's utterance to take over
      // (a MediaRecorder's stream cannot be cut mid-way, so it must be a recording begun before the speech,
      // not a slice of a longer one), and is dropped if the voice falls back unconfirmed (an echo, a clink).
      if (this.bargeInDetector.maybeSpeaking) this.preRoll ??= this.microphone.startRecording();
      else this.takePreRoll()?.discard();
      if (activity === "speech-start") this.dispatch({ type: "SPEECH_START" });
    } else {
      this.bargeInDetector.reset();
    }
    // While Rose speaks with barge-in off, the microphone is not listened to: no glow from her own voice.
    const heardDb = status === "listening" || (status === "speaking" && bargeIn) ? db : Number.NEGATIVE_INFINITY;
    for (const listener of this.levelListeners) listener(heardDb);
  }

  private react(activity: VoiceActivity | null): void {
    if (activity === "speech-start") {
      if (this.silenceTimer) clearTimeout(this.silenceTimer);
      this.silenceTimer = null;
      this.dispatch({ type: "SPEECH_START" });
    } else if (activity === "speech-end") {
      this.dispatch({ type: "SPEECH_END" });
    } else if (activity === "false-start") {
      this.dispatch({ type: "FALSE_START" });
      this.startSilenceTimer(); // a cough is not a conversation: keep waiting, but not forever
    }
  }

  /** Leaving the page: stop listening and speaking, release the microphone. */
  stop(): void {
    this.dispatch({ type: "STOP" });
    this.player?.stop();
    // Its audio nodes belong to the microphone's AudioContext, closed below: a later visit loads afresh.
    this.speechDetectorGeneration += 1;
    void this.speechDetector?.destroy();
    this.speechDetector = null;
    this.speechDetectorLoad = "not-yet";
    this.microphone.dispose();
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
