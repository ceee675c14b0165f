/**
 * The voice page's state machine: what Rose is doing (idle, listening, thinking, speaking) and how each
 * thing the person or the browser does moves it on. Pure: no microphone, network or audio here — the
 * conversation controller performs those as consequences of the transitions, so every rule about
 * barge-in, pausing and turn order can be read and tested in one place.
 *
 * Turns: every new listening phase starts a new turn number. Network and playback events carry the turn
 * they belong to, and events from an abandoned turn (interrupted, stopped) are ignored, so a late token
 * or clip from a reply the person talked over can never leak into the next one.
 */

export type VoiceStatus = "idle" | "listening" | "thinking" | "speaking";

/** `tap`: tap once, speak, and Rose notices when you stop; `hold`: push-to-talk. */
export type TalkMode = "tap" | "hold";

export type MicProblem = "denied" | "missing" | "busy" | "unsupported";

export type VoiceNotice = { kind: "mic"; problem: MicProblem } | { kind: "too-short" } | { kind: "turn-failed"; message: string } | { kind: "words-only" };

export interface VoiceState {
  status: VoiceStatus;
  mode: TalkMode;
  /** Keep listening while Rose speaks, and stop her when the person starts talking. Best with headphones. */
  bargeIn: boolean;
  turn: number;
  /** While listening: the person has started speaking in this utterance. */
  heard: boolean;
  /** While listening: the microphone is open and this utterance is being recorded (not still asking permission). */
  recording: boolean;
  /** A tap-mode conversation goes back to listening after each reply instead of to idle. */
  conversing: boolean;
  transcript: string;
  reply: string;
  /** The server has sent `done` for the current turn. */
  replyComplete: boolean;
  /** Sentence clips of the current turn queued or playing. */
  clipsPending: number;
  /** Some of the current turn's reply was actually heard: a clip started playing (not refused or undecodable). */
  voiceHeard: boolean;
  /** The whole reply's audio, for "hear it again". */
  replayUrl: string | null;
  /** While idle: her voice plays outside a turn (her opener, "hear it again"), so she is speaking all the same. */
  aloud: boolean;
  /** Her last words have a recording the browser would not play before a tap: the page offers to play it. */
  unheard: boolean;
  notice: VoiceNotice | null;
}

/** A hold shorter than this is a slip of the finger, not speech. */
export const MIN_HOLD_MS = 400;

export type VoiceEvent =
  /** Tap on the talk control (tap mode): start, finish speaking, or interrupt Rose. */
  | { type: "TALK" }
  /** Talk control pressed down (hold mode). */
  | { type: "PRESS" }
  /** Talk control let go (hold mode), after being held `heldMs`. */
  | { type: "RELEASE"; heldMs: number }
  /** Stop everything and go quiet (Escape, leaving the page). Nothing is sent. */
  | { type: "STOP" }
  /** Voice activity detected: the person started speaking. */
  | { type: "SPEECH_START" }
  /** Voice activity ended: the person stopped speaking (after at least the minimum utterance). */
  | { type: "SPEECH_END" }
  /** A noise that began like speech but was too short to be any (a cough, a knock). */
  | { type: "FALSE_START" }
  /** The microphone opened and the utterance of `turn` is being recorded. */
  | { type: "RECORDING_STARTED"; turn: number }
  /** The recording reached its maximum length. */
  | { type: "MAX_LENGTH" }
  /** Listening for a long while and nobody spoke. */
  | { type: "SILENCE_TIMEOUT" }
  | { type: "MIC_FAILED"; problem: MicProblem }
  | { type: "TRANSCRIPT"; turn: number; text: string }
  | { type: "TOKEN"; turn: number; text: string }
  | { type: "CLIP_QUEUED"; turn: number }
  | { type: "CLIP_STARTED"; turn: number }
  | { type: "CLIP_ENDED"; turn: number }
  | { type: "REPLY_DONE"; turn: number; transcript: string; text: string; noSpeech: boolean; wordsOnly: boolean; audioUrl: string | null }
  | { type: "REPLY_FAILED"; turn: number; message: string }
  /** A new conversation that Rose opens herself (the person came back): her words, and her voice saying them. */
  | { type: "OPENED"; text: string; audioUrl: string | null }
  /** Her voice outside a turn began, ended, or was refused by the browser (see SentencePlayer.replay). */
  | { type: "ALOUD"; event: "started" | "ended" | "refused" }
  | { type: "SET_MODE"; mode: TalkMode }
  | { type: "SET_BARGE_IN"; on: boolean }
  | { type: "DISMISS_NOTICE" };

export function initialVoiceState(settings: { mode?: TalkMode; bargeIn?: boolean } = {}): VoiceState {
  return {
    status: "idle",
    mode: settings.mode ?? "tap",
    bargeIn: settings.bargeIn ?? false,
    turn: 0,
    heard: false,
    recording: false,
    conversing: false,
    transcript: "",
    reply: "",
    replyComplete: false,
    clipsPending: 0,
    voiceHeard: false,
    replayUrl: null,
    aloud: false,
    unheard: false,
    notice: null,
  };
}

/** A fresh listening phase: a new turn; the last exchange stays on screen until the next transcript. */
function listen(state: VoiceState, heard: boolean, conversing: boolean): VoiceState {
  return {
    ...state,
    status: "listening",
    turn: state.turn + 1,
    heard,
    recording: false,
    conversing,
    replyComplete: false,
    clipsPending: 0,
    voiceHeard: false,
    aloud: false,
    unheard: false,
    notice: null,
  };
}

function idle(state: VoiceState, notice: VoiceNotice | null = state.notice): VoiceState {
  // A new turn number too, so whatever is still in flight for the old one is ignored.
  return {
    ...state,
    status: "idle",
    turn: state.turn + 1,
    heard: false,
    recording: false,
    conversing: false,
    replyComplete: false,
    clipsPending: 0,
    voiceHeard: false,
    aloud: false,
    notice,
  };
}

/** The reply is over once the server is done and every sentence has been heard. */
function settle(state: VoiceState): VoiceState {
  if ((state.status !== "thinking" && state.status !== "speaking") || !state.replyComplete || state.clipsPending > 0) return state;
  // Not one sentence was heard (autoplay refused, clips undecodable, none sent): say why she was silent.
  const notice: VoiceNotice | null = state.voiceHeard ? state.notice : { kind: "words-only" };
  // Listening on in a conversation keeps a "words only" note in view; it still applies.
  return state.conversing ? { ...listen(state, false, true), notice } : idle(state, notice);
}

const isBusy = (status: VoiceStatus) => status === "thinking" || status === "speaking";

export function voiceReducer(state: VoiceState, event: VoiceEvent): VoiceState {
  switch (event.type) {
    case "TALK":
      if (state.mode !== "tap") return state;
      if (state.status === "idle") return listen(state, false, true);
      if (state.status === "listening") return state.heard ? { ...state, status: "thinking" } : idle(state);
      return listen(state, false, true); // barge-in: talking over Rose (or her thinking) stops her

    case "PRESS":
      if (state.mode !== "hold" || state.status === "listening") return state;
      return listen(state, true, false); // from idle, or barge-in from thinking/speaking

    case "RELEASE":
      if (state.mode !== "hold" || state.status !== "listening") return state;
      // Let go before the microphone opened (often while the browser asks permission): nothing was recorded.
      return event.heldMs < MIN_HOLD_MS || !state.recording ? idle(state, { kind: "too-short" }) : { ...state, status: "thinking" };

    case "STOP":
      return state.status === "idle" && !state.aloud ? state : idle(state);

    case "SPEECH_START":
      if (state.status === "listening") return state.heard ? state : { ...state, heard: true };
      // Only with barge-in on is the microphone heard while Rose speaks; otherwise she would hear herself.
      // In tap mode she stops and listens to what is being said; in push-to-talk she just stops.
      if (state.status === "speaking" && state.bargeIn) return state.mode === "tap" ? listen(state, false, true) : idle(state);
      return state;

    case "FALSE_START":
      return state.status === "listening" && state.mode === "tap" ? { ...state, heard: false } : state;

    case "SPEECH_END":
      return state.status === "listening" && state.mode === "tap" && state.heard ? { ...state, status: "thinking" } : state;

    case "RECORDING_STARTED":
      return event.turn === state.turn && state.status === "listening" && !state.recording ? { ...state, recording: true } : state;

    case "MAX_LENGTH":
      if (state.status !== "listening") return state;
      return state.heard ? { ...state, status: "thinking" } : idle(state);

    case "SILENCE_TIMEOUT":
      return state.status === "listening" && !state.heard ? idle(state) : state;

    case "MIC_FAILED":
      return idle(state, { kind: "mic", problem: event.problem });

    case "TRANSCRIPT":
      if (event.turn !== state.turn || state.status !== "thinking") return state;
      return { ...state, transcript: event.text, reply: "" };

    case "TOKEN":
      if (event.turn !== state.turn || !isBusy(state.status)) return state;
      return { ...state, reply: state.reply + event.text };

    case "CLIP_QUEUED":
      if (event.turn !== state.turn || !isBusy(state.status)) return state;
      return { ...state, clipsPending: state.clipsPending + 1 };

    case "CLIP_STARTED":
      if (event.turn !== state.turn || !isBusy(state.status)) return state;
      return { ...state, status: "speaking", voiceHeard: true };

    case "CLIP_ENDED":
      if (event.turn !== state.turn || !isBusy(state.status)) return state;
      return settle({ ...state, clipsPending: Math.max(0, state.clipsPending - 1) });

    case "REPLY_DONE":
      if (event.turn !== state.turn || !isBusy(state.status)) return state;
      return settle({
        ...state,
        // Whisper's "Thanks for watching!" for silence is not the person's words: show none.
        transcript: event.noSpeech ? "" : event.transcript,
        reply: event.text,
        replyComplete: true,
        replayUrl: event.audioUrl,
        notice: event.wordsOnly ? { kind: "words-only" } : null,
        // Rose heard nothing she could answer: stop here rather than loop on room noise.
        conversing: state.conversing && !event.noSpeech,
      });

    case "REPLY_FAILED":
      if (event.turn !== state.turn || !isBusy(state.status)) return state;
      return idle(state, { kind: "turn-failed", message: event.message });

    case "OPENED":
      // Only onto a quiet page: once the person has started talking, their turn comes first.
      if (state.status !== "idle" || state.aloud) return state;
      // A new turn number: the conversation is a new one, and the history shown is read again for it.
      return {
        ...idle(state, null),
        transcript: "",
        reply: event.text,
        replayUrl: event.audioUrl,
        // Her voice is on its way (the controller plays it now): no play button flashes while it loads.
        aloud: event.audioUrl !== null,
      };

    case "ALOUD":
      if (state.status !== "idle") return state;
      if (event.event === "started") return state.aloud && !state.unheard ? state : { ...state, aloud: true, unheard: false };
      // Refused: the words are on the page already, and "Hear what Rose said" plays them at a tap. Never an error.
      if (event.event === "refused") return { ...state, aloud: false, unheard: true };
      return state.aloud ? { ...state, aloud: false } : state;

    case "SET_MODE":
      if (event.mode === state.mode) return state;
      // Switching mid-utterance would leave a recording with no way to end it the new way: drop it.
      return state.status === "listening"
        ? { ...idle(state), mode: event.mode }
        : { ...state, mode: event.mode, conversing: state.conversing && event.mode === "tap" };

    case "SET_BARGE_IN":
      return { ...state, bargeIn: event.on };

    case "DISMISS_NOTICE":
      return { ...state, notice: null };
  }
}
