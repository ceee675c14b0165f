// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { VoiceDone, VoiceTurnHandlers } from "../api/voice-api";
import type { LoadSpeechDetector, MicrophoneTap } from "./speech-detector";
import { BARGE_IN_DETECTION, type VoiceActivity } from "./voice-activity";
import { type StreamTurn, VoiceConversation } from "./voice-conversation";
import type { TalkMode } from "./voice-machine";

/**
 * The conversation controller against fakes of what jsdom lacks — getUserMedia (answering only when the
 * test "grants" it, as a person does at the permission prompt), MediaRecorder and AudioContext — and a
 * fake voice stream, so the effects of each transition (microphone, recording, sending, playback) can be
 * checked, not only the state machine's rules.
 */

class FakeTrack {
  stopped = false;
  stop(): void {
    this.stopped = true;
  }
}

class FakeAudioContext {
  static made: FakeAudioContext[] = [];
  /** What the microphone hears: the amplitude of every sample (0 is silence, 0.1 a voice at -20 dBFS). */
  static amplitude = 0;
  state: AudioContextState = "suspended";
  constructor() {
    FakeAudioContext.made.push(this);
  }
  async resume(): Promise<void> {
    if (this.state !== "closed") this.state = "running";
  }
  async suspend(): Promise<void> {
    if (this.state !== "closed") this.state = "suspended";
  }
  async close(): Promise<void> {
    this.state = "closed";
  }
  createMediaStreamSource() {
    return { connect() {}, disconnect() {} };
  }
  createAnalyser() {
    return { fftSize: 1024, getFloatTimeDomainData: (samples: Float32Array) => samples.fill(FakeAudioContext.amplitude) };
  }
}

class FakeMediaRecorder extends EventTarget {
  static isTypeSupported = (type: string) => type === "audio/webm;codecs=opus";
  static made: FakeMediaRecorder[] = [];
  state: RecordingState = "inactive";
  readonly mimeType = "audio/webm;codecs=opus";
  startedAt = Number.NaN;
  constructor() {
    super();
    FakeMediaRecorder.made.push(this);
  }
  start(): void {
    this.state = "recording";
    this.startedAt = performance.now();
  }
  stop(): void {
    this.state = "inactive";
    // Which recorder made a recording is told by its words.
    const words = `recorder ${FakeMediaRecorder.made.indexOf(this)}`;
    this.dispatchEvent(Object.assign(new Event("dataavailable"), { data: new Blob([words], { type: this.mimeType }) }));
    this.dispatchEvent(new Event("stop"));
  }
}

/** The browser's microphone: each request waits until the test grants it. */
function fakeMicrophone() {
  const tracks: FakeTrack[] = [];
  const pending: Array<() => void> = [];
  const getUserMedia = vi.fn(
    () =>
      new Promise<MediaStream>((resolve) => {
        const track = new FakeTrack();
        tracks.push(track);
        pending.push(() => resolve({ getTracks: () => [track] } as unknown as MediaStream));
      }),
  );
  Object.defineProperty(navigator, "mediaDevices", { value: { getUserMedia }, configurable: true });
  return { tracks, grant: () => pending.shift()?.() };
}

interface SentTurn {
  recording: Blob;
  sessionId: string | null;
  handlers: VoiceTurnHandlers;
  signal: AbortSignal;
  finish(done: Partial<VoiceDone>): void;
}

/** The voice stream: records each turn sent; the test plays the server's part. Aborting rejects, as fetch does. */
function fakeStream() {
  const turns: SentTurn[] = [];
  const streamTurn: StreamTurn = (recording, sessionId, handlers, signal) =>
    new Promise<VoiceDone>((resolve, reject) => {
      signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      turns.push({
        recording,
        sessionId,
        handlers,
        signal,
        finish: (done) => resolve({ session_id: "s-1", transcript: "", text: "", audio_url: null, no_speech: false, fallback: false, ...done }),
      });
    });
  return { turns, streamTurn };
}

/** Lets promise callbacks (the microphone opening, a recording finishing, a stream answering) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

let conversation: VoiceConversation;

function holdConversation(streamTurn: StreamTurn): VoiceConversation {
  conversation = new VoiceConversation(streamTurn);
  conversation.dispatch({ type: "SET_MODE", mode: "hold" });
  return conversation;
}

beforeEach(() => {
  localStorage.clear();
  FakeAudioContext.made = [];
  FakeAudioContext.amplitude = 0;
  FakeMediaRecorder.made = [];
  vi.stubGlobal("AudioContext", FakeAudioContext);
  vi.stubGlobal("MediaRecorder", FakeMediaRecorder);
});

afterEach(() => {
  conversation?.stop();
  vi.unstubAllGlobals();
});

describe("the voice conversation, push-to-talk", () => {
  it("ends the attempt cleanly when let go before the microphone opened, and releases it once it does", async () => {
    const microphone = fakeMicrophone();
    const { turns, streamTurn } = fakeStream();
    const talk = holdConversation(streamTurn);

    talk.gesture({ type: "PRESS" });
    expect(talk.getSnapshot().status).toBe("listening");
    // The browser is still asking permission; the person lets go to answer it.
    talk.gesture({ type: "RELEASE", heldMs: 2500 });
    expect(talk.getSnapshot()).toMatchObject({ status: "idle", notice: { kind: "too-short" } });

    microphone.grant();
    await settle();
    expect(talk.getSnapshot().status).toBe("idle");
    expect(microphone.tracks[0]!.stopped).toBe(true); // no "recording" indicator left on
    expect(turns).toHaveLength(0);

    // The next press works as usual, with the permission now given.
    talk.gesture({ type: "PRESS" });
    microphone.grant();
    await settle();
    expect(talk.getSnapshot().recording).toBe(true);
    talk.gesture({ type: "RELEASE", heldMs: 1500 });
    await settle();
    expect(turns).toHaveLength(1);
    expect(turns[0]!.recording.type).toBe("audio/webm;codecs=opus");
  });

  it("keeps the session as soon as the stream names it, so an interrupted first turn stays in the thread", async () => {
    const microphone = fakeMicrophone();
    const { turns, streamTurn } = fakeStream();
    const talk = holdConversation(streamTurn);

    talk.gesture({ type: "PRESS" });
    microphone.grant();
    await settle();
    talk.gesture({ type: "RELEASE", heldMs: 1500 });
    await settle();
    expect(turns[0]!.sessionId).toBeNull();
    turns[0]!.handlers.onSession?.("s-first");
    turns[0]!.handlers.onTranscript("Hello Rose");
    expect(localStorage.getItem("rose.session_id")).toBe("s-first");

    // Pressed again while Rose is still thinking: her reply is abandoned, no `done` ever comes.
    talk.gesture({ type: "PRESS" });
    await settle();
    expect(turns[0]!.signal.aborted).toBe(true);
    expect(talk.getSnapshot().notice).toBeNull();
    expect(localStorage.getItem("rose.session_id")).toBe("s-first");
  });
});

describe("the voice conversation's resources", () => {
  it("rests the AudioContext when the microphone is released, and closes it when the conversation stops", async () => {
    const microphone = fakeMicrophone();
    const talk = holdConversation(fakeStream().streamTurn);

    talk.gesture({ type: "PRESS" });
    microphone.grant();
    await settle();
    const [context] = FakeAudioContext.made;
    expect(context!.state).toBe("running");

    talk.gesture({ type: "RELEASE", heldMs: 100 }); // a slip: back to idle, microphone released
    await settle();
    expect(microphone.tracks[0]!.stopped).toBe(true);
    expect(context!.state).toBe("suspended");

    // The next conversation wakes the same one; leaving the page closes it.
    talk.gesture({ type: "PRESS" });
    microphone.grant();
    await settle();
    expect(FakeAudioContext.made).toHaveLength(1);
    expect(context!.state).toBe("running");
    talk.stop();
    await settle();
    expect(context!.state).toBe("closed");
    expect(microphone.tracks[1]!.stopped).toBe(true);
  });

  it("keeps nothing open when the page is left while the browser is still asking", async () => {
    const microphone = fakeMicrophone();
    const talk = holdConversation(fakeStream().streamTurn);
    talk.gesture({ type: "PRESS" });
    talk.stop();
    microphone.grant();
    await settle();
    expect(microphone.tracks[0]!.stopped).toBe(true);
    expect(FakeAudioContext.made[0]!.state).toBe("closed");
  });
});

describe("the voice conversation's playback", () => {
  it("shows the words-only note when not one sentence could be played", async () => {
    const microphone = fakeMicrophone();
    const { turns, streamTurn } = fakeStream();
    const talk = holdConversation(streamTurn);
    const audio = document.createElement("audio");
    // Autoplay refused, as a strict browser does without a fresh gesture.
    audio.play = vi.fn(() => Promise.reject(new DOMException("refused", "NotAllowedError")));
    audio.pause = vi.fn();
    audio.load = vi.fn();
    vi.stubGlobal("URL", Object.assign(class extends URL {}, { createObjectURL: () => "blob:clip", revokeObjectURL: () => {} }));
    talk.attachAudio(audio);

    talk.gesture({ type: "PRESS" });
    microphone.grant();
    await settle();
    talk.gesture({ type: "RELEASE", heldMs: 1500 });
    await settle();
    const turn = turns[0]!;
    turn.handlers.onTranscript("Hello Rose");
    turn.handlers.onToken("Hello, dear.");
    turn.handlers.onAudio({ index: 0, text: "Hello, dear.", mime: "audio/mpeg", data: btoa("mp3") });
    turn.finish({ transcript: "Hello Rose", text: "Hello, dear.", audio_url: "/api/v1/voice/audio/a1", tts_failed: false });
    await settle();

    expect(talk.getSnapshot()).toMatchObject({ status: "idle", reply: "Hello, dear.", notice: { kind: "words-only" } });
    expect(audio.play).toHaveBeenCalled();
  });
});

describe("the voice conversation, barge-in", () => {
  const VOICE = 0.1;
  const recording = () => FakeMediaRecorder.made.filter((recorder) => recorder.state === "recording");

  beforeEach(() => {
    vi.useFakeTimers(); // sampling, detection and performance.now() on the test's clock
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  /** A first turn sent and Rose speaking her reply, in a quiet room the detectors have had time to learn. */
  async function roseSpeaking(mode: TalkMode, bargeIn: boolean) {
    const microphone = fakeMicrophone();
    const stream = fakeStream();
    conversation = new VoiceConversation(stream.streamTurn);
    conversation.dispatch({ type: "SET_MODE", mode });
    conversation.dispatch({ type: "SET_BARGE_IN", on: bargeIn });
    conversation.gesture(mode === "tap" ? { type: "TALK" } : { type: "PRESS" });
    microphone.grant();
    await vi.advanceTimersByTimeAsync(600);
    if (mode === "tap") {
      conversation.dispatch({ type: "SPEECH_START" });
      conversation.gesture({ type: "TALK" });
    } else {
      conversation.gesture({ type: "RELEASE", heldMs: 600 });
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(stream.turns).toHaveLength(1);
    const turn = conversation.getSnapshot().turn;
    conversation.dispatch({ type: "CLIP_QUEUED", turn });
    conversation.dispatch({ type: "CLIP_STARTED", turn });
    await vi.advanceTimersByTimeAsync(1000);
    expect(conversation.getSnapshot().status).toBe("speaking");
    expect(recording()).toEqual([]);
    return { microphone, turns: stream.turns, talk: conversation };
  }

  it("sends a barge-in's utterance from its first sound, not from when it was confirmed as speech", async () => {
    const { turns, talk } = await roseSpeaking("tap", true);

    FakeAudioContext.amplitude = VOICE;
    const voiceAt = performance.now();
    while (talk.getSnapshot().status === "speaking" && performance.now() - voiceAt < 2000) await vi.advanceTimersByTimeAsync(50);
    const confirmedAt = performance.now();
    expect(talk.getSnapshot().status).toBe("listening");
    expect(confirmedAt - voiceAt).toBeGreaterThanOrEqual(BARGE_IN_DETECTION.attackMs);

    // The person goes on talking, then stops; Rose notices the end and sends what she heard.
    await vi.advanceTimersByTimeAsync(1500);
    FakeAudioContext.amplitude = 0;
    await vi.advanceTimersByTimeAsync(2000);
    expect(turns).toHaveLength(2);
    const sent = FakeMediaRecorder.made[Number((await turns[1]!.recording.text()).split(" ")[1])]!;
    expect(sent.startedAt).toBeLessThanOrEqual(voiceAt + 50); // the first sample that heard the voice
    expect(recording()).toEqual([]);
  });

  it("drops the recording of a sound that was not someone starting to talk, and keeps none after she stops", async () => {
    const { microphone, talk } = await roseSpeaking("tap", true);
    const before = FakeMediaRecorder.made.length;

    // A clink: loud, but shorter than a barge-in must last. Recorded while it might have been a voice, then dropped.
    FakeAudioContext.amplitude = VOICE;
    await vi.advanceTimersByTimeAsync(100);
    expect(recording()).toHaveLength(1);
    FakeAudioContext.amplitude = 0;
    await vi.advanceTimersByTimeAsync(100);
    expect(FakeMediaRecorder.made).toHaveLength(before + 1);
    expect(recording()).toEqual([]);
    expect(talk.getSnapshot().status).toBe("speaking");

    // Leaving the page just as a voice may be starting.
    FakeAudioContext.amplitude = VOICE;
    await vi.advanceTimersByTimeAsync(100);
    expect(recording()).toHaveLength(1);
    talk.stop();
    expect(recording()).toEqual([]);
    expect(microphone.tracks.every((track) => track.stopped)).toBe(true);
  });

  it("hands a recording begun as Rose finishes to the next turn of the conversation", async () => {
    const { turns, talk } = await roseSpeaking("tap", true);
    FakeAudioContext.amplitude = VOICE;
    await vi.advanceTimersByTimeAsync(100);
    const [early] = recording();
    const turn = talk.getSnapshot().turn;
    turns[0]!.finish({ transcript: "Hello Rose", text: "Hello, dear." });
    await vi.advanceTimersByTimeAsync(0);
    talk.dispatch({ type: "CLIP_ENDED", turn });
    expect(talk.getSnapshot().status).toBe("listening");
    await vi.advanceTimersByTimeAsync(0);
    expect(recording()).toEqual([early]);
  });

  it("in push-to-talk, a barge-in only stops her: the recording begun for it is dropped", async () => {
    const { talk } = await roseSpeaking("hold", true);
    FakeAudioContext.amplitude = VOICE;
    await vi.advanceTimersByTimeAsync(1000);
    expect(talk.getSnapshot().status).toBe("idle");
    expect(FakeMediaRecorder.made.length).toBeGreaterThan(1);
    expect(recording()).toEqual([]);
  });

  it("with barge-in off, neither listens nor records while Rose speaks", async () => {
    const { talk } = await roseSpeaking("tap", false);
    const before = FakeMediaRecorder.made.length;
    const levels: number[] = [];
    talk.onLevel((db) => levels.push(db));
    FakeAudioContext.amplitude = VOICE;
    await vi.advanceTimersByTimeAsync(1000);
    expect(talk.getSnapshot().status).toBe("speaking");
    expect(FakeMediaRecorder.made).toHaveLength(before);
    expect(levels.length).toBeGreaterThan(0);
    expect(levels.every((db) => db === Number.NEGATIVE_INFINITY)).toBe(true);
  });

  it("drops the recording of a voice that may be starting when barge-in is turned off", async () => {
    const { talk } = await roseSpeaking("tap", true);
    FakeAudioContext.amplitude = VOICE;
    await vi.advanceTimersByTimeAsync(100);
    expect(recording()).toHaveLength(1);
    talk.dispatch({ type: "SET_BARGE_IN", on: false });
    expect(recording()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(talk.getSnapshot().status).toBe("speaking");
    expect(recording()).toEqual([]);
  });
});

describe("the voice conversation, Rose opening it", () => {
  const OPENER = { sessionId: "s-opened", opener: "Welcome back. How did the interview go?", audioUrl: "/api/v1/voice/audio/o1.wav" };

  function withAudio(play: () => Promise<void>) {
    const audio = document.createElement("audio");
    audio.play = vi.fn(play);
    audio.pause = vi.fn();
    audio.load = vi.fn();
    return audio;
  }

  it("starts the new conversation with her words and plays her voice saying them", async () => {
    localStorage.setItem("rose.session_id", "s-old");
    const ask = vi.fn(async () => OPENER);
    conversation = new VoiceConversation(fakeStream().streamTurn, ask);
    const audio = withAudio(async () => {});
    conversation.attachAudio(audio);
    conversation.greet();
    conversation.greet(); // once per page, however often React runs its effects
    await settle();
    expect(ask).toHaveBeenCalledTimes(1);
    expect(localStorage.getItem("rose.session_id")).toBe("s-opened");
    expect(audio.getAttribute("src")).toBe(OPENER.audioUrl);
    expect(audio.play).toHaveBeenCalled();
    expect(conversation.getSnapshot()).toMatchObject({ reply: OPENER.opener, transcript: "", aloud: true });
    audio.dispatchEvent(new Event("playing"));
    expect(conversation.getSnapshot()).toMatchObject({ status: "idle", aloud: true });
    audio.dispatchEvent(new Event("ended"));
    expect(conversation.getSnapshot()).toMatchObject({ aloud: false, unheard: false, notice: null });
  });

  it("offers her opener to play at a tap when the browser refuses to play it by itself", async () => {
    let refuse = true;
    const audio = withAudio(() => (refuse ? Promise.reject(new DOMException("refused", "NotAllowedError")) : Promise.resolve()));
    conversation = new VoiceConversation(fakeStream().streamTurn, async () => OPENER);
    conversation.attachAudio(audio);
    conversation.greet();
    await settle();
    await settle();
    expect(conversation.getSnapshot()).toMatchObject({ reply: OPENER.opener, unheard: true, aloud: false, notice: null });

    refuse = false;
    conversation.replay(); // "Hear what Rose said"
    await settle();
    expect(audio.play).toHaveBeenCalledTimes(2);
    audio.dispatchEvent(new Event("playing"));
    expect(conversation.getSnapshot()).toMatchObject({ aloud: true, unheard: false });
  });

  it("leaves the conversation alone when there is no opener, or the person began talking first", async () => {
    localStorage.setItem("rose.session_id", "s-old");
    conversation = new VoiceConversation(fakeStream().streamTurn, async () => null);
    conversation.greet();
    await settle();
    expect(conversation.getSnapshot()).toMatchObject({ turn: 0, reply: "" });
    conversation.stop();

    fakeMicrophone();
    let answer!: (value: typeof OPENER) => void;
    conversation = new VoiceConversation(fakeStream().streamTurn, () => new Promise((resolve) => (answer = resolve)));
    conversation.greet();
    conversation.gesture({ type: "TALK" });
    answer(OPENER);
    await settle();
    expect(conversation.getSnapshot()).toMatchObject({ status: "listening", reply: "" });
    expect(localStorage.getItem("rose.session_id")).toBe("s-old");
  });
});

describe("the voice conversation, tap-to-talk's speech detection", () => {
  const VOICE = 0.1;

  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(console, "info").mockImplementation(() => {});
    vi.spyOn(console, "warn").mockImplementation(() => {});
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  /** Silero as the conversation sees it: it hears what the test says it hears; `listen` may fail. */
  function fakeSilero(listen: () => Promise<void> = () => Promise.resolve()) {
    const calls: string[] = [];
    let hear: (activity: VoiceActivity) => void = () => {};
    let tap: MicrophoneTap | null = null;
    const load: LoadSpeechDetector = async (microphone, onActivity) => {
      tap = microphone;
      hear = onActivity;
      return {
        listen: () => (calls.push("listen"), listen()),
        pause: async () => void calls.push("pause"),
        destroy: async () => void calls.push("destroy"),
      };
    };
    return { calls, load, hear: (activity: VoiceActivity) => hear(activity), tap: () => tap };
  }

  it("hears an utterance by Silero once loaded, on the page's own microphone, and not by loudness", async () => {
    const microphone = fakeMicrophone();
    const stream = fakeStream();
    const silero = fakeSilero();
    conversation = new VoiceConversation(stream.streamTurn, async () => null, silero.load);
    conversation.prepareDetection();
    await vi.advanceTimersByTimeAsync(0);
    expect(conversation.getDetection()).toBe("silero");
    expect(console.info).toHaveBeenCalledWith("[rose] voice detection: Silero VAD v5");

    conversation.gesture({ type: "TALK" });
    microphone.grant();
    await vi.advanceTimersByTimeAsync(600);
    expect(silero.calls).toEqual(["listen"]);
    expect(silero.tap()!.stream().getTracks()[0]).toBe(microphone.tracks[0]); // no second microphone
    expect(silero.tap()!.audioContext()).toBe(FakeAudioContext.made[0]);

    // Loud, and for longer than the loudness detector needs: it is not the one listening.
    FakeAudioContext.amplitude = VOICE;
    await vi.advanceTimersByTimeAsync(1500);
    FakeAudioContext.amplitude = 0;
    await vi.advanceTimersByTimeAsync(1500);
    expect(conversation.getSnapshot()).toMatchObject({ status: "listening", heard: false });

    silero.hear("speech-start");
    expect(conversation.getSnapshot().heard).toBe(true);
    silero.hear("speech-end");
    await vi.advanceTimersByTimeAsync(0);
    expect(conversation.getSnapshot().status).toBe("thinking");
    expect(stream.turns).toHaveLength(1);
    expect(silero.calls).toEqual(["listen", "pause"]);
    // Heard after the utterance was over: ignored.
    silero.hear("speech-start");
    expect(conversation.getSnapshot().status).toBe("thinking");
  });

  it("leaves barge-in while Rose speaks to the stricter loudness detector, and the utterance after it to Silero", async () => {
    const microphone = fakeMicrophone();
    const stream = fakeStream();
    const silero = fakeSilero();
    conversation = new VoiceConversation(stream.streamTurn, async () => null, silero.load);
    conversation.dispatch({ type: "SET_BARGE_IN", on: true });
    conversation.prepareDetection();
    await vi.advanceTimersByTimeAsync(0);
    conversation.gesture({ type: "TALK" });
    microphone.grant();
    await vi.advanceTimersByTimeAsync(600);
    silero.hear("speech-start");
    silero.hear("speech-end");
    await vi.advanceTimersByTimeAsync(0);
    expect(stream.turns).toHaveLength(1);
    const turn = conversation.getSnapshot().turn;
    conversation.dispatch({ type: "CLIP_QUEUED", turn });
    conversation.dispatch({ type: "CLIP_STARTED", turn });
    await vi.advanceTimersByTimeAsync(1000); // the barge-in detector learns the quiet room
    expect(conversation.getSnapshot().status).toBe("speaking");

    // Silero is not listening while she speaks (what it might say is not heard)...
    silero.hear("speech-start");
    expect(conversation.getSnapshot().status).toBe("speaking");
    // ...loudness is: a voice clearly above the room for long enough stops her.
    FakeAudioContext.amplitude = VOICE;
    await vi.advanceTimersByTimeAsync(BARGE_IN_DETECTION.attackMs + 200);
    expect(conversation.getSnapshot().status).toBe("listening");
    await vi.advanceTimersByTimeAsync(0);
    expect(silero.calls).toEqual(["listen", "pause", "listen"]);
    // Listening afresh, Silero hears the voice that is still going on, then its end.
    silero.hear("speech-start");
    silero.hear("speech-end");
    await vi.advanceTimersByTimeAsync(0);
    expect(stream.turns).toHaveLength(2);
  });

  it("falls back to loudness, for the utterance under way too, when Silero cannot start", async () => {
    const microphone = fakeMicrophone();
    const stream = fakeStream();
    const silero = fakeSilero(() => Promise.reject(new Error("worklet refused")));
    conversation = new VoiceConversation(stream.streamTurn, async () => null, silero.load);
    conversation.prepareDetection();
    await vi.advanceTimersByTimeAsync(0);

    conversation.gesture({ type: "TALK" });
    microphone.grant();
    await vi.advanceTimersByTimeAsync(600);
    expect(conversation.getDetection()).toBe("loudness");
    expect(console.warn).toHaveBeenCalledWith("[rose] voice detection: loudness (Silero VAD could not start: worklet refused)");
    expect(silero.calls).toEqual(["listen", "destroy"]);

    FakeAudioContext.amplitude = VOICE;
    await vi.advanceTimersByTimeAsync(1500);
    FakeAudioContext.amplitude = 0;
    await vi.advanceTimersByTimeAsync(1500);
    expect(conversation.getSnapshot().status).toBe("thinking");
    expect(stream.turns).toHaveLength(1);
  });

  it("uses loudness, and says why once, when Silero cannot load", async () => {
    fakeMicrophone();
    conversation = new VoiceConversation(
      fakeStream().streamTurn,
      async () => null,
      () => Promise.reject(new Error("404 for the model")),
    );
    conversation.prepareDetection();
    conversation.prepareDetection();
    await vi.advanceTimersByTimeAsync(0);
    expect(conversation.getDetection()).toBe("loudness");
    expect(console.warn).toHaveBeenCalledTimes(1);
    expect(console.warn).toHaveBeenCalledWith("[rose] voice detection: loudness (Silero VAD could not load: 404 for the model)");
  });

  it("does not load Silero for push-to-talk until tap-to-talk is chosen", async () => {
    const load = vi.fn(fakeSilero().load);
    conversation = new VoiceConversation(fakeStream().streamTurn, async () => null, load);
    conversation.dispatch({ type: "SET_MODE", mode: "hold" });
    conversation.prepareDetection();
    expect(load).not.toHaveBeenCalled();
    conversation.dispatch({ type: "SET_MODE", mode: "tap" });
    expect(load).toHaveBeenCalledTimes(1);
  });
});
