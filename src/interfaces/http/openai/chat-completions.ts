import { type Request, type Response, Router } from "express";
import { z } from "zod";
import { isAppError, AppError } from "../../../core/errors.js";
import { newId } from "../../../core/ids.js";
import { annotateContext } from "../../../core/request-context.js";
import { LLM_NOT_CONFIGURED, type ThreadHistory } from "../../../graph/turn-runner.js";
import { isTimezone } from "../../../modules/character/activity.js";
import type { Sampling } from "../../../modules/llm/chat-provider.js";
import { clientTaskPrompt } from "../../../modules/client-conversations/client-tasks.js";
import { type ConversationOpening, openingFingerprints } from "../../../modules/client-conversations/fingerprint.js";
import type { HttpDeps } from "../context.js";
import { jsonBody } from "../middleware/body-type.js";
import { defineRoute } from "../openapi/route-docs.js";
import { parseInput } from "../validation.js";
import {
  chatCompletionChunkSchema,
  chatCompletionRequestSchema,
  chatCompletionSchema,
  sessionHeaderSchema,
  type ChatCompletionRequest,
} from "./chat-schemas.js";
import { type ClientConversation, readConversation } from "./conversation.js";
import { openAiError, openAiErrorBody } from "./errors.js";
import { characterModels } from "./models.js";

export const SESSION_HEADER = "X-Rose-Session";

export const chatCompletionsRoute = defineRoute({
  method: "post",
  path: "/chat/completions",
  summary: "Talk with Rose (OpenAI Chat Completions)",
  description: [
    "Compatible with OpenAI's Chat Completions as clients use it. The reply is Rose's: her graph runs the turn on the person's thread (memory, character),",
    "so only the newest user message is a new turn; the history before it is the client's copy. The thread is named by the X-Rose-Session header or",
    "`metadata.session_id` (the person's own, else 404); otherwise it is found from the conversation's opening messages, so a client that resends a",
    "conversation keeps one thread and a new conversation starts a new one. The response's X-Rose-Session header names the thread.",
    "System messages reach Rose as the client's instructions, beneath her own rules. `temperature` and `top_p` apply to her reply (not to her",
    'own analysis of the turn); `max_completion_tokens` (or `max_tokens`) caps it, and a reply cut there ends with `finish_reason: "length"` and is',
    "kept in the thread as the client received it. Help in a crisis is added to a reply whatever its limit.",
    "A client's own housekeeping (a lone user message opening `### Task:`, as Open WebUI sends for titles, tags and follow-ups) is answered by",
    "Rose's small model exactly as asked, outside any conversation: no thread, no memory, no X-Rose-Session.",
  ].join(" "),
  tag: "OpenAI-compatible",
  auth: "apiKey",
  headers: sessionHeaderSchema,
  body: { schema: chatCompletionRequestSchema },
  responses: {
    200: {
      description: "`chat.completion`, or with `stream: true` Server-Sent Events of `chat.completion.chunk` objects ending with `data: [DONE]`",
      schema: chatCompletionSchema,
      also: {
        contentType: "text/event-stream",
        schema: chatCompletionChunkSchema,
        description: "Each `data:` line holds one chunk; the last line is `data: [DONE]`",
      },
    },
  },
});

/** The client's own sampling settings, when it sent any (null means "the default", as in OpenAI's API). */
function samplingOf(body: ChatCompletionRequest): { sampling?: Sampling } {
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  const sampling: Sampling = {
    ...(body.temperature != null ? { temperature: body.temperature } : {}),
    ...(body.top_p != null ? { topP: body.top_p } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
  };
  return Object.keys(sampling).length > 0 ? { sampling } : {};
}

/** About four characters a token for English: an estimate, said so in the documentation. */
const estimateTokens = (text: string) => Math.ceil(text.length / 4);

type Finish = "stop" | "length";
type Usage = { prompt_tokens: number; completion_tokens: number; total_tokens: number };
const usageOf = (promptTokens: number, reply: string): Usage => {
  const completionTokens = estimateTokens(reply);
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
};

/** A client task quotes part of the conversation: more than one message may hold, still bounded. */
const MAX_TASK_CHARS = 64_000;

interface Thread {
  sessionId: string;
  /** Fingerprints to link to the thread once Rose's first reply is known (a conversation just opened). */
  linkWithReply: Omit<ConversationOpening, "firstReply"> | null;
  /** Found from the conversation's opening: the client's history is a copy of this thread. */
  recognised: boolean;
}

/**
 * A client asking again for the reply it already has a turn for (Open WebUI's regenerate, SillyTavern's
 * swipe): it resends the same history, so its user messages are as many as the thread's, the last the
 * same. That turn replaces the thread's last exchange instead of asking the same message twice.
 */
function isRegenerate(conversation: ClientConversation, history: ThreadHistory): boolean {
  const asked = history.messages.filter((m) => m.role === "user");
  return history.messages.at(-1)?.role === "assistant" && asked.length === conversation.userMessages && asked.at(-1)?.content === conversation.newest;
}

export function chatCompletionRoutes(deps: HttpDeps): Router {
  const { sessions, turns, config, conversationLinks, logger, clientTasks } = deps;
  const router = Router();

  async function requireModel(userId: string, model: string): Promise<void> {
    const known = await characterModels(userId);
    if (!known.some((m) => m.id === model))
      throw openAiError(
        404,
        "model_not_found",
        `The model '${model}' does not exist: GET /v1/models lists Rose's (${known.map((m) => m.id).join(", ")})`,
        "model",
      );
  }

  /** The thread this request continues: named, found from the conversation's opening, or a new one. Nothing is stored before validation passed. */
  async function resolveThread(req: Request, body: ChatCompletionRequest, conversation: ClientConversation): Promise<Thread> {
    const named = req.get(SESSION_HEADER) ?? body.metadata?.session_id;
    if (named !== undefined) {
      const param = req.get(SESSION_HEADER) !== undefined ? null : "metadata.session_id";
      const id = z.uuid().safeParse(named);
      const session = id.success ? await sessions.findOwned(id.data, req.userId) : null;
      if (!session) throw openAiError(404, "session_not_found", `No conversation of yours has the id '${String(named).slice(0, 64)}'`, param);
      return { sessionId: session.id, linkWithReply: null, recognised: false };
    }
    const opening = { userId: req.userId, model: body.model, instructions: conversation.instructions, firstUserMessage: conversation.firstUserMessage };
    if (conversation.opening) {
      // Nothing before this message: a new conversation, even when another one opened with the same words.
      const session = await sessions.create(req.userId);
      return { sessionId: session.id, linkWithReply: opening, recognised: false };
    }
    const fingerprints = openingFingerprints({ ...opening, firstReply: conversation.firstReply });
    const linked = await conversationLinks.find(req.userId, fingerprints);
    const session = linked ? await sessions.findOwned(linked, req.userId) : null;
    if (session) return { sessionId: session.id, linkWithReply: null, recognised: true };
    // A conversation Rose has not seen (begun elsewhere, or its thread since deleted): a new thread from here on.
    const created = await sessions.create(req.userId);
    await conversationLinks.link(req.userId, fingerprints, created.id);
    return { sessionId: created.id, linkWithReply: null, recognised: false };
  }

  async function prepare(req: Request, body: ChatCompletionRequest) {
    const conversation = readConversation(body.messages, config.maxMessageChars);
    if (!turns.canTakeTurns) throw LLM_NOT_CONFIGURED;
    const thread = await resolveThread(req, body, conversation);
    annotateContext({ sessionId: thread.sessionId });
    const zone = req.get("x-timezone") ?? "";
    const regenerate = thread.recognised && isRegenerate(conversation, await turns.history(thread.sessionId));
    return {
      body,
      conversation,
      thread,
      input: {
        userId: req.userId,
        sessionId: thread.sessionId,
        message: conversation.newest,
        timezone: isTimezone(zone) ? zone : config.defaultTimezone,
        clientInstructions: conversation.instructions,
        ...(regenerate ? { replace: "last" as const } : {}),
        ...samplingOf(body),
      },
    };
  }

  /** After the reply: a conversation that just opened is linked under its opening and Rose's first reply. */
  async function linkOpening(thread: Thread, reply: string): Promise<void> {
    if (thread.linkWithReply)
      await conversationLinks.link(thread.linkWithReply.userId, openingFingerprints({ ...thread.linkWithReply, firstReply: reply }), thread.sessionId);
  }

  router.post(chatCompletionsRoute.path, jsonBody, async (req: Request, res: Response) => {
    const body = parseInput(chatCompletionRequestSchema, req.body);
    await requireModel(req.userId, body.model);
    const id = `chatcmpl-${newId().replaceAll("-", "")}`;
    const created = Math.floor(Date.now() / 1000);
    const completion = (content: string, finish: Finish, usage: Usage) => ({
      id,
      object: "chat.completion",
      created,
      model: body.model,
      choices: [{ index: 0, message: { role: "assistant", content, refusal: null }, logprobs: null, finish_reason: finish }],
      usage,
    });

    const task = clientTaskPrompt(body.messages);
    if (task !== null) {
      // The app's own housekeeping (a title, tags…): answered as asked, outside any conversation.
      if (!clientTasks) throw LLM_NOT_CONFIGURED;
      if (task.length > MAX_TASK_CHARS)
        throw openAiError(400, "context_length_exceeded", `A task prompt may hold at most ${MAX_TASK_CHARS} characters`, "messages");
      const promptTokens = estimateTokens(task);
      if (!body.stream) {
        const text = await clientTasks.answer(task);
        res.json(completion(text, "stop", usageOf(promptTokens, text)));
        return;
      }
      await streamCompletion(res, body, id, created, async (send) => {
        const text = await clientTasks.answer(task, { onToken: send });
        return { finish: "stop", usage: usageOf(promptTokens, text) };
      });
      return;
    }

    const { conversation, thread, input } = await prepare(req, body);
    const promptTokens = estimateTokens(conversation.instructions) + estimateTokens(conversation.newest);
    res.setHeader(SESSION_HEADER, thread.sessionId);
    if (!body.stream) {
      const result = await turns.start(input).reply;
      await sessions.touch(thread.sessionId);
      await linkOpening(thread, result.reply);
      res.json(completion(result.reply, result.truncated ? "length" : "stop", usageOf(promptTokens, result.reply)));
      return;
    }
    // A client that leaves does not stop the turn: the reply is kept in the thread, as in Rose's own chat.
    await streamCompletion(res, body, id, created, async (send) => {
      const result = await turns.start(input, send).reply;
      await sessions.touch(thread.sessionId);
      await linkOpening(thread, result.reply);
      return { finish: result.truncated ? "length" : "stop", usage: usageOf(promptTokens, result.reply) };
    });
  });

  /**
   * Streams `chat.completion.chunk`s: the role, each piece `produce` sends, the finish, the usage when
   * asked, then `[DONE]`. A failure after the head went out becomes an error object in the stream.
   */
  async function streamCompletion(
    res: Response,
    body: ChatCompletionRequest,
    id: string,
    created: number,
    produce: (send: (text: string) => void) => Promise<{ finish: Finish; usage: Usage }>,
  ): Promise<void> {
    res.status(200);
    res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
    res.setHeader("Cache-Control", "no-cache, no-transform");
    res.setHeader("X-Accel-Buffering", "no");
    res.flushHeaders();
    let open = true;
    res.on("close", () => (open = false));
    const send = (data: unknown) => open && res.write(`data: ${JSON.stringify(data)}\n\n`);
    const chunk = (delta: { role?: "assistant"; content?: string }, finish: Finish | null) => ({
      id,
      object: "chat.completion.chunk",
      created,
      model: body.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(body.stream_options?.include_usage ? { usage: null } : {}),
    });
    try {
      send(chunk({ role: "assistant", content: "" }, null));
      const { finish, usage } = await produce((text) => send(chunk({ content: text }, null)));
      send(chunk({}, finish));
      if (body.stream_options?.include_usage) send({ id, object: "chat.completion.chunk", created, model: body.model, choices: [], usage });
      if (open) res.write("data: [DONE]\n\n");
    } catch (error) {
      if (!isAppError(error)) logger.error("streamed completion failed", { error: (error as Error).message });
      const safe = isAppError(error) ? error : new AppError(500, "internal_error", "Rose could not finish this reply; please try again");
      // OpenAI's clients read an `error` object in the stream as the request's failure.
      send(openAiErrorBody(safe));
    } finally {
      res.end();
    }
  }

  return router;
}
