import type { BaseMessage } from "@langchain/core/messages";
import { serviceUnavailable } from "../core/errors.js";
import { setTimeout as sleep } from "node:timers/promises";
import { newId } from "../core/ids.js";
import { KeyedQueue } from "../core/keyed-queue.js";
import type { Logger } from "../core/logger.js";
import type { Metrics } from "../core/metrics.js";
import type { TurnEvent } from "./events.js";
import type { RoseGraph } from "./graph.js";
import { roleOf, textOf } from "./messages.js";
import type { Route } from "./state.js";
import { LOCAL_THREAD_GATE, type ThreadGate } from "./thread-gate.js";
import type { ThreadStore } from "./thread-store.js";

export interface TurnInput {
  userId: string;
  sessionId: string;
  message: string;
  timezone: string;
  /** Voice turns force "audio" so Rose answers in a spoken style. */
  forcedRoute?: Route;
}

export interface TurnReply {
  reply: string;
  route: Route;
  /** True when the chat model failed and Rose's in-character apology stood in. */
  fallback: boolean;
  memoriesUsed: number;
}

export interface RunningTurn {
  /** Resolves as soon as the reply is complete and saved in the thread, before memory storage and summarization finish. */
  reply: Promise<TurnReply>;
  /** Resolves when the whole turn, including its checkpoint, is done. */
  completed: Promise<void>;
}

export interface ThreadHistory {
  summary: string;
  messages: Array<{ id?: string; role: "user" | "assistant" | "system"; content: string }>;
}

export const LLM_NOT_CONFIGURED = serviceUnavailable(
  "llm_not_configured",
  "No chat model is configured. Set GROQ_API_KEY for Groq, or OPENAI_BASE_URL (and OPENAI_API_KEY if the server needs one) for an OpenAI-compatible server, then restart Rose.",
);

/** How long a user's new turn waits for their previous turn's memory writes (another session) to land. */
const PREVIOUS_TURN_WAIT_MS = 5_000;

async function waitBounded(work: Promise<unknown>[], ms: number): Promise<void> {
  if (work.length === 0) return;
  const timer = new AbortController();
  await Promise.race([Promise.allSettled(work), sleep(ms, undefined, { signal: timer.signal }).catch(() => {})]);
  timer.abort();
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

  /** `graph` is null when no chat model is configured: history still reads, turns are refused with a 503. */
  constructor(
    private readonly graph: RoseGraph | null,
    private readonly store: ThreadStore,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
    private readonly gate: ThreadGate = LOCAL_THREAD_GATE,
  ) {}

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

    // Snapshot before this turn registers itself, or it would wait for its own completion.
    const earlierTurns = [...(this.inFlightByUser.get(input.userId) ?? [])];
    const completed = this.exclusive(input.sessionId, async () => {
      await waitBounded(earlierTurns, PREVIOUS_TURN_WAIT_MS);
      const started = performance.now();
      try {
        const stream = await graph.stream(
          {
            pendingUserMessage: { id: newId(), content: input.message },
            userId: input.userId,
            sessionId: input.sessionId,
            timezone: input.timezone,
            forcedRoute: input.forcedRoute ?? null,
          },
          // "sync": each step's checkpoint is saved before the next step starts, so the exchange is on disk
          // before memory storage and summarization run. The turn stays atomic because the person's message
          // joins the thread only with the reply (see generate), and the older checkpoints are pruned below.
          { configurable: { thread_id: input.sessionId }, streamMode: ["custom", "checkpoints"], durability: "sync" },
        );
        let answer: (TurnReply & { messageId: string }) | null = null;
        for await (const [mode, payload] of stream as AsyncIterable<[string, unknown]>) {
          if (mode === "custom") {
            const event = payload as TurnEvent;
            if (event.type === "token") onToken(event.text);
            else if (event.type === "reply") answer = { reply: event.text, route: event.route, fallback: event.fallback, memoriesUsed: event.memoriesUsed, messageId: event.messageId };
          } else if (answer && !replied && savedReply(payload, answer.messageId)) {
            // Only now is the reply durable: the person is told (done / the JSON answer) after this point.
            replied = true;
            const { messageId: _saved, ...turnReply } = answer;
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
        }
        else this.logger.error("turn failed after the reply was sent", { session_id: input.sessionId, error: (error as Error).message });
        throw error;
      }
    });
    // A turn that never started (the thread stayed busy on another instance) still owes its caller an answer.
    completed.catch((error: unknown) => {
      if (!replied) rejectReply(error);
    });
    this.trackUserTurn(input.userId, completed);
    return { reply, completed: completed.catch(() => {}) };
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
      messages: (values.messages ?? []).map((m) => ({ ...(m.id ? { id: m.id } : {}), role: roleOf(m), content: textOf(m) })),
    };
  }

  /** Waits (bounded) for the thread's queued turns, then removes its checkpoints. */
  async clear(sessionId: string): Promise<void> {
    // Exclusive across instances too: a turn running on another instance would write the thread back.
    await this.exclusive(sessionId, () => this.store.deleteThread(sessionId));
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
