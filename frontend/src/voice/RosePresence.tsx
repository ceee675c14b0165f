import { m, type MotionValue, useAnimationFrame, useMotionValue, useTransform } from "framer-motion";
import { useEffect, useRef } from "react";
import { LoudnessFollower } from "./presence-loudness";
import type { VoiceState } from "./voice-machine";

/**
 * Rose's presence on the voice page: a soft rosette of petals around the talk button. Idle, it breathes
 * slowly; listening, it opens a little with the person's voice; thinking, its petals gather and turn;
 * speaking, it swells and opens with the loudness of her own voice. With reduced motion asked for it
 * holds still, and the states are told apart by colour, icon and the words of the status line.
 *
 * Everything moves from one frame loop writing motion values (no React render per frame), so a state
 * change eases the form from wherever it is instead of restarting an animation.
 */

export type PresenceState = "idle" | "listening" | "thinking" | "speaking";

/** What the presence shows: her opener or a replay playing is her speaking, though no turn is under way. */
export function presenceOf(state: Pick<VoiceState, "status" | "aloud">): PresenceState {
  return state.status === "idle" && state.aloud ? "speaking" : state.status;
}

const PETALS = [0, 1, 2, 3, 4].map((i) => (i * 2 * Math.PI) / 5 - Math.PI / 2);

/** How far the petals stand out from the centre (px) in each state, before any voice opens them further. */
const OPEN: Record<PresenceState, number> = { idle: 13, listening: 15, thinking: 7, speaking: 12 };
/** How fast the rosette turns (degrees per second): barely in rest, a slow turn while she thinks. */
const SPIN: Record<PresenceState, number> = { idle: 3, listening: 2, thinking: 24, speaking: 5 };
/** One breath, in and out. */
const BREATH_MS = 6000;

interface Props {
  state: PresenceState;
  /** The person's voice, 0..1 (already smoothed), while she listens. */
  micLevel: MotionValue<number>;
  /** Her voice's loudness now, 0..1, or null when it cannot be measured. */
  voiceLevel: () => number | null;
  reduceMotion: boolean;
}

export function RosePresence({ state, micLevel, voiceLevel, reduceMotion }: Props) {
  const open = useMotionValue(OPEN[state]);
  const spin = useMotionValue(0);
  const breath = useMotionValue(1);
  const voice = useMotionValue(0);
  const follower = useRef(new LoudnessFollower());
  const loop = useRef({ spin: 0, phase: 0, depth: state === "idle" ? 1 : 0, shownLevel: -1 });
  const form = useRef<HTMLDivElement>(null);

  // Reduced motion: a calm, still form for each state.
  useEffect(() => {
    if (!reduceMotion) return;
    follower.current.reset();
    voice.set(0);
    breath.set(1);
    spin.set(0);
    open.set(OPEN[state]);
  }, [reduceMotion, state, voice, breath, spin, open]);

  useAnimationFrame((time, delta) => {
    if (reduceMotion) return;
    const dt = Math.min(delta, 100); // a tab come back from the background does not leap
    const l = loop.current;
    const speaking = state === "speaking";
    // Not measurable (no tap on the page yet, no Web Audio): a slow, speech-like swell stands in.
    const measured = speaking ? voiceLevel() : 0;
    const target = measured ?? 0.3 + 0.2 * Math.sin(time / 230) * Math.sin(time / 610);
    const level = follower.current.next(target, dt);
    voice.set(level);
    l.spin = (l.spin + (SPIN[state] * dt) / 1000) % 360;
    spin.set(l.spin);
    l.phase = (l.phase + (dt / BREATH_MS) * 2 * Math.PI) % (2 * Math.PI);
    // The breath fades in and out with the idle state rather than stopping mid-breath.
    l.depth += ((state === "idle" ? 1 : 0.2) - l.depth) * Math.min(1, dt / 600);
    breath.set(1 + 0.05 * l.depth * (0.5 - 0.5 * Math.cos(l.phase)));
    const goal = OPEN[state] + 15 * level + (state === "listening" ? 10 * micLevel.get() : 0);
    open.set(open.get() + (goal - open.get()) * Math.min(1, dt / 120));
    // For people reading the page's state (and tests): how loud she is, in tenths, written only when it changes.
    const tenths = Math.round(level * 10);
    if (tenths !== l.shownLevel && form.current) {
      l.shownLevel = tenths;
      form.current.dataset.level = String(tenths / 10);
    }
    // Whether it is her voice's own loudness, or the stand-in swell.
    const source = speaking ? (measured === null ? "stand-in" : "voice") : "none";
    if (form.current && form.current.dataset.source !== source) form.current.dataset.source = source;
  });

  const swell = useTransform(voice, (v) => 1 + 0.06 * v);
  const glowOpacity = useTransform([voice, micLevel] as MotionValue<number>[], ([v, mic]: number[]) =>
    Math.min(1, 0.4 + 0.5 * Math.max(v!, state === "listening" ? mic! : 0)),
  );
  const glowScale = useTransform([voice, micLevel] as MotionValue<number>[], ([v, mic]: number[]) => 1 + 0.16 * Math.max(v!, state === "listening" ? mic! : 0));

  return (
    <div className="presence-form" ref={form} aria-hidden="true" data-level="0" data-source="none">
      <m.div className="presence-breath" style={{ scale: breath }}>
        <m.div className="presence-glow" style={{ scale: glowScale, opacity: glowOpacity }} />
        <m.div className="presence-body" style={{ scale: swell, rotate: spin }}>
          {PETALS.map((angle, i) => (
            <Petal key={i} angle={angle} open={open} />
          ))}
        </m.div>
      </m.div>
    </div>
  );
}

function Petal({ angle, open }: { angle: number; open: MotionValue<number> }) {
  const x = useTransform(open, (r) => Math.cos(angle) * r);
  const y = useTransform(open, (r) => Math.sin(angle) * r);
  return <m.span className="presence-petal" style={{ x, y }} />;
}
