import { m, useMotionValue, useReducedMotion, useSpring } from "framer-motion";
import { type KeyboardEvent, type MouseEvent, type PointerEvent, useEffect, useRef } from "react";
import { DotsIcon, MicIcon, WaveIcon } from "../app/icons";
import type { VoiceConversation } from "./voice-conversation";
import type { VoiceState } from "./voice-machine";
import { type PresenceState, presenceOf, RosePresence } from "./RosePresence";

/**
 * The large talk control, at the heart of Rose's presence (see RosePresence): the button is the one
 * control, a real button named for what a tap does; the form around it only shows what she is doing.
 */

/** Microphone loudness (dBFS) mapped to 0..1: room tone sits near 0, a speaking voice near 1. */
const loudness = (db: number) => Math.min(1, Math.max(0, (db + 62) / 42));

export function talkLabel(state: VoiceState): string {
  const hold = state.mode === "hold";
  switch (state.status) {
    case "idle":
      return hold ? "Hold to talk to Rose" : "Talk to Rose";
    case "listening":
      if (hold) return "Release to send";
      return state.heard ? "Done speaking, send it to Rose" : "Stop listening";
    case "thinking":
      return hold ? "Hold to interrupt and speak again" : "Interrupt and speak again";
    case "speaking":
      return hold ? "Hold to interrupt Rose and speak" : "Interrupt Rose and speak";
  }
}

/**
 * The icon says what is happening, as the status line does. While listening it stays the microphone:
 * a stop square before the person has said anything read as "something is wrong / stopped", and the
 * control's name ("Stop listening") already says what a tap does.
 */
function StateIcon({ state }: { state: VoiceState }) {
  const shown = presenceOf(state);
  if (shown === "thinking") return <DotsIcon className="talk-icon" data-icon="thinking" />;
  if (shown === "speaking") return <WaveIcon className="talk-icon" data-icon="speaking" />;
  return <MicIcon className="talk-icon" data-icon="microphone" />;
}

/** A live call's state for the presence, when one is under way (it has its own microphone and voice). */
export interface LivePresence {
  state: PresenceState;
  voiceLevel: () => number | null;
}

export function TalkControl({ state, conversation, live = null }: { state: VoiceState; conversation: VoiceConversation; live?: LivePresence | null }) {
  const reduceMotion = useReducedMotion() ?? false;
  const level = useMotionValue(0);
  const smoothLevel = useSpring(level, { stiffness: 180, damping: 24 });
  const heldSince = useRef<number | null>(null);

  useEffect(() => conversation.onLevel((db) => level.set(loudness(db))), [conversation, level]);

  const { status, mode } = state;

  // Push-to-talk: pointer down/up, Space or Enter held on the keyboard, and a screen reader's activation.
  const press = () => {
    if (heldSince.current !== null) return;
    heldSince.current = performance.now();
    conversation.gesture({ type: "PRESS" });
  };
  const release = () => {
    if (heldSince.current === null) return;
    const heldMs = performance.now() - heldSince.current;
    heldSince.current = null;
    conversation.gesture({ type: "RELEASE", heldMs });
  };

  const pointerHandlers =
    mode === "hold"
      ? {
          onPointerDown: (event: PointerEvent<HTMLButtonElement>) => {
            if (event.button !== 0) return;
            event.currentTarget.setPointerCapture(event.pointerId);
            press();
          },
          onPointerUp: release,
          onPointerCancel: release,
          onKeyDown: (event: KeyboardEvent<HTMLButtonElement>) => {
            if (event.key === " " || event.key === "Enter") {
              event.preventDefault(); // repeats too: a held Enter must not turn into clicks (see onClick)
              if (!event.repeat) press();
            }
          },
          onKeyUp: (event: KeyboardEvent<HTMLButtonElement>) => {
            if (event.key === " " || event.key === "Enter") {
              event.preventDefault();
              release();
            }
          },
          onBlur: release,
          // Screen readers activate with a bare click (detail 0) and cannot hold: one starts, the next sends.
          // A mouse or touch click (detail ≥ 1) follows its own pointer down/up, which already did the work.
          onClick: (event: MouseEvent<HTMLButtonElement>) => {
            if (event.detail !== 0) return;
            if (heldSince.current === null) press();
            else release();
          },
        }
      : { onClick: () => conversation.gesture({ type: "TALK" }) };

  return (
    // data-recording: the microphone is open and this turn is being recorded (it opens a moment after a press).
    <div className="talk presence" data-status={status} data-state={live?.state ?? presenceOf(state)} data-recording={state.recording}>
      <RosePresence
        state={live?.state ?? presenceOf(state)}
        micLevel={smoothLevel}
        voiceLevel={live?.voiceLevel ?? (() => conversation.voiceLevel())}
        reduceMotion={reduceMotion}
      />
      <m.button
        type="button"
        className="talk-button"
        aria-label={live ? "Talk to Rose (a live call is on)" : talkLabel(state)}
        aria-describedby="talk-status"
        // During a live call the call holds the microphone: a second recording would talk over it.
        disabled={live !== null}
        {...pointerHandlers}
        whileTap={reduceMotion ? {} : { scale: 0.96 }}
        animate={{ scale: status === "listening" && !reduceMotion ? 1.04 : 1 }}
        transition={{ type: "spring", stiffness: 220, damping: 22 }}
      >
        <StateIcon state={state} />
      </m.button>
    </div>
  );
}
