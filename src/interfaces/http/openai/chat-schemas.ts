import { z } from "zod";
import { isPlainText, PLAIN_TEXT_ERROR } from "../validation.js";

/** The client's system prompt can be long (SillyTavern sends a whole character card), but not unbounded. */
export const MAX_INSTRUCTION_CHARS = 32_000;
/** Clients resend the history with every call: far more than one message, still bounded. */
export const MAX_MESSAGES = 2_000;

const plainText = z.string().refine(isPlainText, { error: PLAIN_TEXT_ERROR });

const textPart = z.object({ type: z.literal("text"), text: plainText });
/** Any other part (image_url, input_audio, file, refusal) is named and refused by the check below. */
const otherPart = z.looseObject({ type: z.string() });

const messageSchema = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"], { error: "must be system, developer, user, assistant or tool" }),
  content: z.union([plainText, z.array(z.union([textPart, otherPart])), z.null()]).optional(),
  name: z.string().max(256).optional(),
});

const optionalNumber = (schema: z.ZodNumber) => schema.nullable().optional();

export const chatCompletionRequestSchema = z
  .looseObject({
    model: z.string({ error: "is required: one of the models GET /v1/models lists (e.g. rose)" }).min(1),
    messages: z
      .array(messageSchema, { error: "is required: an array of messages" })
      .min(1, { error: "must hold at least one message" })
      .max(MAX_MESSAGES, { error: `holds at most ${MAX_MESSAGES} messages` }),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
    temperature: optionalNumber(z.number().min(0).max(2)),
    top_p: optionalNumber(z.number().min(0).max(1)),
    max_tokens: optionalNumber(z.number().int().min(1)),
    max_completion_tokens: optionalNumber(z.number().int().min(1)),
    n: optionalNumber(z.number().int().min(1).max(1, { error: "must be 1: Rose writes one reply per turn" })),
    user: z.string().max(256).optional().describe("The client's own id for its user; logged, never an identity (the API key is)"),
    metadata: z.record(z.string(), z.string()).optional().describe("`session_id` names the Rose conversation (as X-Rose-Session does); other keys are ignored"),
  })
  .superRefine((body, ctx) => {
    body.messages.forEach((message, i) => {
      if (!Array.isArray(message.content)) return;
      message.content.forEach((part, j) => {
        if (part.type !== "text")
          ctx.addIssue({
            code: "custom",
            path: ["messages", i, "content", j, "type"],
            message: `content parts of type '${part.type}' are not supported: Rose reads text parts only`,
          });
      });
    });
    const instructionChars = body.messages
      .filter((m) => m.role === "system" || m.role === "developer")
      .reduce((n, m) => n + JSON.stringify(m.content ?? "").length, 0);
    if (instructionChars > MAX_INSTRUCTION_CHARS)
      ctx.addIssue({ code: "custom", path: ["messages"], message: `system messages may hold at most ${MAX_INSTRUCTION_CHARS} characters together` });
  });

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

export const sessionHeaderSchema = z.object({
  "x-rose-session": z.uuid().optional().describe("The Rose conversation (session id) to continue; your own, or 404"),
  "x-timezone": z.string().optional().describe("The person's IANA time zone, for Rose's sense of their day"),
});

const usageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

export const chatCompletionSchema = z.object({
  id: z.string(),
  object: z.literal("chat.completion"),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({ role: z.literal("assistant"), content: z.string(), refusal: z.null() }),
      logprobs: z.null(),
      finish_reason: z.enum(["stop", "length"]),
    }),
  ),
  usage: usageSchema.describe("Estimated (about four characters a token): Rose's own prompt, memories and summary are not the client's messages"),
});

export const chatCompletionChunkSchema = z.object({
  id: z.string(),
  object: z.literal("chat.completion.chunk"),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      delta: z.object({ role: z.literal("assistant").optional(), content: z.string().optional() }),
      logprobs: z.null(),
      finish_reason: z.enum(["stop", "length"]).nullable(),
    }),
  ),
  usage: usageSchema.nullable().optional(),
});
