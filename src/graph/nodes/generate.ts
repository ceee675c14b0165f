import { AIMessage, HumanMessage, RemoveMessage, SystemMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { newId } from "../../core/ids.js";
import { withDeadline } from "../../core/resilience/deadline.js";
import { APOLOGY_REPLY } from "../../modules/character/prompts.js";
import type { Sampling } from "../../modules/llm/chat-provider.js";
import { BUILT_IN_RESOURCES } from "../../modules/care/crisis-resources.js";
import { crisisFallbackReply, safetyAdditions } from "../../modules/care/safety-net.js";
import type { Perception } from "../../modules/perception/perceive.js";
import type { GraphDeps } from "../deps.js";
import { emitterFrom } from "../events.js";
import { perceptionInFlightFrom } from "../perception-in-flight.js";
import type { RoseStateType, RoseStateUpdate } from "../state.js";
import { preparePictures, withPicturePlaceholders } from "../turn-pictures.js";

/**
 * Streams Rose's reply, token by token, to whoever is listening. If the chat model cannot answer, Rose
 * says a short in-character apology instead so the turn still completes and is checkpointed.
 * The person's pending message and the reply join the thread in this one update, so the checkpoint
 * written after this step is the first to hold either: a turn is all or nothing.
 */
export function createGenerateNode({ llm, logger, pictures }: GraphDeps) {
  return async function generate(state: RoseStateType, config?: LangGraphRunnableConfig): Promise<RoseStateUpdate> {
    const emit = emitterFrom(config);
    const pending = state.pendingUserMessage;
    // Each saved message carries its time (ISO 8601), for the log's timestamps and day separators.
    // Pictures are saved as ids only (additional_kwargs.images); their bytes never enter the thread.
    const imageIds = pending?.images ?? [];
    // What Rose noticed is stored on the turn (the feeling, not the crisis: the message says enough).
    const askedWith = (perception: Perception | null) =>
      pending
        ? [
            new HumanMessage({
              content: pending.content,
              id: pending.id,
              additional_kwargs: {
                created_at: pending.createdAt ?? new Date().toISOString(),
                ...(perception ? { emotion: { label: perception.emotion, intensity: perception.intensity, source: perception.source } } : {}),
                ...(imageIds.length > 0 ? { images: imageIds } : {}),
              },
            }),
          ]
        : [];
    const asked = askedWith(state.perception);
    // A spoken turn began on the offline reading; the model's, once it comes, is what the turn keeps (and what the safety net reads).
    const inFlight = perceptionInFlightFrom(config);
    const finalPerception = async () => (await inFlight?.final()) ?? state.perception;
    const resources = state.companion?.resources ?? BUILT_IN_RESOURCES.forPerson(null, state.timezone);
    // A replaced exchange (retry, regenerate, edit) is not shown to the model, and leaves the thread with this update.
    const replaced = new Set(state.replacesMessageIds);
    const kept = state.messages.filter((m) => !m.id || !replaced.has(m.id));
    const removed = state.messages.filter((m) => m.id && replaced.has(m.id)).map((m) => new RemoveMessage({ id: m.id! }));
    // The person asked to stop this reply (TurnRunner.stop): what was written so far is kept, marked stopped.
    const stop = config?.configurable?.stopSignal as AbortSignal | undefined;
    // A client's own temperature / top_p / max_tokens for this reply (the OpenAI-compatible API), if it sent any.
    const sampling = config?.configurable?.sampling as Sampling | undefined;
    // The newest turn's pictures go to a vision model; Rose's own picture is drawn before she writes about it.
    // Drawing ends when the person leaves or presses Stop, like the reply's own generation (no timer of its own).
    const seeing = await withDeadline(undefined, [config?.signal, stop], (signal) =>
      preparePictures({
        pictures,
        llm,
        logger,
        userId: state.userId,
        sessionId: state.sessionId,
        text: pending?.content ?? "",
        imageIds,
        drawRequested: state.route === "image",
        signal,
      }),
    );
    const prompt = [new SystemMessage(seeing.system(state.systemPrompt)), ...withPicturePlaceholders(kept), ...(seeing.asked ? [seeing.asked] : asked)];
    // The reply's id lets the turn runner recognise the checkpoint that holds it.
    const replyId = newId();
    let cutShort = false;
    const answer = async (said: string, fallback: boolean, stopped = false): Promise<RoseStateUpdate> => {
      const perception = await finalPerception();
      // Help in a crisis and the truth about being an AI are in every reply, whatever the model wrote.
      const added = stopped ? "" : safetyAdditions(said, perception, resources);
      if (added) emit({ type: "token", text: ` ${added}` });
      const text = added ? `${said} ${added}` : said;
      const images = seeing.drawn;
      emit({
        type: "reply",
        text,
        fallback,
        stopped,
        ...(cutShort && !fallback && !stopped ? { truncated: true } : {}),
        route: state.route,
        memoriesUsed: state.memories.length,
        messageId: replyId,
        images,
        imagesSeen: seeing.seen,
      });
      // Marked in the thread, so history shows an apology as a failed reply (to retry), not as Rose's words.
      const marks = { ...(fallback ? { fallback: true } : stopped ? { stopped: true } : {}), ...(images.length > 0 ? { images } : {}) };
      return {
        messages: [
          ...removed,
          ...askedWith(perception),
          new AIMessage({ content: text, id: replyId, additional_kwargs: { ...marks, created_at: new Date().toISOString() } }),
        ],
        pendingUserMessage: null,
        replacesMessageIds: [],
        replyFallback: fallback,
        perception,
      };
    };
    let streamed = 0;
    let written = "";
    try {
      // Retries and fallback providers happen only before the first token: nothing reaches the person twice.
      // The turn's signal (the person left) and the stop signal both end the call; neither needs a timer.
      const reply = await withDeadline(undefined, [config?.signal, stop], (signal) =>
        seeing.stream(prompt, {
          signal,
          ...(sampling ? { sampling } : {}),
          onFinish: (reason) => (cutShort = reason === "length"),
          onToken: (text) => {
            written += text;
            streamed++;
            emit({ type: "token", text });
          },
        }),
      );
      return await answer(reply, false);
    } catch (error) {
      if (config?.signal?.aborted) throw error;
      if (stop?.aborted) {
        if (written.trim()) return await answer(written, false, true);
        throw error; // stopped before a word: the turn is dropped, the thread unchanged
      }
      logger.error("chat model failed; answering with the fallback reply", { error: (error as Error).message, tokens_streamed: streamed });
      const perception = await finalPerception();
      const apology = perception?.crisis ? crisisFallbackReply(perception, resources) : APOLOGY_REPLY;
      // Tokens already shown are superseded by the full fallback text in the reply event.
      emit({ type: "token", text: streamed > 0 ? ` ${apology}` : apology });
      return answer(apology, true);
    }
  };
}
