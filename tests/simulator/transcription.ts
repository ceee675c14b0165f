import { detectAudioFormat, wavDurationMs } from "./audio.js";
import { applyScriptedFailure, type Exchange, sendBody, sendError, sendJson } from "./exchange.js";
import { MultipartError, parseMultipart } from "./multipart.js";
import { responseDelay, sleep } from "./pacing.js";
import type { RecordedFile } from "./recorder.js";

/**
 * POST /v1/audio/transcriptions (OpenAI) and /openai/v1/audio/transcriptions (Groq). Like the real
 * services it sniffs the uploaded bytes and refuses anything that is not audio, so a test catches
 * Rose uploading an empty or mislabelled buffer.
 */

const DEFAULT_TRANSCRIPT = "Hello Rose.";

const UNSUPPORTED_FILE: Record<"openai" | "groq", string> = {
  openai: "Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']",
  groq: "file must be one of the following types: [flac mp3 mp4 mpeg mpga m4a ogg opus wav webm]",
};

export async function handleTranscription(ex: Exchange): Promise<void> {
  let parts;
  try {
    parts = parseMultipart(ex.body, ex.req.headers["content-type"] ?? "");
  } catch (error) {
    if (error instanceof MultipartError) return sendError(ex, 400, error.message);
    throw error;
  }

  const fields: Record<string, unknown> = {};
  for (const part of parts) if (part.filename === undefined && part.name !== "file") fields[part.name] = part.data.toString("utf8");
  const upload = parts.find((p) => p.name === "file");
  let file: RecordedFile | undefined;
  if (upload) {
    const format = detectAudioFormat(upload.data);
    file = { size: upload.data.length, format: format ?? "unknown", filename: upload.filename };
    if (format === "wav") file.durationMs = wavDurationMs(upload.data);
    fields.file = file;
  }
  const model = typeof fields.model === "string" ? fields.model : undefined;
  Object.assign(ex.record, { body: fields, model });

  const provider = ex.provider === "groq" ? "groq" : "openai";
  if (!upload || !file) return sendError(ex, 400, "you must provide a file parameter", "missing_required_parameter");
  if (!model) return sendError(ex, 400, "you must provide a model parameter", "missing_required_parameter");
  if (file.format === "unknown") return sendError(ex, 400, UNSUPPORTED_FILE[provider], "invalid_file_format");
  const responseFormat = typeof fields.response_format === "string" ? fields.response_format : "json";
  if (!["json", "text", "verbose_json"].includes(responseFormat)) {
    return sendError(ex, 400, `response_format '${responseFormat}' is not supported by the simulator (use json, text or verbose_json)`);
  }

  const rule = ex.pick({ model });
  if (await applyScriptedFailure(ex, rule)) return;
  await sleep(responseDelay(rule?.latency), ex.signal);

  const text = rule?.reply?.transcript ?? DEFAULT_TRANSCRIPT;
  const dropMidway = rule?.fail?.dropMidStream === true;
  if (responseFormat === "text") return sendBody(ex, 200, Buffer.from(`${text}\n`), "text/plain; charset=utf-8", { dropMidway });
  if (responseFormat === "json") return sendJson(ex, 200, { text }, { dropMidway });

  const duration = (file.durationMs ?? 1000) / 1000;
  sendJson(
    ex,
    200,
    {
      task: "transcribe",
      language: typeof fields.language === "string" ? fields.language : "english",
      duration,
      text,
      segments: [
        {
          id: 0,
          seek: 0,
          start: 0,
          end: duration,
          text: ` ${text}`,
          tokens: [],
          temperature: 0,
          avg_logprob: -0.1,
          compression_ratio: 1,
          no_speech_prob: 0.01,
        },
      ],
    },
    { dropMidway },
  );
}
