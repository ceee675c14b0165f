import { Annotation, MessagesAnnotation } from "@langchain/langgraph";
import type { TurnCompanion } from "../modules/companion/companion.js";
import type { Perception } from "../modules/perception/perceive.js";

export const ROUTES = ["conversation", "audio", "image"] as const;
export type Route = (typeof ROUTES)[number];

/** The person's message of the turn in progress, before it joins the thread (see `pendingUserMessage`). */
export interface PendingUserMessage {
  id: string;
  content: string;
  /** When the person sent it (ISO 8601); saved with the message as `additional_kwargs.created_at`. */
  createdAt?: string;
  /** Ids of the pictures the person attached (stored in the image store): ids only, never bytes. */
  images?: string[];
}

/** A remembered fact as the turn sees it: just enough to prompt with it and to dedupe against it. */
export interface RecalledMemory {
  id: string;
  text: string;
}

const latest = <T>(fallback: () => T) => Annotation<T>({ reducer: (_previous, next) => next, default: fallback });

/**
 * Everything a turn reads or writes. Only `messages` and `summary` carry the conversation from turn to
 * turn; the rest is recomputed each turn and is small, so checkpoints stay small.
 */
export const RoseState = Annotation.Root({
  ...MessagesAnnotation.spec,
  /**
   * The turn's new message. It reaches `messages` only together with Rose's reply (generate appends both),
   * so the checkpoints written after each step before that hold the thread unchanged: a crash mid-turn
   * never leaves the person's message without its answer.
   */
  pendingUserMessage: latest<PendingUserMessage | null>(() => null),
  /**
   * The exchange this turn replaces (retry, regenerate, edit): generate takes these messages out of the
   * thread in the update that adds the new ones, so a turn that ends without a reply (stopped before a
   * word, crashed) leaves the old exchange in place. Set by every turn ([] for none).
   */
  replacesMessageIds: latest<string[]>(() => []),
  userId: latest<string>(() => ""),
  sessionId: latest<string>(() => ""),
  /** IANA time zone of the person, for Rose's sense of their day. */
  timezone: latest<string>(() => "UTC"),
  /** Set by the interface (voice turns are answered aloud); the router honours it. */
  forcedRoute: latest<Route | null>(() => null),
  /** An OpenAI-style client's system prompt, given to Rose beneath her own rules (see context_injection); "" for none. */
  clientInstructions: latest<string>(() => ""),
  summary: latest<string>(() => ""),
  route: latest<Route>(() => "conversation"),
  memories: latest<RecalledMemory[]>(() => []),
  systemPrompt: latest<string>(() => ""),
  /** True when the chat model could not answer and Rose's in-character apology was used. */
  replyFallback: latest<boolean>(() => false),

  // --- Companion layer (character, her state, what she perceives): set by the perceive node each turn.
  /** The person's character, her mood and bond with them, their crisis lines; null when the graph runs without a companion store. */
  companion: latest<TurnCompanion | null>(() => null),
  /** The person's feeling this turn, and whether they may be in crisis or sincerely ask if she is an AI. */
  perception: latest<Perception | null>(() => null),
});

export type RoseStateType = typeof RoseState.State;
export type RoseStateUpdate = typeof RoseState.Update;
