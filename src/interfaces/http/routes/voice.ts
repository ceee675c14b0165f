import { type Request, type Response, Router } from "express";
import multer from "multer";
import { z } from "zod";
import { AppError, badRequest, isAppError, notFound, payloadTooLarge, unsupportedMediaType } from "../../../core/errors.js";
import { annotateContext } from "../../../core/request-context.js";
import { LLM_NOT_CONFIGURED } from "../../../graph/turn-runner.js";
import { isTimezone } from "../../../modules/character/activity.js";
import { ACCEPTED_AUDIO, sniffAudioFormat } from "../../../modules/speech/audio-format.js";
import { isAudioId } from "../../../modules/speech/audio-store.js";
import type { AudioClip } from "../../../modules/speech/types.js";
import { VoicePipeline, type VoiceTurnTarget } from "../../../modules/voice/pipeline.js";
import type { HttpDeps } from "../context.js";
import { multipartBody } from "../middleware/body-type.js";
import { errorBody } from "../middleware/errors.js";
import { sendBytes } from "../send-bytes.js";
import { SseChannel } from "../sse.js";
import { parseInput } from "../validation.js";
import { ownedSession, sessionIdSchema } from "./sessions.js";

/**
 * Voice turns: a recording in, Rose's words and voice out (the pipeline itself is src/modules/voice/).
 *   POST /voice/process  one JSON answer once everything is ready (the original Rose API)
 *   POST /voice/stream   Server-Sent Events: transcript, tokens, audio sentence by sentence, done
 *   GET  /voice/audio/:id  a spoken reply, for a short while
 * Everything that can be refused (bad upload, unknown session, no recogniser, recogniser down) is
 * refused with a JSON error before a stream opens; after that, problems arrive as an `error` event.
 */

const AUDIO_FIELD = "audio";

/** Form fields; browsers send an empty string for a field left blank, which means "none" here. */
const blankAsMissing = (value: unknown) => (value === "" ? undefined : value);
export const fieldsSchema = z.object({
  session_id: z.preprocess(blankAsMissing, sessionIdSchema.optional()),
  timezone: z.preprocess(blankAsMissing, z.string().refine(isTimezone, { error: "must be an IANA time zone such as Europe/Lisbon" }).optional()),
});

interface VoiceTurn extends VoiceTurnTarget {
  clip: AudioClip;
}

/** Multer's and busboy's complaints, in the API's terms. */
function uploadError(error: unknown, maxBytes: number): AppError {
  if (isAppError(error)) return error;
  if (error instanceof multer.MulterError) {
    if (error.code === "LIMIT_FILE_SIZE")
      return payloadTooLarge(`The recording is larger than ${Math.round(maxBytes / 1024 / 1024)} MB; please send a shorter one`);
    if (error.code === "LIMIT_UNEXPECTED_FILE") return badRequest(`Send exactly one recording, in the multipart field "${AUDIO_FIELD}"`);
    return badRequest(`The upload could not be read (${error.code.toLowerCase().replace(/_/g, " ")})`);
  }
  return badRequest("The upload is not valid multipart/form-data");
}

export function voiceRoutes(deps: HttpDeps): Router {
  const { sessions, turns, speech, audioStore, config, logger } = deps;
  const pipeline = new VoicePipeline({ turns, speech, sessions, audioStore, logger, maxMessageChars: config.maxMessageChars });
  const maxBytes = config.speech.maxAudioBytes;
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 8, fieldSize: 4096 } }).single(AUDIO_FIELD);
  const router = Router();

  /** Reads the upload and recognises its format from the bytes; the file name and declared type are ignored. */
  async function receiveRecording(req: Request, res: Response): Promise<AudioClip> {
    await new Promise<void>((resolve, reject) => upload(req, res, (error: unknown) => (error ? reject(uploadError(error, maxBytes)) : resolve())));
    const file = req.file;
    if (!file) {
      throw req.is("multipart/form-data")
        ? badRequest(`Attach the recording as the multipart field "${AUDIO_FIELD}"`)
        : badRequest(`Send the recording as multipart/form-data, with the audio in the field "${AUDIO_FIELD}"`);
    }
    if (file.size === 0) throw badRequest("The recording is empty");
    const format = sniffAudioFormat(file.buffer);
    if (!format)
      throw unsupportedMediaType(
        `The recording is not audio Rose can read: send ${ACCEPTED_AUDIO} (the format is recognised from the content, not the file name)`,
      );
    return { bytes: file.buffer, format };
  }

  /** Validates everything before any state changes, and before a stream opens, so refusals keep their status codes. */
  async function prepareVoiceTurn(req: Request, res: Response): Promise<VoiceTurn> {
    const clip = await receiveRecording(req, res);
    const fields = parseInput(fieldsSchema, req.body);
    if (!turns.canTakeTurns) throw LLM_NOT_CONFIGURED;
    speech.assertCanTranscribe();
    const session = fields.session_id ? await ownedSession(sessions, req, fields.session_id) : await sessions.create(req.userId);
    annotateContext({ sessionId: session.id });
    const timezone = fields.timezone ?? (isTimezone(req.get("x-timezone") ?? "") ? req.get("x-timezone")! : config.defaultTimezone);
    return { clip, userId: req.userId, sessionId: session.id, timezone };
  }

  router.post("/voice/process", multipartBody, async (req, res) => {
    const started = performance.now();
    const turn = await prepareVoiceTurn(req, res);
    const heard = await pipeline.transcribe(turn.clip);
    res.json(await pipeline.wholeReply(turn, heard, started));
  });

  router.post("/voice/stream", multipartBody, async (req, res) => {
    const started = performance.now();
    const turn = await prepareVoiceTurn(req, res);
    const heard = await pipeline.transcribe(turn.clip);

    const sse = new SseChannel(res);
    // Nobody is listening any more: stop paying for speech (the reply is still written and joins the thread).
    const left = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) left.abort();
    });
    try {
      // The session is named first: a reply interrupted before `done` (barge-in, leaving) still joins the thread.
      sse.send("transcript", { text: heard.transcript, session_id: turn.sessionId });
      const outcome = await pipeline.streamReply(
        turn,
        heard,
        (event) => {
          if (event.type === "token") sse.send("token", { text: event.text });
          else sse.send("audio", { index: event.index, text: event.text, mime: event.audio.mime, data: event.audio.bytes.toString("base64") });
        },
        { startedAt: started, signal: left.signal, keepWriting: true, listening: () => !sse.isClosed },
      );
      if (!outcome.interrupted) sse.send("done", outcome.done);
    } catch (error) {
      if (!isAppError(error)) logger.error("streamed voice turn failed", { error: (error as Error).message });
      const safe = isAppError(error) ? error : new AppError(500, "internal_error", "Rose could not finish this reply; please try again");
      sse.send("error", errorBody(safe, req.id).error);
    } finally {
      sse.end();
    }
  });

  // The live call is a WebSocket (src/interfaces/live/voice-socket.ts); a plain GET is told how to open it.
  router.get("/voice/live", (req, res) => {
    res.setHeader("Upgrade", "websocket");
    const error = new AppError(426, "upgrade_required", "The live voice call is a WebSocket: connect with ws:// or wss:// (Upgrade: websocket)");
    res.status(426).json(errorBody(error, req.id));
  });

  router.get("/voice/audio/:id", async (req, res) => {
    const id = req.params.id;
    if (!isAudioId(id)) throw badRequest("Not an audio id: use the audio_url a voice reply gave you");
    const stored = await audioStore.find(req.userId, id);
    if (!stored) throw notFound("Audio (it may have expired)");
    res.setHeader("Cache-Control", "private, max-age=600");
    sendBytes(req, res, stored.bytes, stored.mime);
  });

  return router;
}
