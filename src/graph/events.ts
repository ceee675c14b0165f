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

/** Nodes get `config.writer` only when the graph is streamed in "custom" mode; elsewhere events are dropped. */
export function emitterFrom(config: { writer?: (chunk: unknown) => void } | undefined): EmitTurnEvent {
  const writer = config?.writer;
  return writer ? (event) => writer(event) : () => {};
}
