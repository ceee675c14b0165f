import { createHash } from "node:crypto";
import { applyScriptedFailure, type Exchange, sendError, sendJson } from "./exchange.js";
import { responseDelay, sleep } from "./pacing.js";

/**
 * POST /v1/embeddings (and the Groq prefix): deterministic unit vectors seeded by a hash of the
 * input, so the same text always embeds the same way and different texts differ.
 */

const DEFAULT_DIMENSIONS = 384;

/** xorshift32 seeded from SHA-256: cheap, deterministic, and spread enough for similarity tests. */
export function embedText(text: string, dimensions = DEFAULT_DIMENSIONS): number[] {
  let state = createHash("sha256").update(text).digest().readUInt32LE(0) || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0xffffffff - 0.5;
  };
  const vector = Array.from({ length: dimensions }, next);
  const norm = Math.hypot(...vector) || 1;
  // Round through float32 so the float and base64 encodings carry the same numbers.
  return vector.map((v) => Math.fround(v / norm));
}

/** The OpenAI SDK asks for base64 unless told otherwise: little-endian float32, base64-encoded. */
function toBase64(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString("base64");
}

function inputsOf(input: unknown): string[] | undefined {
  if (typeof input === "string") return [input];
  if (Array.isArray(input) && input.length > 0) {
    // Token arrays (number[] / number[][]) are accepted by the real API; hash their JSON.
    if (input.every((i) => typeof i === "number")) return [JSON.stringify(input)];
    return input.map((i) => (typeof i === "string" ? i : JSON.stringify(i)));
  }
  return undefined;
}

export async function handleEmbeddings(ex: Exchange): Promise<void> {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(ex.body.toString("utf8")) as Record<string, unknown>;
  } catch {
    return sendError(ex, 400, "We could not parse the JSON body of your request.");
  }
  ex.record.body = body;
  const model = typeof body.model === "string" ? body.model : undefined;
  ex.record.model = model;
  const inputs = inputsOf(body.input);
  if (!model) return sendError(ex, 400, "you must provide a model parameter", "missing_required_parameter");
  if (!inputs || inputs.some((i) => i.length === 0)) return sendError(ex, 400, "'input' must be a non-empty string or array of strings", "invalid_value");
  const dimensions = typeof body.dimensions === "number" && body.dimensions > 0 ? Math.floor(body.dimensions) : DEFAULT_DIMENSIONS;

  const rule = ex.pick({ model });
  if (await applyScriptedFailure(ex, rule)) return;
  await sleep(responseDelay(rule?.latency), ex.signal);

  const base64 = body.encoding_format === "base64";
  const promptTokens = inputs.reduce((n, text) => n + Math.max(1, Math.ceil(text.length / 4)), 0);
  sendJson(
    ex,
    200,
    {
      object: "list",
      data: inputs.map((text, index) => {
        const vector = embedText(text, dimensions);
        return { object: "embedding", index, embedding: base64 ? toBase64(vector) : vector };
      }),
      model,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    },
    { dropMidway: rule?.fail?.dropMidStream === true },
  );
}
