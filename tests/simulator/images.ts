import { createHash } from "node:crypto";
import sharp from "sharp";
import { applyScriptedFailure, type Exchange, sendError, sendJson } from "./exchange.js";
import { responseDelay, sleep } from "./pacing.js";

/**
 * POST /v1/images/generations (OpenAI and compatible servers): one small real PNG per request, its colour
 * taken from the prompt so different prompts make visibly different pictures, returned as b64_json.
 */

const SIZE = /^(\d{2,4})x(\d{2,4})$/;

/** A real, decodable PNG (64×64 at most, whatever size was asked: tests need bytes, not megapixels). */
export async function pictureFor(prompt: string, width = 64, height = 64): Promise<Buffer> {
  const [r, g, b] = createHash("sha256").update(prompt).digest();
  return sharp({ create: { width: Math.min(width, 64), height: Math.min(height, 64), channels: 3, background: { r: r!, g: g!, b: b! } } })
    .png()
    .toBuffer();
}

export async function handleImageGeneration(ex: Exchange): Promise<void> {
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(ex.body.toString("utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    body = parsed as Record<string, unknown>;
  } catch {
    return sendError(ex, 400, "We could not parse the JSON body of your request.");
  }
  const model = typeof body.model === "string" ? body.model : undefined;
  const prompt = typeof body.prompt === "string" ? body.prompt : undefined;
  Object.assign(ex.record, { body, model, text: prompt });
  if (!prompt) return sendError(ex, 400, "'prompt' must be a non-empty string", "missing_required_parameter");
  if (body.response_format !== undefined && body.response_format !== "b64_json")
    return sendError(ex, 400, "the simulator answers image generations as b64_json only", "invalid_value");
  const size = SIZE.exec(typeof body.size === "string" ? body.size : "1024x1024");
  if (!size) return sendError(ex, 400, `Invalid size '${String(body.size)}'`, "invalid_value");

  const rule = ex.pick({ model, text: prompt });
  if (await applyScriptedFailure(ex, rule)) return;
  await sleep(responseDelay(rule?.latency), ex.signal);
  const png = await pictureFor(prompt, Number(size[1]), Number(size[2]));
  sendJson(ex, 200, { created: Math.floor(Date.now() / 1000), data: [{ b64_json: png.toString("base64"), revised_prompt: prompt }] });
}
