import { type Request, type Response, Router } from "express";
import { z } from "zod";
import { type AppError, badRequest, conflict, isAppError } from "../../../core/errors.js";
import { annotateContext } from "../../../core/request-context.js";
import { isTimezone } from "../../../modules/character/activity.js";
import type { Session } from "../../../modules/sessions/types.js";
import type { HttpDeps } from "../context.js";
import { jsonBody, jsonOrMultipartBody } from "../middleware/body-type.js";
import { errorBody } from "../middleware/errors.js";
import { SseChannel } from "../sse.js";
import { isPlainText, PLAIN_TEXT_ERROR, parseInput } from "../validation.js";
import { ownedSession, sessionIdSchema } from "./sessions.js";
import { LLM_NOT_CONFIGURED, type TurnInput, type TurnReply } from "../../../graph/turn-runner.js";
import { attachedImages, chatImageUpload } from "./images.js";

/** `withImages`: the turn carries pictures, so its message may be left out (a picture alone says something). */
export function chatBodySchema(maxChars: number, withImages = false) {
  return z
    .object({
      session_id: sessionIdSchema.optional(),
      message: z
        .string({ error: "is required and must be text" })
        .refine((m) => m.trim().length > 0, { error: "must not be empty" })
        .refine((m) => m.length <= maxChars, { error: `must be at most ${maxChars} characters` })
        .refine(isPlainText, { error: PLAIN_TEXT_ERROR })
        .optional(),
      timezone: z.string().refine(isTimezone, { error: "must be an IANA time zone such as Europe/Lisbon" }).optional(),
      /** Try a failed reply again: this turn replaces the thread's last exchange, which Rose could not answer. */
      retry: z.boolean({ error: "must be true or false" }).optional(),
      /** Regenerate the last reply: the last exchange is replaced by a new answer to its message (no `message`). */
      regenerate: z.boolean({ error: "must be true or false" }).optional(),
      /** Edit and resend the last message: the last exchange is replaced by `message` and an answer to it. */
      edit: z.boolean({ error: "must be true or false" }).optional(),
    })
    .superRefine((body, ctx) => {
      const modes = [body.retry, body.regenerate, body.edit].filter(Boolean).length;
      if (modes > 1) ctx.addIssue({ code: "custom", path: ["regenerate"], message: "retry, regenerate and edit cannot be combined" });
      if (body.regenerate && body.message !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["message"],
          message: "must be left out with regenerate (the last message is asked again); use edit to change it",
        });
      if (!body.regenerate && !withImages && body.message === undefined)
        ctx.addIssue({ code: "custom", path: ["message"], message: "is required and must be text" });
    });
}

export const stopBodySchema = z.object({ session_id: sessionIdSchema });

/**
 * The pictures of an exchange, as ids (each served at GET /api/v1/images/:id): `attached_images` the
 * person's, `images` Rose's; `images_seen` is false when no configured model can see pictures.
 */
function imageFields(attached: string[], result: TurnReply) {
  return { attached_images: attached, images: result.images, images_seen: attached.length === 0 || result.imagesSeen };
}

export function chatRoutes(deps: HttpDeps): Router {
  const { sessions, turns, config, logger, pictures } = deps;
  const bodySchema = chatBodySchema(config.maxMessageChars);
  const bodyWithImagesSchema = chatBodySchema(config.maxMessageChars, true);
  const upload = chatImageUpload(deps);
  const router = Router();

  /**
   * Validates everything before any state changes, so a rejected request leaves the thread untouched,
   * and refuses before a stream opens so the client still gets a proper status code.
   */
  async function prepareTurn(req: Request, res: Response) {
    const images = attachedImages(res);
    const body = parseInput(images.length > 0 ? bodyWithImagesSchema : bodySchema, req.body);
    if (!turns.canTakeTurns) throw LLM_NOT_CONFIGURED;
    const replaceLast = body.regenerate ? "regenerate" : body.edit ? "edit" : null;
    // Before a session is created: a refused request leaves nothing behind.
    if (body.retry && !body.session_id) throw badRequest("retry needs the session_id of the reply to try again");
    if (replaceLast && !body.session_id) throw badRequest(`${replaceLast} needs the session_id of the conversation`);
    const session: Session = body.session_id ? await ownedSession(sessions, req, body.session_id) : await sessions.create(req.userId);
    annotateContext({ sessionId: session.id });
    const timezone = body.timezone ?? (isTimezone(req.get("x-timezone") ?? "") ? req.get("x-timezone")! : config.defaultTimezone);
    if (body.retry && !(await turns.hasFailedExchange(session.id))) throw conflict("There is no failed reply to try again in this conversation");
    if (replaceLast) {
      if (!(await turns.hasExchangeToReplace(session.id, "last")))
        throw conflict(
          replaceLast === "regenerate" ? "There is no reply to regenerate in this conversation" : "There is no message to edit in this conversation",
        );
    }
    const replace = body.retry ? ("failed" as const) : replaceLast ? ("last" as const) : undefined;
    const message = body.message?.trim() ?? (images.length > 0 ? "" : null);
    return { userId: req.userId, sessionId: session.id, message, timezone, ...(replace ? { replace } : {}), images };
  }

  /**
   * Stores the turn's pictures (checked and cleaned already) and starts it. Pictures of a turn that ends
   * without a reply are taken back, so the store holds only pictures a thread message names.
   */
  async function startTurn(prepared: Awaited<ReturnType<typeof prepareTurn>>, onToken?: (text: string) => void) {
    const { images, ...input } = prepared;
    const ids: string[] = [];
    for (const image of images) ids.push(await pictures.store.save(input.userId, input.sessionId, "person", image));
    const turnInput: TurnInput = { ...input, ...(ids.length > 0 ? { images: ids } : {}) };
    const turn = turns.start(turnInput, onToken);
    const reply: Promise<TurnReply> = turn.reply.catch(async (error: unknown) => {
      await pictures.store.remove(input.userId, ids).catch(() => {});
      throw error;
    });
    return { input, reply, attached: ids };
  }

  router.post("/chat", jsonOrMultipartBody, upload, async (req, res) => {
    const started = performance.now();
    const { input, reply, attached } = await startTurn(await prepareTurn(req, res));
    const result = await reply;
    await sessions.touch(input.sessionId);
    res.json({
      session_id: input.sessionId,
      reply: result.reply,
      route: result.route,
      fallback: result.fallback,
      stopped: result.stopped,
      memories_used: result.memoriesUsed,
      ...imageFields(attached, result),
      emotion: result.emotion ?? null,
      timings: { total_ms: Math.round(performance.now() - started) },
    });
  });

  /**
   * Stop the reply being written in a session (the person pressed Stop). Leaving a stream does not stop
   * anything: a dropped connection still gets its whole reply kept, to read after reconnecting.
   */
  router.post("/chat/stop", jsonBody, async (req, res) => {
    const { session_id } = parseInput(stopBodySchema, req.body);
    const session = await ownedSession(sessions, req, session_id);
    if (!turns.stop(session.id)) throw conflict("No reply is being written in this conversation");
    res.status(202).json({ session_id: session.id, stopping: true });
  });

  router.post("/chat/stream", jsonOrMultipartBody, upload, async (req, res) => {
    const started = performance.now();
    const prepared = await prepareTurn(req, res);
    const input = prepared;
    const sse = new SseChannel(res);
    try {
      // Name the session first, so a reply interrupted before `done` (the person left the page) still
      // belongs to a thread the browser knows.
      sse.send("session", { session_id: input.sessionId });
      const { reply, attached } = await startTurn(prepared, (text) => sse.send("token", { text }));
      const result = await reply;
      await sessions.touch(input.sessionId);
      sse.send("done", {
        session_id: input.sessionId,
        reply: result.reply,
        route: result.route,
        fallback: result.fallback,
        stopped: result.stopped,
        memories_used: result.memoriesUsed,
        ...imageFields(attached, result),
        emotion: result.emotion ?? null,
        timings: { total_ms: Math.round(performance.now() - started) },
      });
    } catch (error) {
      const safe: AppError | null = isAppError(error) ? error : null;
      if (!safe) logger.error("streamed turn failed", { error: (error as Error).message });
      const body = safe
        ? errorBody(safe, req.id).error
        : { code: "internal_error", message: "Rose could not finish this reply; please try again", request_id: req.id };
      sse.send("error", body);
    } finally {
      sse.end();
    }
  });

  return router;
}
