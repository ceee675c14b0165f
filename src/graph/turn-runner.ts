import { AIMessage, type BaseMessage, isAIMessage, isHumanMessage } from "@langchain/core/messages";
import { conflict, serviceUnavailable } from "../core/errors.js";
import { setTimeout as sleep } from "node:timers/promises";
import { newId } from "../core/ids.js";
import { KeyedQueue } from "../core/keyed-queue.js";
import type { Logger } from "../core/logger.js";
import type { Metrics } from "../core/metrics.js";
import type { Sampling } from "../modules/llm/chat-provider.js";
import type { SpeechStyle } from "../modules/speech/types.js";
import { TURN_EVENTS, type TurnEvent } from "./events.js";
import { PERCEPTION_IN_FLIGHT, PerceptionInFlight } from "./perception-in-flight.js";
import type { RoseGraph } from "./graph.js";
import { roleOf, textOf } from "./messages.js";
import type { Route } from "./state.js";
import { LOCAL_THREAD_GATE, type ThreadGate } from "./thread-gate.js";
import type { ThreadStore } from "./thread-store.js";
import { imageIdsOf } from "./turn-pictures.js";

export interface TurnInput {
  userId: string;
  sessionId: string;
  /** The person's message; null only with `replace: "last"`, where the replaced exchange's message is asked again (regenerate). */
  message: string | null;
  timezone: string;
  /** Voice turns force "audio" so Rose answers in a spoken style. */
  forcedRoute?: Route;
  /**
   * `failed`: a retry, the thread's failed exchange (a message answered by the fallback apology) is replaced
   * by this turn. `last`: regenerate or edit, the thread's last exchange (whatever its reply) is replaced.
   */
  replace?: "failed" | "last";
  /** An OpenAI-style client's system prompt: Rose reads it beneath her own rules, for this turn only. */
  clientInstructions?: string;
  /** Ids of stored pictures the person attached to this message. */
  images?: string[];
  /** A client's own sampling for this reply (the OpenAI-compatible API's temperature, top_p, max_tokens). */
  sampling?: Sampling;
}

export interface TurnReply {
  reply: string;
  route: Route;
  /** True when the chat model failed and Rose's in-character apology stood in. */
  fallback: boolean;
  /** True when the person stopped the reply (TurnRunner.stop): `reply` is what was written until then. */
  stopped: boolean;
  /** True when the reply ended at the caller's `sampling.maxTokens`. */
  truncated: boolean;
  memoriesUsed: number;
  /** Ids of the pictures Rose made for this reply. */
  images: string[];
  /** False when the person's pictures reached no model (none configured can see pictures). */
  imagesSeen: boolean;
  /** What Rose noticed in the person's message (absent when the turn did not get that far). */
  emotion?: { label: string; intensity: number };
  /** True when the person may be in crisis: the reply points to real help. */
  crisis?: boolean;
  /** How a spoken reply should sound for this listener (pass it to Speech.synthesize). */
  speechStyle?: SpeechStyle;
}

export interface RunningTurn {
  /** Resolves as soon as the reply is complete and saved in the thread, before memory storage and summarization finish. */
  reply: Promise<TurnReply>;
  /** Resolves when the whole turn, including its checkpoint, is done. */
  completed: Promise<void>;
}

export interface ThreadHistory {
  summary: string;
  /** `failed`: Rose's fallback apology stood in for a reply (retry with `replaceFailed`); `stopped`: cut short by the person. */
  /** `created_at`: when the message was saved (ISO 8601); absent on messages older than timestamps. */
  /** `images`: the pictures the message carries, ids only (served at /images/:id). `interrupted`: the person spoke over Rose (live voice); the reply holds only what they heard. */
  messages: Array<{
    id?: string;
    role: "user" | "assistant" | "system";
    content: string;
    created_at?: string;
    failed?: true;
    stopped?: true;
    images?: string[];
    interrupted?: true;
  }>;
}

/** A turn whose exchange is now saved in its thread (what listeners of TurnRunner.onTurnSaved get). */
export interface SavedTurn {
  userId: string;
  sessionId: string;
  /** The person's message of the saved exchange. */
  message: string;
  reply: string;
  /** True when the exchange replaced the thread's last one (retry, regenerate, edit) instead of adding one. */
  replaced: boolean;
  fallback: boolean;
  at: Date;
}

export type TurnSavedListener = (turn: SavedTurn) => Promise<void> | void;

export const LLM_NOT_CONFIGURED = serviceUnavailable(
  "llm_not_configured",
  "No chat model is configured. Set GROQ_API_KEY for Groq, or OPENAI_BASE_URL (and OPENAI_API_KEY if the server needs one) for an OpenAI-compatible server, then restart Rose.",
);

export const NOTHING_TO_REPLACE = conflict("There is no reply to regenerate or message to edit in this conversation");

/** How long a user's new turn waits for their previous turn's memory writes (another session) to land. */
const PREVIOUS_TURN_WAIT_MS = 5_000;

async function waitBounded(work: Promise<unknown>[], ms: number): Promise<void> {
  if (work.length === 0) return;
  const timer = new AbortController();
  await Promise.race([Promise.allSettled(work), sleep(ms, undefined, { signal: timer.signal }).catch(() => {})]);
  timer.abort();
}

/** The thread's last exchange (the person's message and Rose's reply to it), else null. */
function lastExchange(
  messages: BaseMessage[],
): { ids: [string, string]; asked: string; askedAt: string | undefined; askedImages: string[]; failed: boolean } | null {
  const [asked, answer] = messages.slice(-2);
  if (!asked || !answer || !isHumanMessage(asked) || !isAIMessage(answer) || !asked.id || !answer.id) return null;
  return {
    ids: [asked.id, answer.id],
    asked: textOf(asked),
    askedAt: createdAt(asked),
    askedImages: imageIdsOf(asked),
    failed: answer.additional_kwargs?.fallback === true,
  };
}

/** The exchange a turn with `replace` would take out of the thread, else null. */
function replaceable(messages: BaseMessage[], replace: "failed" | "last"): ReturnType<typeof lastExchange> {
  const exchange = lastExchange(messages);
  return exchange && (replace === "last" || exchange.failed) ? exchange : null;
}

function createdAt(m: BaseMessage): string | undefined {
  const at: unknown = m.additional_kwargs?.created_at;
  return typeof at === "string" ? at : undefined;
}

/** True when a "checkpoints" stream event is of a saved checkpoint whose thread holds the message. */
function savedReply(checkpoint: unknown, messageId: string): boolean {
  const messages = (checkpoint as { values?: { messages?: BaseMessage[] } } | null)?.values?.messages;
  return Array.isArray(messages) && messages.some((m) => m.id === messageId);
}

/** The one entry point for a turn, text or voice: runs the graph on the session's thread and reports events. */
export class TurnRunner {
  private readonly threads = new KeyedQueue();
  private readonly inFlightByUser = new Map<string, Set<Promise<void>>>();
  /** Per session, the newest turn's stop: aborting it ends that reply's generation (see stop()). */
  private readonly stops = new Map<string, AbortController>();
  private readonly savedListeners: TurnSavedListener[] = [];
  /** Per session, how the newest turn's reply should sound: known before its first token, so the first sentence spoken has it. */
  private readonly styles = new Map<string, SpeechStyle>();

  /** `graph` is null when no chat model is configured: history still reads, turns are refused with a 503. */
  constructor(
    private readonly graph: RoseGraph | null,
    private readonly store: ThreadStore,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
    private readonly gate: ThreadGate = LOCAL_THREAD_GATE,
  ) {}

  /**
   * Calls `listener` once a turn's exchange is saved, before the person is told (so what it records is
   * there for their next read). Keep it quick: slow work belongs in the background. Its failures are
   * logged and never fail the turn.
   */
  onTurnSaved(listener: TurnSavedListener): void {
    this.savedListeners.push(listener);
  }

  private async notifySaved(turn: SavedTurn): Promise<void> {
    for (const listener of this.savedListeners) {
      try {
        await listener(turn);
      } catch (error) {
        this.logger.warn("a saved-turn listener failed", { session_id: turn.sessionId, error: (error as Error).message });
      }
    }
  }

  get canTakeTurns(): boolean {
    return this.graph !== null;
  }

  start(input: TurnInput, onToken: (text: string) => void = () => {}): RunningTurn {
    const graph = this.graph;
    if (!graph) throw LLM_NOT_CONFIGURED;
    let resolveReply!: (reply: TurnReply) => void;
    let rejectReply!: (error: unknown) => void;
    const reply = new Promise<TurnReply>((resolve, reject) => {
      resolveReply = resolve;
      rejectReply = reject;
    });
    let replied = false;
    const kind = input.forcedRoute === "audio" ? "voice" : "text";
    const stop = new AbortController();
    this.stops.set(input.sessionId, stop);
    const sentAt = new Date().toISOString();

    // Snapshot before this turn registers itself, or it would wait for its own completion.
    const earlierTurns = [...(this.inFlightByUser.get(input.userId) ?? [])];
    const completed = this.exclusive(input.sessionId, async () => {
      await waitBounded(earlierTurns, PREVIOUS_TURN_WAIT_MS);
      const started = performance.now();
      try {
        // A retry, regenerate or edit names the exchange it replaces; generate takes it out of the thread in the
        // update that saves the new one, so the thread never holds both, nor loses it to a turn without a reply.
        const replaced = input.replace ? replaceable(await this.threadMessages(input.sessionId), input.replace) : null;
        // Checked before the request was accepted too; here it is checked again after the turns queued before it.
        if (input.replace === "last" && !replaced) throw NOTHING_TO_REPLACE;
        const message = input.message ?? replaced?.asked;
        // An empty message is a picture sent on its own; no message at all has nothing to ask.
        if (message === undefined || (!message && !(input.images?.length ?? 0) && !replaced?.askedImages.length)) throw NOTHING_TO_REPLACE;
        let answer: (TurnReply & { messageId: string }) | null = null;
        let noticed: Pick<TurnReply, "emotion" | "crisis" | "speechStyle"> = {};
        // The nodes' events arrive here as they happen (see emitterFrom); the stream carries only checkpoints.
        const onEvent = (event: TurnEvent) => {
          if (event.type === "token") {
            // Called inside generate now: a listener's failure must not become the model's failure (the apology).
            try {
              onToken(event.text);
            } catch (error) {
              this.logger.warn("a token listener failed", { session_id: input.sessionId, error: (error as Error).message });
            }
          } else if (event.type === "perceived") {
            noticed = { emotion: { label: event.emotion, intensity: event.intensity }, crisis: event.crisis, speechStyle: event.speechStyle };
            this.rememberStyle(input.sessionId, event.speechStyle);
          } else if (event.type === "reply")
            answer = {
              reply: event.text,
              route: event.route,
              fallback: event.fallback,
              stopped: event.stopped,
              truncated: event.truncated ?? false,
              memoriesUsed: event.memoriesUsed,
              messageId: event.messageId,
              images: event.images ?? [],
              imagesSeen: event.imagesSeen ?? true,
              ...noticed,
            };
        };
        const stream = await graph.stream(
          {
            replacesMessageIds: replaced?.ids ?? [],
            // Regenerate asks the same message again: it keeps the time the person sent it.
            pendingUserMessage: {
              id: newId(),
              content: message,
              createdAt: (input.message === null ? replaced?.askedAt : undefined) ?? sentAt,
              // A regenerate or a retry asks about the same pictures again; an edit sends only what it names.
              images: input.images ?? (input.replace === "last" && input.message !== null ? [] : (replaced?.askedImages ?? [])),
            },
            userId: input.userId,
            sessionId: input.sessionId,
            timezone: input.timezone,
            forcedRoute: input.forcedRoute ?? null,
            clientInstructions: input.clientInstructions ?? "",
          },
          // "sync": each step's checkpoint is saved before the next step starts, so the exchange is on disk
          // before memory storage and summarization run. The turn stays atomic because the person's message
          // joins the thread only with the reply (see generate), and the older checkpoints are pruned below.
          {
            configurable: {
              thread_id: input.sessionId,
              stopSignal: stop.signal,
              sampling: input.sampling,
              [TURN_EVENTS]: onEvent,
              // A spoken turn's model reading of the feeling, followed while she answers (nodes/perceive.ts).
              [PERCEPTION_IN_FLIGHT]: new PerceptionInFlight(),
            },
            streamMode: "checkpoints",
            durability: "sync",
          },
        );
        for await (const payload of stream as AsyncIterable<unknown>) {
          const saved = answer as (TurnReply & { messageId: string }) | null;
          if (saved && !replied && savedReply(payload, saved.messageId)) {
            // Only now is the reply durable: the person is told (done / the JSON answer) after this point.
            replied = true;
            const { messageId: _saved, ...turnReply } = saved;
            await this.notifySaved({
              userId: input.userId,
              sessionId: input.sessionId,
              message,
              reply: turnReply.reply,
              replaced: replaced !== null,
              fallback: turnReply.fallback,
              at: new Date(),
            });
            this.metrics?.turns.inc({ kind, outcome: turnReply.fallback ? "fallback" : "ok" });
            resolveReply(turnReply);
          }
        }
        await this.store.prune(input.sessionId);
        this.logger.info("turn completed", { session_id: input.sessionId, duration_ms: Math.round(performance.now() - started) });
        if (!replied) throw new Error("the graph finished without a reply");
      } catch (error) {
        if (!replied) {
          this.metrics?.turns.inc({ kind, outcome: "error" });
          rejectReply(error);
        } else this.logger.error("turn failed after the reply was sent", { session_id: input.sessionId, error: (error as Error).message });
        throw error;
      }
    });
    // A turn that never started (the thread stayed busy on another instance) still owes its caller an answer.
    completed.catch((error: unknown) => {
      if (!replied) rejectReply(error);
    });
    this.trackUserTurn(input.userId, completed);
    void completed
      .catch(() => {})
      .then(() => {
        if (this.stops.get(input.sessionId) === stop) this.stops.delete(input.sessionId);
      });
    return { reply, completed: completed.catch(() => {}) };
  }

  /**
   * The person stopped the session's reply in progress: its generation ends, and the words written so far
   * stay in the thread marked stopped (none written: the turn leaves the thread as it was). False when no
   * turn of the session is running or queued here.
   */
  stop(sessionId: string): boolean {
    const stop = this.stops.get(sessionId);
    if (!stop || stop.signal.aborted) return false;
    stop.abort();
    return true;
  }

  /** How the session's newest reply should sound (undefined before its first turn): spoken sentence by sentence, before the reply is done. */
  voiceStyle(sessionId: string): SpeechStyle | undefined {
    return this.styles.get(sessionId);
  }

  private rememberStyle(sessionId: string, style: SpeechStyle): void {
    this.styles.delete(sessionId);
    this.styles.set(sessionId, style);
    // Only the newest sessions matter (a voice reply is spoken within seconds): the oldest go first.
    if (this.styles.size > 10_000) this.styles.delete(this.styles.keys().next().value!);
  }

  /**
   * Barge-in: the person spoke over Rose, so her last reply keeps only what they heard, marked interrupted
   * (and stopped), with a dash where she was cut off so her next turn's model sees it. Runs after the turns
   * queued on the thread (the reply is usually saved before its audio has finished playing). False when the
   * thread does not end with a reply of hers.
   */
  keepHeardPart(sessionId: string, heard: string): Promise<boolean> {
    const graph = this.graph;
    if (!graph) return Promise.resolve(false);
    return this.exclusive(sessionId, async () => {
      const last = (await this.threadMessages(sessionId)).at(-1);
      if (!last?.id || !isAIMessage(last)) return false;
      const content = heard.trim() ? `${heard.trim()} —` : "—";
      // Same id: the messages reducer replaces the reply in place. As the last node, so nothing is left to run.
      await graph.updateState(
        { configurable: { thread_id: sessionId } },
        { messages: [new AIMessage({ id: last.id, content, additional_kwargs: { ...last.additional_kwargs, stopped: true, interrupted: true } })] },
        "summarize",
      );
      await this.store.prune(sessionId);
      return true;
    });
  }

  /**
   * Rose opened the conversation herself (POST /session/start): her opener becomes the thread's first
   * message, so a reload before the person answers still shows it and her next reply sees what she asked.
   * Written like keepHeardPart, as the graph's last node, so no node runs; only on an empty thread. False
   * when there is no graph or the thread already has messages.
   */
  openWith(sessionId: string, text: string): Promise<boolean> {
    const graph = this.graph;
    if (!graph) return Promise.resolve(false);
    return this.exclusive(sessionId, async () => {
      if ((await this.threadMessages(sessionId)).length > 0) return false;
      const opener = new AIMessage({ id: newId(), content: text, additional_kwargs: { created_at: new Date().toISOString(), opener: true } });
      await graph.updateState({ configurable: { thread_id: sessionId } }, { messages: [opener] }, "summarize");
      await this.store.prune(sessionId);
      return true;
    });
  }

  /** True when the thread (after its queued turns) ends with a failed exchange that a retry would replace. */
  hasFailedExchange(sessionId: string): Promise<boolean> {
    return this.hasExchangeToReplace(sessionId, "failed");
  }

  /** True when the thread (after its queued turns) ends with an exchange that a turn with `replace` would replace. */
  hasExchangeToReplace(sessionId: string, replace: "failed" | "last"): Promise<boolean> {
    return this.exclusive(sessionId, async () => replaceable(await this.threadMessages(sessionId), replace) !== null);
  }

  private async threadMessages(sessionId: string): Promise<BaseMessage[]> {
    const tuple = await this.store.saver.getTuple({ configurable: { thread_id: sessionId } });
    return ((tuple?.checkpoint.channel_values ?? {}) as { messages?: BaseMessage[] }).messages ?? [];
  }

  /**
   * The thread as it stands after every turn already queued on it, here or (through the gate) on another
   * instance: a reply is sent once it is saved, but before its turn's last checkpoint (memory storage,
   * summary) is written, and a client reading right after must see the finished turn (read-your-writes).
   */
  history(sessionId: string): Promise<ThreadHistory> {
    return this.exclusive(sessionId, () => this.readHistory(sessionId));
  }

  private async readHistory(sessionId: string): Promise<ThreadHistory> {
    const tuple = await this.store.saver.getTuple({ configurable: { thread_id: sessionId } });
    const values = (tuple?.checkpoint.channel_values ?? {}) as { summary?: string; messages?: BaseMessage[] };
    return {
      summary: values.summary ?? "",
      messages: (values.messages ?? []).map((m) => ({
        ...(m.id ? { id: m.id } : {}),
        role: roleOf(m),
        content: textOf(m),
        ...(createdAt(m) ? { created_at: createdAt(m) } : {}),
        ...(m.additional_kwargs?.fallback === true ? { failed: true as const } : {}),
        ...(m.additional_kwargs?.stopped === true ? { stopped: true as const } : {}),
        ...(imageIdsOf(m).length > 0 ? { images: imageIdsOf(m) } : {}),
        ...(m.additional_kwargs?.interrupted === true ? { interrupted: true as const } : {}),
      })),
    };
  }

  /** Waits (bounded) for the thread's queued turns, then removes its checkpoints. */
  async clear(sessionId: string): Promise<void> {
    // Exclusive across instances too: a turn running on another instance would write the thread back.
    await this.exclusive(sessionId, () => this.store.deleteThread(sessionId));
    this.styles.delete(sessionId);
  }

  /** Runs a task on the thread alone: after this instance's queued work on it, and under the gate (other instances). */
  private exclusive<T>(sessionId: string, task: () => Promise<T>): Promise<T> {
    return this.threads.run(sessionId, () => this.gate.hold(sessionId, task));
  }

  /** Resolves when every turn in flight has finished: graceful shutdown waits on it. */
  drain(): Promise<void> {
    return this.threads.drain();
  }

  get activeThreads(): number {
    return this.threads.size;
  }

  private trackUserTurn(userId: string, completed: Promise<void>): void {
    const set = this.inFlightByUser.get(userId) ?? new Set();
    this.inFlightByUser.set(userId, set);
    const settled = completed.then(
      () => {},
      () => {},
    );
    set.add(settled);
    void settled.then(() => {
      set.delete(settled);
      if (set.size === 0) this.inFlightByUser.delete(userId);
    });
  }
}
