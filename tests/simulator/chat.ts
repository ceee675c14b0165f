import { applyScriptedFailure, type Exchange, sendError, sendJson, streamWriter, writeHead } from "./exchange.js";
import { sampleFromSchema } from "./json-schema-sample.js";
import { completionDelay, sleep, tokenDelays } from "./pacing.js";
import type { RecordedMessage } from "./recorder.js";
import type { SimRule } from "./rules.js";

/**
 * POST /v1/chat/completions (OpenAI) and /openai/v1/chat/completions (Groq): plain replies, tool
 * calls and JSON-schema replies, as one JSON object or as SSE chunks paced like a real model.
 */

type JsonObject = Record<string, unknown>;

/** What the request asked for, beyond plain text. */
type StructuredAsk =
  | { kind: "tool"; name: string; schema: unknown }
  | { kind: "json"; name: string; schema: unknown }
  | { kind: "auto-tools"; tools: Array<{ name: string; schema: unknown }> };

/** The answer to send: text content, or one call to a tool with a JSON arguments string. */
type Answer = { kind: "text"; content: string } | { kind: "tool"; name: string; args: string };

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Message content may be a string, null (assistant tool calls) or an array of typed parts. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => (isObject(part) && typeof part.text === "string" ? part.text : ""))
    .filter(Boolean)
    .join("\n");
}

const DATA_URL = /^data:([\w/+.-]+);base64,(.*)$/s;

/** OpenAI-style image parts (`{type:"image_url", image_url:{url}}`), described for the log: what the model was shown. */
function imagesOf(content: unknown): NonNullable<RecordedMessage["images"]> {
  if (!Array.isArray(content)) return [];
  return content.flatMap((part) => {
    if (!isObject(part) || part.type !== "image_url") return [];
    const url = isObject(part.image_url) ? part.image_url.url : part.image_url;
    if (typeof url !== "string") return [];
    const inline = DATA_URL.exec(url);
    return [inline ? { mime: inline[1]!, bytes: Buffer.from(inline[2]!, "base64").length } : { url }];
  });
}

function normaliseMessages(raw: unknown[]): RecordedMessage[] {
  return raw.filter(isObject).map((m) => {
    const images = imagesOf(m.content);
    return { role: typeof m.role === "string" ? m.role : "", content: textOf(m.content), ...(images.length > 0 ? { images } : {}) };
  });
}

function toolsOf(body: JsonObject): Array<{ name: string; schema: unknown }> {
  if (!Array.isArray(body.tools)) return [];
  return body.tools
    .filter(isObject)
    .map((t) => (isObject(t.function) ? t.function : t))
    .filter((f) => typeof f.name === "string")
    .map((f) => ({ name: f.name as string, schema: f.parameters }));
}

function structuredAsk(body: JsonObject): StructuredAsk | undefined {
  const format = body.response_format;
  if (isObject(format) && format.type === "json_schema" && isObject(format.json_schema)) {
    return { kind: "json", name: typeof format.json_schema.name === "string" ? format.json_schema.name : "json_schema", schema: format.json_schema.schema };
  }
  if (isObject(format) && format.type === "json_object") return { kind: "json", name: "json_object", schema: undefined };

  const tools = toolsOf(body);
  const choice = body.tool_choice;
  if (tools.length === 0 || choice === "none") return undefined;
  if (isObject(choice) && isObject(choice.function) && typeof choice.function.name === "string") {
    const name = choice.function.name;
    return { kind: "tool", name, schema: tools.find((t) => t.name === name)?.schema };
  }
  if (choice === "required") return { kind: "tool", name: tools[0]!.name, schema: tools[0]!.schema };
  // tool_choice auto: a real model usually just talks, and always calling a tool would loop agents forever.
  return { kind: "auto-tools", tools };
}

export function defaultReply(lastUser: string | undefined): string {
  const said = (lastUser ?? "").trim().replace(/\s+/g, " ").slice(0, 60);
  return said ? `I hear you. You said: "${said}".` : "I hear you.";
}

function decideAnswer(ask: StructuredAsk | undefined, rule: SimRule | undefined, lastUser: string | undefined): Answer {
  const reply = rule?.reply;
  const json = (schema: unknown) => reply?.content ?? JSON.stringify(reply?.structured ?? sampleFromSchema(schema));
  if (ask?.kind === "json") return { kind: "text", content: json(ask.schema) };
  if (ask?.kind === "tool") return { kind: "tool", name: ask.name, args: json(ask.schema) };
  if (ask?.kind === "auto-tools" && reply?.structured) {
    const named = ask.tools.find((t) => t.name === rule?.match?.structured) ?? ask.tools[0]!;
    return { kind: "tool", name: named.name, args: JSON.stringify(reply.structured) };
  }
  return { kind: "text", content: reply?.content ?? defaultReply(lastUser) };
}

/** Words with their leading whitespace, the way tokenizers hand them out. */
export function splitTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** Tool arguments arrive in small JSON fragments, as from the real APIs. */
function splitArguments(args: string): string[] {
  return args.match(/[\s\S]{1,8}/g) ?? [];
}

let sequence = 0;

export async function handleChat(ex: Exchange): Promise<void> {
  let body: unknown;
  try {
    body = JSON.parse(ex.body.toString("utf8"));
  } catch {
    return sendError(ex, 400, "We could not parse the JSON body of your request.");
  }
  if (!isObject(body)) return sendError(ex, 400, "The request body must be a JSON object.");
  ex.record.body = body;

  const model = typeof body.model === "string" ? body.model : undefined;
  const stream = body.stream === true;
  const messages = Array.isArray(body.messages) ? normaliseMessages(body.messages) : [];
  const ask = structuredAsk(body);
  const lastUser = messages.filter((m) => m.role === "user").at(-1)?.content;
  const system = messages
    .filter((m) => m.role === "system" || m.role === "developer")
    .map((m) => m.content)
    .join("\n");

  Object.assign(ex.record, { model, stream, messages });
  if (ask && ask.kind !== "auto-tools") ex.record.structured = ask.name;

  if (!model) return sendError(ex, 400, "you must provide a model parameter", "missing_required_parameter");
  if (messages.length === 0) return sendError(ex, 400, "'messages' must contain at least one message", "invalid_value");

  const rule = ex.pick({
    model,
    stream,
    lastUser,
    system: system || undefined,
    messages: messages.map((m) => m.content),
    structured: ask && ask.kind !== "auto-tools" ? ask.name : undefined,
    offeredTools: ask?.kind === "auto-tools" ? ask.tools.map((t) => t.name) : undefined,
  });
  if (await applyScriptedFailure(ex, rule)) return;

  const decided = decideAnswer(ask, rule, lastUser);
  const allPieces = decided.kind === "text" ? splitTokens(decided.content) : splitArguments(decided.args);
  // Like a real model, a text reply stops at the caller's token limit (one simulated token a piece) and says so.
  const limit = [body.max_completion_tokens, body.max_tokens].find((n): n is number => typeof n === "number" && n > 0);
  const cut = decided.kind === "text" && limit !== undefined && allPieces.length > limit;
  const pieces = cut ? allPieces.slice(0, limit) : allPieces;
  const answer: Answer = cut ? { kind: "text", content: pieces.join("") } : decided;
  const promptTokens = Math.max(1, Math.ceil(messages.reduce((n, m) => n + m.content.length, 0) / 4));
  const usage = { prompt_tokens: promptTokens, completion_tokens: pieces.length, total_tokens: promptTokens + pieces.length };
  const reply: Reply = {
    id: `chatcmpl-sim${++sequence}`,
    callId: `call_sim${sequence}`,
    created: Math.floor(Date.now() / 1000),
    model,
    answer,
    pieces,
    usage,
    cut,
  };
  const drop = rule?.fail?.dropMidStream === true;

  if (stream) {
    const includeUsage = isObject(body.stream_options) && body.stream_options.include_usage === true;
    await streamReply(ex, reply, rule, includeUsage, drop);
  } else {
    await sleep(completionDelay(rule?.latency, pieces.length), ex.signal);
    sendJson(ex, 200, completionObject(ex, reply), { dropMidway: drop });
  }
}

interface Reply {
  id: string;
  callId: string;
  created: number;
  model: string;
  answer: Answer;
  pieces: string[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  /** Cut at the request's max_tokens. */
  cut: boolean;
}

function finishReason(r: Reply): string {
  return r.answer.kind === "tool" ? "tool_calls" : r.cut ? "length" : "stop";
}

function completionObject(ex: Exchange, r: Reply): JsonObject {
  const message =
    r.answer.kind === "tool"
      ? {
          role: "assistant",
          content: null,
          refusal: null,
          tool_calls: [{ id: r.callId, type: "function", function: { name: r.answer.name, arguments: r.answer.args } }],
        }
      : { role: "assistant", content: r.answer.content, refusal: null, annotations: [] };
  return {
    id: r.id,
    object: "chat.completion",
    created: r.created,
    model: r.model,
    system_fingerprint: "fp_simulator",
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(r) }],
    usage: r.usage,
    ...(ex.provider === "groq" ? { x_groq: { id: `req_${r.id}` } } : {}),
  };
}

async function streamReply(ex: Exchange, r: Reply, rule: SimRule | undefined, includeUsage: boolean, dropMidStream: boolean): Promise<void> {
  const chunk = (delta: JsonObject, finish: string | null = null, extra: JsonObject = {}) => ({
    id: r.id,
    object: "chat.completion.chunk",
    created: r.created,
    model: r.model,
    system_fingerprint: "fp_simulator",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
    ...extra,
  });
  const out = streamWriter(ex);
  const send = (payload: unknown) => out.write(`data: ${JSON.stringify(payload)}\n\n`);

  const delays = tokenDelays(rule?.latency, Math.max(1, r.pieces.length));
  // Headers go out with the first token, as from a real model: a client's response timeout covers the wait.
  await sleep(delays[0]!, ex.signal);
  writeHead(ex, 200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
  if (r.answer.kind === "tool") {
    send(
      chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: r.callId, type: "function", function: { name: r.answer.name, arguments: "" } }] }),
    );
  } else {
    send(chunk({ role: "assistant", content: "", refusal: null }));
  }

  const dropAfter = dropMidStream ? Math.floor(r.pieces.length / 2) : Number.POSITIVE_INFINITY;
  for (const [i, piece] of r.pieces.entries()) {
    if (i >= dropAfter) return out.drop();
    if (i > 0) await sleep(delays[i]!, ex.signal);
    send(chunk(r.answer.kind === "tool" ? { tool_calls: [{ index: 0, function: { arguments: piece } }] } : { content: piece }));
  }
  if (dropMidStream) return out.drop();

  const groqUsage = ex.provider === "groq" ? { x_groq: { id: `req_${r.id}`, usage: r.usage } } : {};
  send(chunk({}, finishReason(r), groqUsage));
  if (includeUsage) send({ ...chunk({}), choices: [], usage: r.usage });
  ex.res.end("data: [DONE]\n\n");
}
