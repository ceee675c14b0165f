// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { initialVoiceState, MIN_HOLD_MS, type VoiceEvent, voiceReducer, type VoiceState } from "./voice-machine";

/** Applies events in order, as the conversation controller would. */
function run(state: VoiceState, ...events: VoiceEvent[]): VoiceState {
  return events.reduce(voiceReducer, state);
}

const tapIdle = initialVoiceState({ mode: "tap" });
const holdIdle = initialVoiceState({ mode: "hold" });

/** Tap, speak, pause: the machine is thinking about the utterance of turn `state.turn`. */
function spokenTurn(start: VoiceState = tapIdle): VoiceState {
  return run(start, { type: "TALK" }, { type: "SPEECH_START" }, { type: "SPEECH_END" });
}

/** Press and hold: the microphone opens and records turn `state.turn + 1`. */
function pressed(start: VoiceState = holdIdle): VoiceState {
  return run(start, { type: "PRESS" }, { type: "RECORDING_STARTED", turn: start.turn + 1 });
}

function done(turn: number, extra: Partial<Extract<VoiceEvent, { type: "REPLY_DONE" }>> = {}): VoiceEvent {
  return {
    type: "REPLY_DONE",
    turn,
    transcript: "Hello Rose",
    text: "Hello, dear.",
    noSpeech: false,
    wordsOnly: false,
    audioUrl: "/api/v1/voice/audio/a1",
    ...extra,
  };
}

describe("the voice state machine: a tap-to-talk conversation", () => {
  it("listens after a tap, thinks once the person stops speaking, speaks, then listens again", () => {
    let state = run(tapIdle, { type: "TALK" });
    expect(state).toMatchObject({ status: "listening", turn: 1, heard: false, conversing: true });

    state = run(state, { type: "SPEECH_START" });
    expect(state).toMatchObject({ status: "listening", heard: true });
    state = run(state, { type: "SPEECH_END" });
    expect(state.status).toBe("thinking");

    state = run(
      state,
      { type: "TRANSCRIPT", turn: 1, text: "Hello Rose" },
      { type: "TOKEN", turn: 1, text: "Hello, " },
      { type: "TOKEN", turn: 1, text: "dear." },
    );
    expect(state).toMatchObject({ status: "thinking", transcript: "Hello Rose", reply: "Hello, dear." });

    state = run(state, { type: "CLIP_QUEUED", turn: 1 }, { type: "CLIP_STARTED", turn: 1 });
    expect(state.status).toBe("speaking");

    // Done arrives while the sentence still plays: she finishes it before listening again.
    state = run(state, done(1));
    expect(state).toMatchObject({ status: "speaking", replyComplete: true, clipsPending: 1, replayUrl: "/api/v1/voice/audio/a1" });
    state = run(state, { type: "CLIP_ENDED", turn: 1 });
    expect(state).toMatchObject({ status: "listening", turn: 2, heard: false, conversing: true, reply: "Hello, dear." });
  });

  it("plays every queued sentence before the reply is over", () => {
    let state = run(spokenTurn(), { type: "CLIP_QUEUED", turn: 1 }, { type: "CLIP_QUEUED", turn: 1 }, { type: "CLIP_STARTED", turn: 1 }, done(1));
    state = run(state, { type: "CLIP_ENDED", turn: 1 });
    expect(state).toMatchObject({ status: "speaking", clipsPending: 1 });
    state = run(state, { type: "CLIP_ENDED", turn: 1 });
    expect(state.status).toBe("listening");
  });

  it("ignores a pause before any speech, and a cough that was too short to be speech", () => {
    let state = run(tapIdle, { type: "TALK" }, { type: "SPEECH_END" });
    expect(state.status).toBe("listening");
    state = run(state, { type: "SPEECH_START" }, { type: "FALSE_START" });
    expect(state).toMatchObject({ status: "listening", heard: false });
  });

  it("stops listening on a second tap when nothing was said, and sends at once when something was", () => {
    expect(run(tapIdle, { type: "TALK" }, { type: "TALK" })).toMatchObject({ status: "idle", conversing: false });
    expect(run(tapIdle, { type: "TALK" }, { type: "SPEECH_START" }, { type: "TALK" }).status).toBe("thinking");
  });

  it("goes quiet after listening a long while to nobody, and sends a recording that reached its maximum length", () => {
    expect(run(tapIdle, { type: "TALK" }, { type: "SILENCE_TIMEOUT" }).status).toBe("idle");
    expect(run(tapIdle, { type: "TALK" }, { type: "SPEECH_START" }, { type: "SILENCE_TIMEOUT" }).status).toBe("listening");
    expect(run(tapIdle, { type: "TALK" }, { type: "SPEECH_START" }, { type: "MAX_LENGTH" }).status).toBe("thinking");
    expect(run(tapIdle, { type: "TALK" }, { type: "MAX_LENGTH" }).status).toBe("idle");
  });

  it("finishes the conversation after a reply to silence, instead of looping on room noise", () => {
    const state = run(spokenTurn(), done(1, { noSpeech: true, audioUrl: null }));
    expect(state).toMatchObject({ status: "idle", conversing: false });
  });

  it("shows no words of the person's when no speech was heard", () => {
    const state = run(spokenTurn(), done(1, { noSpeech: true, transcript: "Thanks for watching!" }));
    expect(state.transcript).toBe("");
  });

  it("adds the words-only note when not one of Rose's sentences could be played (autoplay refused, undecodable)", () => {
    const state = run(spokenTurn(), { type: "CLIP_QUEUED", turn: 1 }, { type: "CLIP_QUEUED", turn: 1 }, done(1));
    expect(state).toMatchObject({ status: "thinking", notice: null });
    const silent = run(state, { type: "CLIP_ENDED", turn: 1 }, { type: "CLIP_ENDED", turn: 1 });
    expect(silent).toMatchObject({ status: "listening", turn: 2, reply: "Hello, dear.", notice: { kind: "words-only" } });
  });

  it("shows the words with a note when Rose's voice is unavailable", () => {
    const state = run(spokenTurn(), { type: "TOKEN", turn: 1, text: "Hello." }, done(1, { text: "Hello.", wordsOnly: true, audioUrl: null }));
    // No clips: the reply is over as soon as it is done; the conversation goes on listening.
    expect(state).toMatchObject({ status: "listening", reply: "Hello.", notice: { kind: "words-only" } });
    const quiet = run(pressed(), { type: "RELEASE", heldMs: 2000 }, done(1, { wordsOnly: true }));
    expect(quiet).toMatchObject({ status: "idle", notice: { kind: "words-only" } });
  });
});

describe("the voice state machine: barge-in", () => {
  it("a tap while Rose speaks stops her and listens; her late words and clips are ignored", () => {
    const speaking = run(
      spokenTurn(),
      { type: "TOKEN", turn: 1, text: "Let me tell you" },
      { type: "CLIP_QUEUED", turn: 1 },
      { type: "CLIP_STARTED", turn: 1 },
    );
    const interrupted = run(speaking, { type: "TALK" });
    expect(interrupted).toMatchObject({ status: "listening", turn: 2, heard: false, clipsPending: 0 });

    const late = run(
      interrupted,
      { type: "TOKEN", turn: 1, text: " a story" },
      { type: "CLIP_QUEUED", turn: 1 },
      { type: "CLIP_STARTED", turn: 1 },
      { type: "CLIP_ENDED", turn: 1 },
      done(1),
    );
    expect(late).toEqual(interrupted);
  });

  it("a tap while Rose thinks abandons that reply and listens again", () => {
    const interrupted = run(spokenTurn(), { type: "TALK" });
    expect(interrupted).toMatchObject({ status: "listening", turn: 2 });
    expect(run(interrupted, { type: "TRANSCRIPT", turn: 1, text: "old" }, done(1))).toEqual(interrupted);
  });

  it("with barge-in off, Rose speaking is not interrupted by sound: she must not hear herself", () => {
    const speaking = run(spokenTurn(), { type: "CLIP_QUEUED", turn: 1 }, { type: "CLIP_STARTED", turn: 1 });
    expect(run(speaking, { type: "SPEECH_START" })).toBe(speaking);
  });

  it("with barge-in on, the person starting to talk stops Rose and she listens", () => {
    const speaking = run(spokenTurn(initialVoiceState({ mode: "tap", bargeIn: true })), { type: "CLIP_QUEUED", turn: 1 }, { type: "CLIP_STARTED", turn: 1 });
    expect(run(speaking, { type: "SPEECH_START" })).toMatchObject({ status: "listening", turn: 2, conversing: true });
  });

  it("in push-to-talk, barge-in by voice just stops her, and a press interrupts and records", () => {
    const speaking = run(
      pressed(initialVoiceState({ mode: "hold", bargeIn: true })),
      { type: "RELEASE", heldMs: 1500 },
      { type: "CLIP_QUEUED", turn: 1 },
      { type: "CLIP_STARTED", turn: 1 },
    );
    expect(run(speaking, { type: "SPEECH_START" })).toMatchObject({ status: "idle", turn: 2 });
    expect(run(speaking, { type: "PRESS" })).toMatchObject({ status: "listening", turn: 2, heard: true });
  });
});

describe("the voice state machine: push-to-talk", () => {
  it("records while held and sends on release; afterwards it is idle, not listening", () => {
    let state = run(holdIdle, { type: "PRESS" });
    expect(state).toMatchObject({ status: "listening", heard: true, recording: false, conversing: false });
    state = run(state, { type: "RECORDING_STARTED", turn: 1 });
    expect(state.recording).toBe(true);
    // Voice activity does not end a hold: people pause while holding.
    expect(run(state, { type: "SPEECH_END" })).toBe(state);
    state = run(state, { type: "RELEASE", heldMs: 1800 });
    expect(state.status).toBe("thinking");
    state = run(state, { type: "CLIP_QUEUED", turn: 1 }, { type: "CLIP_STARTED", turn: 1 }, done(1), { type: "CLIP_ENDED", turn: 1 });
    expect(state).toMatchObject({ status: "idle", notice: null });
  });

  it("treats a very short press as a slip, not a message", () => {
    expect(run(pressed(), { type: "RELEASE", heldMs: MIN_HOLD_MS - 1 })).toMatchObject({ status: "idle", notice: { kind: "too-short" } });
  });

  it("ends the attempt when let go before the microphone opened (the browser was asking permission)", () => {
    const released = run(holdIdle, { type: "PRESS" }, { type: "RELEASE", heldMs: 3000 });
    expect(released).toMatchObject({ status: "idle", notice: { kind: "too-short" } });
    // The microphone opening late changes nothing: that turn is over.
    expect(run(released, { type: "RECORDING_STARTED", turn: 1 })).toBe(released);
  });

  it("ignores taps in hold mode and presses in tap mode", () => {
    expect(run(holdIdle, { type: "TALK" })).toBe(holdIdle);
    expect(run(tapIdle, { type: "PRESS" })).toBe(tapIdle);
  });
});

describe("the voice state machine: problems and settings", () => {
  it("explains a refused microphone and stays idle", () => {
    expect(run(tapIdle, { type: "TALK" }, { type: "MIC_FAILED", problem: "denied" })).toMatchObject({
      status: "idle",
      notice: { kind: "mic", problem: "denied" },
    });
  });

  it("reports a failed turn kindly and stops the conversation; a new tap clears the notice", () => {
    const failed = run(spokenTurn(), { type: "REPLY_FAILED", turn: 1, message: "Rose can't be reached right now." });
    expect(failed).toMatchObject({ status: "idle", conversing: false, notice: { kind: "turn-failed", message: "Rose can't be reached right now." } });
    expect(run(failed, { type: "TALK" })).toMatchObject({ status: "listening", notice: null });
  });

  it("stops everything on STOP, from any state", () => {
    for (const state of [
      run(tapIdle, { type: "TALK" }),
      spokenTurn(),
      run(spokenTurn(), { type: "CLIP_QUEUED", turn: 1 }, { type: "CLIP_STARTED", turn: 1 }),
    ]) {
      expect(run(state, { type: "STOP" })).toMatchObject({ status: "idle", conversing: false, clipsPending: 0 });
    }
    expect(run(tapIdle, { type: "STOP" })).toBe(tapIdle);
  });

  it("drops an utterance in progress when the talking style changes", () => {
    expect(run(tapIdle, { type: "TALK" }, { type: "SET_MODE", mode: "hold" })).toMatchObject({ status: "idle", mode: "hold" });
    expect(run(tapIdle, { type: "SET_BARGE_IN", on: true }).bargeIn).toBe(true);
  });
});

describe("the voice state machine: Rose opening the conversation", () => {
  const opened: VoiceEvent = { type: "OPENED", text: "Welcome back. How did the interview go?", audioUrl: "/api/v1/voice/audio/o1" };

  it("shows her opener as her words in a new turn, speaking while her voice plays, and listens when the person answers", () => {
    const before = { ...tapIdle, transcript: "An old message", reply: "An old reply", replayUrl: "/api/v1/voice/audio/old" };
    let state = run(before, opened);
    // Speaking from the start (her voice is being fetched), so no play button flashes up meanwhile.
    expect(state).toMatchObject({ status: "idle", turn: 1, transcript: "", reply: opened.text, replayUrl: opened.audioUrl, unheard: false, aloud: true });
    state = run(state, { type: "ALOUD", event: "started" });
    expect(state).toMatchObject({ status: "idle", aloud: true, unheard: false });
    // Tapping while she speaks is answering her: listening, in a new turn (the controller stops her voice).
    const answering = run(state, { type: "TALK" });
    expect(answering).toMatchObject({ status: "listening", turn: 2, aloud: false });
    expect(run(state, { type: "ALOUD", event: "ended" })).toMatchObject({ status: "idle", aloud: false, unheard: false, notice: null });
    // Escape stops her voice too.
    expect(run(state, { type: "STOP" })).toMatchObject({ status: "idle", aloud: false, turn: 2 });
  });

  it("keeps a refused opener unheard, with no notice: the page offers to play it", () => {
    const state = run(tapIdle, opened, { type: "ALOUD", event: "refused" });
    expect(state).toMatchObject({ status: "idle", aloud: false, unheard: true, notice: null, reply: opened.text });
  });

  it("never lands on a page where the person is already talking, and has nothing unheard without audio", () => {
    const listening = run(tapIdle, { type: "TALK" });
    expect(run(listening, opened)).toBe(listening);
    expect(run(tapIdle, { ...opened, audioUrl: null })).toMatchObject({ reply: opened.text, replayUrl: null, unheard: false, aloud: false });
    // Her voice events mean nothing during a turn (its sentences have their own).
    expect(run(listening, { type: "ALOUD", event: "started" })).toBe(listening);
  });
});
