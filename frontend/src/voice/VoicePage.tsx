import { AnimatePresence, m } from "framer-motion";
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { ReplayIcon } from "../app/icons";
import { canRecord } from "./microphone";
import { TalkControl } from "./TalkControl";
import { VoiceConversation } from "./voice-conversation";
import type { MicProblem, VoiceNotice, VoiceState } from "./voice-machine";
import { MIC_HELP, NoticeBox } from "./VoiceNotice";
import { ConversationSoFar } from "./ConversationSoFar";
import { LiveCallPanel } from "./LiveCallPanel";
import type { LiveCall, LiveCallStatus } from "./live-call";
import type { PresenceState } from "./RosePresence";
import type { LivePresence } from "./TalkControl";
import { type SpokenMessage, useVoiceHistory } from "./use-voice-history";

/** One thing at a time: a microphone that cannot be used is the status, not "speak when you're ready" above it. */
function statusLine(state: VoiceState, mic: MicProblem | null): { title: string; hint: string } {
  if (mic && state.status === "idle") return { title: MIC_HELP[mic].title, hint: "" };
  const hold = state.mode === "hold";
  // Her opener (or a replay) playing: she is speaking, and talking to her is how to answer.
  if (state.status === "idle" && state.aloud)
    return { title: "Rose is speaking", hint: hold ? "Hold the circle to answer her." : "Tap the circle to answer her." };
  switch (state.status) {
    case "idle":
      return hold
        ? { title: "Hold to talk", hint: "Keep the circle pressed while you speak, and let go when you're done." }
        : { title: "Tap to talk", hint: "Speak when you're ready. Rose will notice when you pause." };
    case "listening":
      if (hold) return { title: "Listening…", hint: "Let go when you're done." };
      return state.heard
        ? { title: "Listening…", hint: "Take your time. Rose answers when you pause." }
        : { title: "I'm listening", hint: "Go ahead whenever you like. Tap again to stop." };
    case "thinking":
      return { title: "Rose is thinking…", hint: "Tap to interrupt and say something else." };
    case "speaking":
      return { title: "Rose is speaking", hint: state.bargeIn ? "Just start talking to interrupt her." : "Tap the circle to interrupt her." };
  }
}

export function VoicePage() {
  const [conversation] = useState(() => new VoiceConversation());
  const state = useSyncExternalStore(conversation.subscribe, conversation.getSnapshot);
  const detection = useSyncExternalStore(conversation.subscribe, conversation.getDetection);
  const attachAudio = useCallback((element: HTMLAudioElement | null) => conversation.attachAudio(element), [conversation]);
  const recordable = canRecord();
  const [liveCall, setLiveCall] = useState<LiveCall | null>(null);
  const live = useLivePresence(liveCall);
  const [unsupportedDismissed, setUnsupportedDismissed] = useState(false);

  // Leaving the page ends the conversation: no microphone left open, no voice from an unseen page.
  useEffect(() => () => conversation.stop(), [conversation]);

  // Coming back after a while, Rose may open a new conversation herself, aloud.
  useEffect(() => conversation.greet(), [conversation]);

  // Silero VAD for tap-to-talk loads with this page (never with the chat page), ready for the first tap.
  useEffect(() => conversation.prepareDetection(), [conversation]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      // Not when Escape was already used for something else, such as closing the memories panel.
      if (event.key === "Escape" && !event.defaultPrevented) conversation.dispatch({ type: "STOP" });
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [conversation]);

  const unsupported: VoiceNotice | null = !recordable && !unsupportedDismissed ? { kind: "mic", problem: "unsupported" } : null;
  const notice = state.notice ?? unsupported;
  // A live call has its own microphone, status and transcript (the panel): the tap-to-talk turn steps aside.
  const inCall = live !== null;
  const { title, hint } = inCall ? { title: "On a live call", hint: "" } : statusLine(state, notice?.kind === "mic" ? notice.problem : null);
  const replying = state.status === "thinking" || state.status === "speaking";
  const hasExchange = state.transcript !== "" || state.reply !== "";
  // Read again each time the page comes to rest (a turn ended), so the list includes what was just said.
  const { messages: history, loaded: historyLoaded } = useVoiceHistory(state.status === "idle" ? state.turn : "busy");
  // After a reload, the conversation's last exchange stands where a live one would, until the next turn.
  const restored = !hasExchange && state.status === "idle" ? lastExchange(history) : null;
  const transcript = restored ? restored.transcript : state.transcript;
  const reply = restored ? restored.reply : state.reply;

  return (
    // data-voice-detection: which detector hears tap-to-talk ("silero" or "loudness"), for tests and support.
    <section className="page voice-page" aria-labelledby="voice-title" data-voice-detection={detection ?? undefined}>
      <h1 id="voice-title" className="visually-hidden">
        Talk with Rose
      </h1>

      <TalkControl state={state} conversation={conversation} live={live} />

      <div id="talk-status" className="talk-status" role="status" aria-live="polite">
        <p className="talk-status-title">{title}</p>
        {hint && <p className="talk-status-hint">{hint}</p>}
      </div>

      {notice && (
        <NoticeBox notice={notice} onDismiss={() => (state.notice ? conversation.dispatch({ type: "DISMISS_NOTICE" }) : setUnsupportedDismissed(true))} />
      )}

      {!inCall && (
        <div className="exchange">
          <AnimatePresence initial={false}>
            {!hasExchange && !restored && historyLoaded && state.status === "idle" && (
              <m.p key="intro" className="exchange-intro" initial={{ opacity: 0 }} animate={{ opacity: 1 }} exit={{ opacity: 0 }}>
                Hello, I'm Rose. Tell me how you are, or what's been on your mind. I'll answer out loud.
              </m.p>
            )}
          </AnimatePresence>
          {transcript && (
            <m.div className="said said-you" initial={{ opacity: 0, y: 6 }} animate={{ opacity: 1, y: 0 }} key={`you-${transcript}`}>
              <p className="said-label">You said</p>
              <p className="said-text" data-testid="transcript">
                {transcript}
              </p>
            </m.div>
          )}
          {/* Always in the page (only visually hidden when empty), so screen readers hear her words as they arrive. */}
          <div className={reply ? "said said-rose" : "visually-hidden"} aria-live="polite" aria-busy={replying}>
            <p className="said-label">Rose</p>
            <p className="said-text" data-testid="reply">
              {reply}
            </p>
          </div>
          {state.status === "idle" && !state.aloud && state.replayUrl && (
            <button type="button" className="button quiet replay" onClick={() => conversation.replay()}>
              {/* The browser would not play her opener before a tap: a way to hear it, never an error. */}
              <ReplayIcon /> {state.unheard ? "Hear what Rose said" : "Hear it again"}
            </button>
          )}
        </div>
      )}

      <LiveCallPanel onCall={setLiveCall} />

      {history.length > 0 && <ConversationSoFar messages={history} />}

      {!inCall && <VoiceSettings state={state} conversation={conversation} />}

      <audio ref={attachAudio} data-testid="rose-voice" preload="auto" />
    </section>
  );
}

function VoiceSettings({ state, conversation }: { state: VoiceState; conversation: VoiceConversation }) {
  return (
    <fieldset className="voice-settings">
      <legend className="visually-hidden">How you talk with Rose</legend>
      <div className="segmented" role="radiogroup" aria-label="Talking style">
        {(["tap", "hold"] as const).map((mode) => (
          <label key={mode} className="segment">
            <input
              type="radio"
              name="talk-mode"
              value={mode}
              checked={state.mode === mode}
              onChange={() => conversation.dispatch({ type: "SET_MODE", mode })}
            />
            <span>{mode === "tap" ? "Tap to talk" : "Hold to talk"}</span>
          </label>
        ))}
      </div>
      <label className="switch">
        <input
          type="checkbox"
          role="switch"
          checked={state.bargeIn}
          onChange={(e) => conversation.dispatch({ type: "SET_BARGE_IN", on: e.target.checked })}
          aria-describedby="barge-in-hint"
        />
        <span className="switch-track" aria-hidden="true">
          <span className="switch-thumb" />
        </span>
        <span className="switch-text">
          Interrupt Rose by speaking
          <span id="barge-in-hint" className="switch-hint">
            She keeps listening while she talks. Best with headphones.
          </span>
        </span>
      </label>
    </fieldset>
  );
}

/** What the presence shows of a live call's moment; null when there is no call (or it is over). */
const LIVE_PRESENCE: Record<LiveCallStatus, PresenceState | null> = {
  connecting: "thinking",
  listening: "listening",
  hearing: "listening",
  thinking: "thinking",
  speaking: "speaking",
  ended: null,
  failed: null,
};

const noCall = () => () => {};

/** While a live call is under way, Rose's presence follows it: its moment, and her voice in it. */
function useLivePresence(call: LiveCall | null): LivePresence | null {
  const status = useSyncExternalStore(call?.subscribe ?? noCall, () => call?.getSnapshot().status ?? null);
  const shown = status ? LIVE_PRESENCE[status] : null;
  return useMemo(() => (call && shown ? { state: shown, voiceLevel: () => call.voiceLevel() } : null), [call, shown]);
}

/** The last exchange of a kept conversation: what the person said last, and Rose's answer to it. */
function lastExchange(messages: SpokenMessage[]): { transcript: string; reply: string } | null {
  const last = messages.at(-1);
  const before = messages.at(-2);
  if (!last) return null;
  if (last.role === "assistant") return { transcript: before?.role === "user" ? before.content : "", reply: last.content };
  return { transcript: last.content, reply: "" };
}
