import { type Request, Router } from "express";
import { z } from "zod";
import { notFound } from "../../../core/errors.js";
import { annotateContext } from "../../../core/request-context.js";
import { previewOf, type Session, type SessionStore } from "../../../modules/sessions/types.js";
import type { HttpDeps } from "../context.js";
import { jsonBody } from "../middleware/body-type.js";
import { parseInput } from "../validation.js";
import { encodeCursor, listQuerySchema, renameSchema, sessionJson } from "./conversation-list.js";
import { isTimezone } from "../../../modules/character/activity.js";
import { timezoneOf } from "./companion.js";
import { speakOpener } from "../../../modules/voice/spoken-opener.js";

export const sessionIdSchema = z.uuid({ error: "must be a session id (a UUID) from POST /api/v1/session/start" });

/** The caller's own session, or 404: another user's session id is indistinguishable from an unknown one. */
export async function ownedSession(sessions: SessionStore, req: Request, rawId: unknown): Promise<Session> {
  const id = parseInput(z.object({ session_id: sessionIdSchema }), { session_id: rawId }).session_id;
  const session = await sessions.findOwned(id, req.userId);
  if (!session) throw notFound("Session");
  annotateContext({ sessionId: session.id });
  return session;
}

export const startBodySchema = z.object({
  timezone: z.string().refine(isTimezone, { error: "must be an IANA time zone such as Europe/Lisbon" }).optional(),
  speak_opener: z.boolean().optional().describe("Also say the opener aloud: the answer then carries `opener_audio_url` (null when speech is off or fails)"),
  only_with_opener: z
    .boolean()
    .optional()
    .describe("Start a conversation only if Rose has an opener for it; otherwise nothing is created and the answer is 200 with `session_id: null`"),
});

export function sessionRoutes({ sessions, turns, audioStore, pictures, companion, memory, speech, config, logger }: HttpDeps): Router {
  const router = Router();

  /** Her opener as the thread's first message and the conversation's preview; a failure only costs the reload, never the opener. */
  const keepOpener = async (sessionId: string, opener: string) => {
    try {
      if (await turns.openWith(sessionId, opener)) await sessions.recordTurn(sessionId, { preview: previewOf(opener), addedMessages: 1, at: new Date() });
    } catch (error) {
      logger.warn("the opener could not be kept in the thread", { error: (error as Error).message });
    }
  };

  router.post("/session/start", jsonBody, async (req, res) => {
    const body = parseInput(startBodySchema, req.body);
    const session = await sessions.create(req.userId);
    annotateContext({ sessionId: session.id });
    // When the person comes back after a while, Rose may open with something that matters to them.
    const opener = await companion
      .openerFor(req.userId, session.id, body.timezone ?? timezoneOf(req, config.defaultTimezone), memory)
      .catch((error: Error) => (logger.warn("no opener: it could not be prepared", { error: error.message }), null));
    if (!opener && body.only_with_opener) {
      // The voice page asks on every visit: a visit with nothing to say must not leave an empty conversation behind.
      await sessions.delete(session.id);
      res.status(200).json({ session_id: null, created_at: null, opener: null, ...(body.speak_opener ? { opener_audio_url: null } : {}) });
      return;
    }
    if (opener) await keepOpener(session.id, opener);
    const openerAudioUrl =
      body.speak_opener && opener
        ? await speakOpener({ speech, audioStore, logger }, { userId: req.userId, sessionId: session.id }, opener, await companion.openerVoice(req.userId))
        : null;
    res.status(201).json({ session_id: session.id, created_at: session.createdAt, opener, ...(body.speak_opener ? { opener_audio_url: openerAudioUrl } : {}) });
  });

  /** The person's conversations, newest first; `next_cursor` (null on the last page) is the next page's `before`. */
  router.get("/sessions", async (req, res) => {
    const { limit, before } = parseInput(listQuerySchema, req.query);
    // One more than asked for says whether another page exists without a count query.
    const rows = await sessions.listOwned(req.userId, { limit: limit + 1, ...(before ? { before } : {}) });
    const page = rows.slice(0, limit);
    res.json({ sessions: page.map(sessionJson), next_cursor: rows.length > limit ? encodeCursor(page.at(-1)!) : null });
  });

  router.patch("/sessions/:id", jsonBody, async (req, res) => {
    const session = await ownedSession(sessions, req, req.params.id);
    const { title } = parseInput(renameSchema, req.body);
    await sessions.setTitle(session.id, title);
    res.json(sessionJson({ ...session, title }));
  });

  router.get("/sessions/:id/messages", async (req, res) => {
    const session = await ownedSession(sessions, req, req.params.id);
    const history = await turns.history(session.id);
    res.json({ session_id: session.id, summary: history.summary, messages: history.messages });
  });

  router.delete("/sessions/:id/messages", jsonBody, async (req, res) => {
    const session = await ownedSession(sessions, req, req.params.id);
    await turns.clear(session.id);
    await pictures.store.deleteSession(session.id); // the pictures went with the messages that carried them
    await sessions.resetMessages(session.id);
    res.status(204).end();
  });

  // Everything of the conversation: its checkpoints, its spoken replies and pictures, then the row (its title and preview).
  router.delete("/sessions/:id", jsonBody, async (req, res) => {
    const session = await ownedSession(sessions, req, req.params.id);
    await turns.clear(session.id);
    await audioStore.eraseSession(req.userId, session.id);
    await pictures.store.deleteSession(session.id);
    await sessions.delete(session.id);
    res.status(204).end();
  });

  return router;
}
