import type { SpeechStyle } from "../modules/speech/types.js";
import type { Route } from "./state.js";

/** What the graph streams to the turn runner through LangGraph's custom stream (config.writer). */
export type TurnEvent =
  | { type: "token"; text: string }
  /** `messageId` is the reply's id in the thread; `stopped`: the person stopped it, `text` is what was written. */
  | {
      type: "reply";
      text: string;
      fallback: boolean;
      stopped: boolean;
      /** The model stopped at the caller's `maxTokens` (Sampling), not where it would have ended the reply. */
      truncated?: boolean;
      route: Route;
      memoriesUsed: number;
      messageId: string;
      /** Ids of pictures Rose made for this reply (stored; served at /images/:id). */
      images?: string[];
      /** False when the person's pictures reached no model (none can see pictures). */
      imagesSeen?: boolean;
    }
  | { type: "memory"; status: "added" | "updated" | "duplicate" | "failed" | "pending"; text?: string }
  /** Before the reply: what Rose noticed, and how her voice should sound for it (spoken replies use it from the first sentence). */
  | { type: "perceived"; emotion: string; intensity: number; crisis: boolean; speechStyle: SpeechStyle };

export type EmitTurnEvent = (event: TurnEvent) => void;

/** Where the turn runner puts its listener in the run's `configurable`. */
export const TURN_EVENTS = "turnEvents";

/**
 * How a node reports an event: straight to the turn runner's listener when it gave one (`configurable.
 * turnEvents`), else through LangGraph's custom stream (`config.writer`, only when streamed in "custom"
 * mode); elsewhere events are dropped. The runner listens directly because the custom stream carried
 * each token of a reply through a web stream and an async iterator: with twenty voice turns at once,
 * that machinery was a measurable share of the event loop before their first words went out.
 */
export function emitterFrom(config: { writer?: (chunk: unknown) => void; configurable?: Record<string, unknown> } | undefined): EmitTurnEvent {
  const listener = config?.configurable?.[TURN_EVENTS];
  if (typeof listener === "function") return listener as EmitTurnEvent;
  const writer = config?.writer;
  return writer ? (event) => writer(event) : () => {};
}
