import { AnimatePresence, m } from "framer-motion";
import { useCallback, useEffect, useState, useSyncExternalStore } from "react";
import { Link } from "../app/router";
import { ReplayIcon } from "../app/icons";
import { canRecord } from "./microphone";
import { TalkControl } from "./TalkControl";
import { VoiceConversation } from "./voice-conversation";
import type { MicProblem, VoiceNotice, VoiceState } from "./voice-machine";

function statusLine(state: VoiceState): { title: string; hint: string } {
  const hold = state.mode === "hold";
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

const MIC_HELP: Record<MicProblem, { title: string; text: string }> = {
  denied: {
    title: "Rose can't hear you yet",
    text: "Microphone access is turned off for this page. To talk by voice, allow the microphone in your browser's site settings (the icon beside the address), then tap the circle again.",
  },
  missing: {
    title: "No microphone found",
    text: "Plug in a microphone or headset, or check your sound settings, then tap the circle again.",
  },
  busy: {
    title: "Your microphone is busy",
    text: "Another app seems to be using it. Close that app (a call, a recorder), then tap the circle again.",
  },
  unsupported: {
    title: "Voice isn't available in this browser",
    text: "Talking needs a recent browser and a secure (https) connection to Rose.",
  },
};

function NoticeBox({ notice, onDismiss }: { notice: VoiceNotice; onDismiss: () => void }) {
  if (notice.kind === "mic") {
    const help = MIC_HELP[notice.problem];
    return (
      <div className="notice notice-mic" role="alert">
        <p className="notice-title">{help.title}</p>
        <p>{help.text}</p>
        <p>
          You can always <Link href="/chat">write to Rose instead</Link>.
        </p>
      </div>
    );
  }
  const text =
    notice.kind === "too-short"
      ? "That was very short. Hold the circle for as long as you're speaking."
      : notice.kind === "words-only"
        ? "Rose's voice isn't available just now, so here are her words."
        : `Rose couldn't answer that. ${notice.message}`;
  return (
    <div className={`notice ${notice.kind === "turn-failed" ? "notice-error" : ""}`} role={notice.kind === "turn-failed" ? "alert" : "status"}>
      <p>{text}</p>
      <button type="button" className="button small quiet" onClick={onDismiss}>
        OK
      </button>
    </div>
  );
}

export function VoicePage() {
  const [conversation] = useState(() => new VoiceConversation());
  const state = useSyncExternalStore(conversation.subscribe, conversation.getSnapshot);
  const attachAudio = useCallback((element: HTMLAudioElement | null) => conversation.attachAudio(element), [conversation]);
  const recordable = canRecord();

  // Leaving the page ends the conversation: no microphone left open, no voice from an unseen page.
  useEffect(() => () => conversation.stop(), [conversation]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      // Not when Escape was already used for something else, such as closing the memories panel.
      if (event.key === "Escape" && !event.defaultPrevented) conversation.dispatch({ type: "STOP" });
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [conversation]);

  const { title, hint } = statusLine(state);
  const replying = state.status === "thinking" || state.status === "speaking";
  const hasExchange = state.transcript !== "" || state.reply !== "";

  return (
    <section className="page voice-page" aria-labelledby="voice-title">
      <h1 id="voice-title" className="visually-hidden">
        Talk with Rose
      </h1>

      <TalkControl state={state} conversation={conversation} />

      <div id="talk-status" className="talk-status" role="status" aria-live="polite">
        <p className="talk-status-title">{title}</p>
        <p className="talk-status-hint">{hint}</p>
      </div>

      {!recordable && !state.notice && <NoticeBox notice={{ kind: "mic", problem: "unsupported" }} onDismiss={() => {}} />}
      {state.notice && <NoticeBox notice={state.notice} onDismiss={() => conversation.dispatch({ type: "DISMISS_NOTICE" })} />}

      <div className="exchange">
        <AnimatePresence initial={false}>
          {!hasExchange && state.status === "idle" && (
            <m.p key="intro" className="exchange-intro" initial={{ opacity: 0 }} animate={{ opacity: 1 }} exit={{ opacity: 0 }}>
              Hello, I'm Rose. Tell me how you are, or what's been on your mind. I'll answer out loud.
            </m.p>
          )}
        </AnimatePresence>
        {state.transcript && (
          <m.div className="said said-you" initial={{ opacity: 0, y: 6 }} animate={{ opacity: 1, y: 0 }} key={`you-${state.transcript}`}>
            <p className="said-label">You said</p>
            <p className="said-text" data-testid="transcript">
              {state.transcript}
            </p>
          </m.div>
        )}
        {/* Always in the page (only visually hidden when empty), so screen readers hear her words as they arrive. */}
        <div className={state.reply ? "said said-rose" : "visually-hidden"} aria-live="polite" aria-busy={replying}>
          <p className="said-label">Rose</p>
          <p className="said-text" data-testid="reply">
            {state.reply}
          </p>
        </div>
        {state.status === "idle" && state.replayUrl && (
          <button type="button" className="button quiet replay" onClick={() => conversation.replay()}>
            <ReplayIcon /> Hear it again
          </button>
        )}
      </div>

      <VoiceSettings state={state} conversation={conversation} />

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
            <input type="radio" name="talk-mode" value={mode} checked={state.mode === mode} onChange={() => conversation.dispatch({ type: "SET_MODE", mode })} />
            <span>{mode === "tap" ? "Tap to talk" : "Hold to talk"}</span>
          </label>
        ))}
      </div>
      <label className="switch">
        <input type="checkbox" role="switch" checked={state.bargeIn} onChange={(e) => conversation.dispatch({ type: "SET_BARGE_IN", on: e.target.checked })} aria-describedby="barge-in-hint" />
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
