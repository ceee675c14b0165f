import { type Request, type Response, Router } from "express";
import multer from "multer";
import { z } from "zod";
import { AppError, badRequest, isAppError, notFound, payloadTooLarge, unsupportedMediaType, validationFailed } from "../../../core/errors.js";
import { annotateContext } from "../../../core/request-context.js";
import { LLM_NOT_CONFIGURED } from "../../../graph/turn-runner.js";
import { isTimezone } from "../../../modules/character/activity.js";
import { ACCEPTED_AUDIO, sniffAudioFormat } from "../../../modules/speech/audio-format.js";
import { isAudioId } from "../../../modules/speech/audio-store.js";
import { joinSpokenAudio } from "../../../modules/speech/join-audio.js";
import { isNoSpeech, NO_SPEECH_REPLY } from "../../../modules/speech/no-speech.js";
import { SentenceSpeaker } from "../../../modules/speech/sentence-speaker.js";
import { spokenSentenceSplitter } from "../../../modules/speech/sentence-splitter.js";
import type { AudioClip, SpokenAudio } from "../../../modules/speech/types.js";
import type { HttpDeps } from "../context.js";
import { multipartBody } from "../middleware/body-type.js";
import { errorBody } from "../middleware/errors.js";
import { sendBytes } from "../send-bytes.js";
import { SseChannel } from "../sse.js";
import { parseInput } from "../validation.js";
import { ownedSession, sessionIdSchema } from "./sessions.js";

/**
 * Voice turns: a recording in, Rose's words and voice out.
 *   POST /voice/process  one JSON answer once everything is ready (the original Rose API)
 *   POST /voice/stream   Server-Sent Events: transcript, tokens, audio sentence by sentence, done
 *   GET  /voice/audio/:id  a spoken reply, for a short while
 * Everything that can be refused (bad upload, unknown session, no recogniser, recogniser down) is
 * refused with a JSON error before a stream opens; after that, problems arrive as an `error` event.
 */

const AUDIO_FIELD = "audio";
const AUDIO_PATH = "/api/v1/voice/audio";

/** Form fields; browsers send an empty string for a field left blank, which means "none" here. */
const blankAsMissing = (value: unknown) => (value === "" ? undefined : value);
export const fieldsSchema = z.object({
  session_id: z.preprocess(blankAsMissing, sessionIdSchema.optional()),
  timezone: z.preprocess(blankAsMissing, z.string().refine(isTimezone, { error: "must be an IANA time zone such as Europe/Lisbon" }).optional()),
});

interface VoiceTurn {
  clip: AudioClip;
  userId: string;
  sessionId: string;
  timezone: string;
}

const elapsedSince = (started: number) => Math.round(performance.now() - started);

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

  async function transcribeRecording(clip: AudioClip): Promise<{ transcript: string; noSpeech: boolean; sttMs: number }> {
    const started = performance.now();
    const transcript = await speech.transcribe(clip);
    if (transcript.length > config.maxMessageChars) {
      throw validationFailed(`The recording is too long for one turn: ${transcript.length} characters once transcribed, at most ${config.maxMessageChars}`);
    }
    const noSpeech = isNoSpeech(transcript);
    // Whisper's "Thanks for watching!" for silence is not what the person said: no words are theirs.
    return { transcript: noSpeech ? "" : transcript, noSpeech, sttMs: elapsedSince(started) };
  }

  /** Stores the reply's audio for replay; null when there is none to store or storing fails. */
  async function storeAudio(userId: string, audio: SpokenAudio | undefined, sessionId: string): Promise<string | null> {
    if (!audio) return null;
    try {
      return `${AUDIO_PATH}/${await audioStore.save(userId, audio, sessionId)}`;
    } catch (error) {
      logger.error("could not store reply audio", { error: (error as Error).message });
      return null;
    }
  }

  router.post("/voice/process", multipartBody, async (req, res) => {
    const started = performance.now();
    const turn = await prepareVoiceTurn(req, res);
    const { transcript, noSpeech, sttMs } = await transcribeRecording(turn.clip);

    const workflowStarted = performance.now();
    // No graph turn for silence: nothing to remember, nothing to answer but a gentle prompt.
    const result = noSpeech
      ? { reply: NO_SPEECH_REPLY, fallback: false }
      : await turns.start({ userId: turn.userId, sessionId: turn.sessionId, message: transcript, timezone: turn.timezone, forcedRoute: "audio" }).reply;
    const workflowMs = noSpeech ? 0 : elapsedSince(workflowStarted);

    const ttsStarted = performance.now();
    let audioUrl: string | null = null;
    let ttsFailed = false;
    if (speech.canSpeak) {
      try {
        audioUrl = await storeAudio(
          turn.userId,
          await speech.synthesize(result.reply, undefined, "speechStyle" in result ? result.speechStyle : undefined),
          turn.sessionId,
        );
      } catch (error) {
        ttsFailed = true; // the words still go out as text
        logger.warn("speech synthesis failed; answering with text only", { error: (error as Error).message });
      }
    }
    await sessions.touch(turn.sessionId);
    res.json({
      session_id: turn.sessionId,
      transcript,
      text: result.reply,
      audio_url: audioUrl,
      no_speech: noSpeech,
      fallback: result.fallback,
      tts_failed: ttsFailed,
      timings: { stt_ms: sttMs, workflow_ms: workflowMs, tts_ms: elapsedSince(ttsStarted), total_ms: elapsedSince(started) },
    });
  });

  router.post("/voice/stream", multipartBody, async (req, res) => {
    const started = performance.now();
    const turn = await prepareVoiceTurn(req, res);
    const { transcript, noSpeech, sttMs } = await transcribeRecording(turn.clip);

    const sse = new SseChannel(res);
    let firstTokenMs: number | null = null;
    let firstAudioMs: number | null = null;
    let ttsStarted: number | null = null;
    const speaker = speech.canSpeak
      ? new SentenceSpeaker(
          (text, signal) => speech.synthesize(text, signal, turns.voiceStyle(turn.sessionId)),
          ({ index, text, audio }) => {
            firstAudioMs ??= elapsedSince(started);
            sse.send("audio", { index, text, mime: audio.mime, data: audio.bytes.toString("base64") });
          },
        )
      : null;
    const say = (sentences: string[]) => {
      if (!speaker) return;
      for (const sentence of sentences) {
        ttsStarted ??= performance.now();
        speaker.say(sentence);
      }
    };
    const sendToken = (text: string) => {
      firstTokenMs ??= elapsedSince(started);
      sse.send("token", { text });
    };
    res.on("close", () => speaker?.cancel()); // nobody is listening any more: stop paying for speech

    try {
      // The session is named first: a reply interrupted before `done` (barge-in, leaving) still joins the thread.
      sse.send("transcript", { text: transcript, session_id: turn.sessionId });
      const workflowStarted = performance.now();
      let result: { reply: string; fallback: boolean };
      if (noSpeech) {
        result = { reply: NO_SPEECH_REPLY, fallback: false };
        sendToken(NO_SPEECH_REPLY);
        say([NO_SPEECH_REPLY]);
      } else {
        // The first clause is spoken on its own so Rose's voice starts before her first sentence is done.
        const splitter = spokenSentenceSplitter();
        const running = turns.start(
          { userId: turn.userId, sessionId: turn.sessionId, message: transcript, timezone: turn.timezone, forcedRoute: "audio" },
          (token) => {
            sendToken(token);
            say(splitter.push(token));
          },
        );
        result = await running.reply;
        say(splitter.flush());
      }
      const workflowMs = noSpeech ? 0 : elapsedSince(workflowStarted);
      const spoken = speaker ? await speaker.finished() : { clips: [], failed: false };
      const ttsMs = ttsStarted === null ? 0 : elapsedSince(ttsStarted);
      const audioUrl = spoken.failed || sse.isClosed ? null : await storeAudio(turn.userId, joinSpokenAudio(spoken.clips), turn.sessionId);
      await sessions.touch(turn.sessionId);
      sse.send("done", {
        session_id: turn.sessionId,
        transcript,
        text: result.reply,
        audio_url: audioUrl,
        no_speech: noSpeech,
        fallback: result.fallback,
        tts_failed: spoken.failed,
        timings: {
          stt_ms: sttMs,
          first_token_ms: firstTokenMs,
          first_audio_ms: firstAudioMs,
          workflow_ms: workflowMs,
          tts_ms: ttsMs,
          total_ms: elapsedSince(started),
        },
      });
    } catch (error) {
      speaker?.cancel();
      if (!isAppError(error)) logger.error("streamed voice turn failed", { error: (error as Error).message });
      const safe = isAppError(error) ? error : new AppError(500, "internal_error", "Rose could not finish this reply; please try again");
      sse.send("error", errorBody(safe, req.id).error);
    } finally {
      sse.end();
    }
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
