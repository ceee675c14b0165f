import { type Request, type Response, Router } from "express";
import multer from "multer";
import { z } from "zod";
import { type AppError, isAppError, serviceUnavailable } from "../../../core/errors.js";
import { ACCEPTED_AUDIO, sniffAudioFormat } from "../../../modules/speech/audio-format.js";
import type { AudioClip } from "../../../modules/speech/types.js";
import type { HttpDeps } from "../context.js";
import { jsonBody, multipartBody } from "../middleware/body-type.js";
import { defineRoute, uploadedFile } from "../openapi/route-docs.js";
import { sendBytes } from "../send-bytes.js";
import { isPlainText, PLAIN_TEXT_ERROR, parseInput } from "../validation.js";
import { openAiError } from "./errors.js";

/**
 * Rose's voice for other clients' voice modes, in OpenAI's request shapes: speech in Rose's configured
 * voice (whatever `voice` names: a client's "alloy" still hears Rose), and transcription through Rose's
 * recogniser. Neither stores anything.
 */

/** OpenAI's own limit for one speech request. */
const MAX_SPEECH_CHARS = 4096;
const FILE_FIELD = "file";
const TAG = "OpenAI-compatible";

const speechBodySchema = z.looseObject({
  model: z.string({ error: "is required (any name: Rose speaks with her configured voice)" }).min(1).max(200),
  input: z
    .string({ error: "is required: the text to speak" })
    .refine((t) => t.trim().length > 0, { error: "must not be empty" })
    .refine((t) => t.length <= MAX_SPEECH_CHARS, { error: `must be at most ${MAX_SPEECH_CHARS} characters` })
    .refine(isPlainText, { error: PLAIN_TEXT_ERROR }),
  voice: z
    .union([z.string().max(200), z.looseObject({ id: z.string() })])
    .optional()
    .describe("Accepted for compatibility; Rose always speaks in her configured voice"),
  response_format: z
    .enum(["mp3", "opus", "aac", "flac", "wav", "pcm"])
    .optional()
    .describe("Accepted for compatibility; the audio comes in the format Rose's voice provider makes (Content-Type says which)"),
  speed: z.number().min(0.25).max(4).optional(),
  instructions: z.string().max(MAX_SPEECH_CHARS).optional(),
});

const blankAsMissing = (value: unknown) => (value === "" ? undefined : value);
const transcriptionFieldsSchema = z.object({
  model: z.preprocess(blankAsMissing, z.string().max(200).optional()).describe("Accepted for compatibility (e.g. whisper-1); Rose's recogniser is used"),
  language: z.preprocess(blankAsMissing, z.string().max(20).optional()),
  prompt: z.preprocess(blankAsMissing, z.string().max(4096).optional()),
  response_format: z.preprocess(blankAsMissing, z.enum(["json", "text"], { error: "must be json or text" }).default("json")),
  temperature: z.preprocess(blankAsMissing, z.coerce.number().min(0).max(1).optional()),
});

export const speechRoute = defineRoute({
  method: "post",
  path: "/audio/speech",
  summary: "Speak text in Rose's voice (OpenAI audio.speech)",
  tag: TAG,
  auth: "apiKey",
  body: { schema: speechBodySchema },
  responses: { 200: { description: "The audio (audio/mpeg, audio/wav…: as Rose's voice provider makes it)", contentType: "audio/*" } },
});

export const transcriptionRoute = defineRoute({
  method: "post",
  path: "/audio/transcriptions",
  summary: "Transcribe a recording with Rose's recogniser (OpenAI audio.transcriptions)",
  tag: TAG,
  auth: "apiKey",
  body: {
    contentType: "multipart/form-data",
    schema: transcriptionFieldsSchema.extend({ file: uploadedFile(`The recording (${ACCEPTED_AUDIO}), recognised from its bytes`) }),
  },
  responses: {
    200: { description: "The text", schema: z.object({ text: z.string() }), also: { contentType: "text/plain", description: "With response_format=text" } },
  },
});

function uploadError(error: unknown, maxBytes: number): AppError {
  if (isAppError(error)) return error;
  if (error instanceof multer.MulterError) {
    if (error.code === "LIMIT_FILE_SIZE")
      return openAiError(413, "file_too_large", `The file is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`, FILE_FIELD);
    if (error.code === "LIMIT_UNEXPECTED_FILE")
      return openAiError(400, "invalid_request_error", `Send exactly one file, in the field "${FILE_FIELD}"`, FILE_FIELD);
    return openAiError(400, "invalid_request_error", `The upload could not be read (${error.code.toLowerCase().replace(/_/g, " ")})`);
  }
  return openAiError(400, "invalid_request_error", "The upload is not valid multipart/form-data");
}

export function audioRoutes({ speech, config }: HttpDeps): Router {
  const maxBytes = config.speech.maxAudioBytes;
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 8192 } }).single(FILE_FIELD);
  const router = Router();

  async function receiveFile(req: Request, res: Response): Promise<AudioClip> {
    await new Promise<void>((resolve, reject) => upload(req, res, (error: unknown) => (error ? reject(uploadError(error, maxBytes)) : resolve())));
    const file = req.file;
    if (!file) throw openAiError(400, "invalid_request_error", `Attach the recording as the multipart field "${FILE_FIELD}"`, FILE_FIELD);
    if (file.size === 0) throw openAiError(400, "invalid_request_error", "The file is empty", FILE_FIELD);
    const format = sniffAudioFormat(file.buffer);
    if (!format) throw openAiError(400, "invalid_file_format", `The file is not audio Rose can read: send ${ACCEPTED_AUDIO}`, FILE_FIELD);
    return { bytes: file.buffer, format };
  }

  router.post(speechRoute.path, jsonBody, async (req, res) => {
    const body = parseInput(speechRoute.body.schema, req.body);
    if (!speech.canSpeak) throw serviceUnavailable("tts_not_configured", "Rose has no voice configured (TTS_PROVIDER=none)");
    const audio = await speech.synthesize(body.input.trim());
    res.setHeader("Cache-Control", "no-store");
    sendBytes(req, res, audio.bytes, audio.mime);
  });

  router.post(transcriptionRoute.path, multipartBody, async (req, res) => {
    const clip = await receiveFile(req, res);
    const fields = parseInput(transcriptionFieldsSchema, req.body);
    const text = await speech.transcribe(clip);
    if (fields.response_format === "text") res.type("text/plain").send(text);
    else res.json({ text });
  });

  return router;
}
