import { z } from "zod";
import type { Config } from "../../../core/config.js";
import { MEMORY_TYPES } from "../../../modules/memory/types.js";
import { chatBodySchema, stopBodySchema } from "../routes/chat.js";
import { editSchema, importSchema, listQuerySchema, memoryIdSchema, memoryInputSchema } from "../routes/memories.js";
import { sessionIdSchema, startBodySchema } from "../routes/sessions.js";
import { fieldsSchema as voiceFieldsSchema } from "../routes/voice.js";
import { type RouteDoc, uploadedFile } from "./route-docs.js";

/**
 * The documentation of the routes that predate the OpenAPI document (health, sessions, chat, memories,
 * voice). Their request schemas are the very ones the routes validate with (imported, never copied);
 * the response shapes, which had no schema before, are declared here. Kept apart from the route files so
 * work on those files elsewhere merges cleanly; new routes declare their RouteDoc beside the handler.
 */

const isoTime = z.iso.datetime({ offset: true });

const memorySchema = z.object({
  id: z.uuid(),
  text: z.string(),
  type: z.enum(MEMORY_TYPES),
  importance: z.number(),
  created_at: isoTime,
  updated_at: isoTime,
  source_session_id: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  occurred_at: isoTime.describe("When it happened (from the words, e.g. 'last Friday'), else when it was told"),
  entities: z.array(z.object({ name: z.string(), kind: z.string(), relation: z.string().nullable(), of: z.string().nullable() })),
  supersedes: z.string().nullable().describe("The memory this one replaced (a changed fact)"),
  superseded_by: z.string().nullable(),
  superseded_at: isoTime.nullable(),
});

const turnReplySchema = z.object({
  session_id: z.uuid(),
  reply: z.string(),
  route: z.enum(["conversation", "audio", "image"]),
  fallback: z.boolean().describe("True when the chat model failed and Rose's in-character apology stood in"),
  stopped: z.boolean(),
  memories_used: z.number().int(),
  timings: z.object({ total_ms: z.number() }),
  attached_images: z.array(z.string()).describe("Ids of the pictures the person attached (GET /images/:id)"),
  images: z.array(z.string()).describe("Ids of the pictures Rose made for this reply"),
  images_seen: z.boolean().describe("False when pictures were attached but no configured model can see them"),
  emotion: z.object({ label: z.string(), intensity: z.number() }).nullable().describe("What Rose noticed in the person's message"),
});

const voiceReplySchema = z.looseObject({
  session_id: z.uuid(),
  transcript: z.string(),
  text: z.string(),
  audio_url: z.string().nullable(),
  no_speech: z.boolean(),
  fallback: z.boolean(),
  tts_failed: z.boolean(),
  timings: z.record(z.string(), z.number().nullable()),
});

const sessionParams = z.object({ id: sessionIdSchema });

const SSE = "text/event-stream";

export function coreApiDocs(config: Config): RouteDoc[] {
  return [
    {
      method: "get",
      path: "/health",
      summary: "Liveness, with how each dependency is doing",
      tag: "Health",
      auth: "none",
      responses: {
        200: {
          description: "Alive",
          schema: z.object({ status: z.enum(["ok", "degraded"]), version: z.string(), services: z.record(z.string(), z.looseObject({ status: z.string() })) }),
        },
      },
    },
    {
      method: "get",
      path: "/health/ready",
      summary: "Readiness: 503 until a turn can be taken, and during shutdown",
      tag: "Health",
      auth: "none",
      responses: {
        200: { description: "Ready", schema: z.object({ ready: z.boolean(), reason: z.string().optional(), failing: z.array(z.string()).optional() }) },
        503: { description: "Not ready", schema: z.object({ ready: z.boolean(), reason: z.string().optional(), failing: z.array(z.string()).optional() }) },
      },
    },
    {
      method: "post",
      path: "/session/start",
      summary: "Start a conversation",
      tag: "Conversations",
      auth: "person",
      body: { schema: startBodySchema },
      responses: {
        201: {
          description: "The new conversation",
          schema: z.object({
            session_id: z.uuid(),
            created_at: isoTime,
            opener: z.string().nullable().describe("Rose's first words, when she has something to ask"),
            opener_audio_url: z
              .string()
              .nullable()
              .optional()
              .describe(
                "With `speak_opener`: the opener in her voice (GET it like a reply's audio_url); null when there is no opener or speech is off or failed",
              ),
          }),
        },
        200: {
          description: "With `only_with_opener`, when Rose has nothing to open with: no conversation was created",
          schema: z.object({ session_id: z.null(), created_at: z.null(), opener: z.null(), opener_audio_url: z.null().optional() }),
        },
      },
    },
    {
      method: "get",
      path: "/sessions/:id/messages",
      summary: "A conversation's messages and running summary",
      tag: "Conversations",
      auth: "person",
      params: sessionParams,
      responses: {
        200: {
          description: "The conversation",
          schema: z.object({
            session_id: z.uuid(),
            summary: z.string(),
            messages: z.array(
              z.object({
                id: z.string().optional(),
                role: z.enum(["user", "assistant", "system"]),
                content: z.string(),
                created_at: isoTime.optional(),
                failed: z.literal(true).optional(),
                stopped: z.literal(true).optional(),
                images: z.array(z.string()).optional(),
              }),
            ),
          }),
        },
      },
    },
    {
      method: "delete",
      path: "/sessions/:id/messages",
      summary: "Clear a conversation's messages",
      tag: "Conversations",
      auth: "person",
      params: sessionParams,
      responses: { 204: { description: "Cleared" } },
    },
    {
      method: "delete",
      path: "/sessions/:id",
      summary: "Delete a conversation",
      tag: "Conversations",
      auth: "person",
      params: sessionParams,
      responses: { 204: { description: "Deleted" } },
    },
    {
      method: "post",
      path: "/chat",
      summary: "A text turn: one JSON answer",
      tag: "Chat",
      auth: "person",
      description: "JSON, or multipart/form-data with the same fields and `images` (pictures the person attached).",
      body: { schema: chatBodySchema(config.maxMessageChars) },
      responses: { 200: { description: "Rose's reply", schema: turnReplySchema } },
    },
    {
      method: "post",
      path: "/chat/stream",
      summary: "A text turn, streamed",
      description: "Server-Sent Events: `session` (session_id), `token` (text) as the reply is written, then `done` (as POST /chat answers) or `error`.",
      tag: "Chat",
      auth: "person",
      body: { schema: chatBodySchema(config.maxMessageChars) },
      responses: { 200: { description: "The event stream", contentType: SSE } },
    },
    {
      method: "post",
      path: "/chat/stop",
      summary: "Stop the reply being written",
      tag: "Chat",
      auth: "person",
      body: { schema: stopBodySchema },
      responses: { 202: { description: "Stopping", schema: z.object({ session_id: z.uuid(), stopping: z.literal(true) }) } },
    },
    {
      method: "get",
      path: "/memories",
      summary: "List or search your memories",
      tag: "Memories",
      auth: "person",
      query: listQuerySchema,
      responses: {
        200: {
          description: "Memories (with `query`: the best matches, each with its score)",
          schema: z.object({
            memories: z.array(memorySchema.extend({ score: z.number().optional(), episode: z.array(memorySchema).optional() })),
            total: z.number().int(),
            limit: z.number().int().optional(),
            offset: z.number().int().optional(),
          }),
        },
      },
    },
    {
      method: "get",
      path: "/memories/export",
      summary: "Export your memories (JSON Lines)",
      tag: "Memories",
      auth: "person",
      responses: { 200: { description: "One memory per line", contentType: "application/x-ndjson" } },
    },
    {
      method: "post",
      path: "/memories",
      summary: "Add a memory, or import many",
      description: "One memory, `{memories: […]}`, or JSON Lines (application/x-ndjson), all or nothing.",
      tag: "Memories",
      auth: "person",
      body: { schema: z.union([memoryInputSchema, importSchema]) },
      responses: {
        200: {
          description: "Everything was already remembered",
          schema: z.object({ imported: z.number().int(), duplicates: z.number().int(), memories: z.array(memorySchema.extend({ status: z.string() })) }),
        },
        201: {
          description: "Stored",
          schema: z.object({ imported: z.number().int(), duplicates: z.number().int(), memories: z.array(memorySchema.extend({ status: z.string() })) }),
        },
      },
    },
    {
      method: "get",
      path: "/memories/:id",
      summary: "One memory",
      tag: "Memories",
      auth: "person",
      params: memoryIdSchema,
      responses: { 200: { description: "The memory", schema: memorySchema } },
    },
    {
      method: "patch",
      path: "/memories/:id",
      summary: "Correct one of your memories (text, kind or importance)",
      tag: "Memories",
      auth: "person",
      params: memoryIdSchema,
      body: { schema: editSchema },
      responses: { 200: { description: "The corrected memory", schema: memorySchema } },
    },
    {
      method: "get",
      path: "/memories/:id/history",
      summary: "A fact's history: what it replaced (oldest first) and what replaced it",
      tag: "Memories",
      auth: "person",
      params: memoryIdSchema,
      responses: {
        200: {
          description: "The fact and its history",
          schema: z.object({ memory: memorySchema, earlier: z.array(memorySchema), later: z.array(memorySchema) }),
        },
      },
    },
    {
      method: "delete",
      path: "/memories/:id",
      summary: "Forget one memory",
      tag: "Memories",
      auth: "person",
      params: memoryIdSchema,
      responses: { 204: { description: "Forgotten" } },
    },
    {
      method: "delete",
      path: "/memories",
      summary: "Forget everything Rose remembers about you",
      tag: "Memories",
      auth: "person",
      responses: { 200: { description: "How many were forgotten", schema: z.object({ deleted: z.number().int() }) } },
    },
    {
      method: "post",
      path: "/voice/process",
      summary: "A voice turn: a recording in, Rose's words and voice out",
      tag: "Voice",
      auth: "person",
      body: { contentType: "multipart/form-data", schema: voiceFieldsSchema.extend({ audio: uploadedFile("The recording") }) },
      responses: { 200: { description: "Rose's reply", schema: voiceReplySchema } },
    },
    {
      method: "post",
      path: "/voice/stream",
      summary: "A voice turn, streamed",
      description: "Server-Sent Events: `transcript`, `token`, `audio` (sentence by sentence, base64), then `done` or `error`.",
      tag: "Voice",
      auth: "person",
      body: { contentType: "multipart/form-data", schema: voiceFieldsSchema.extend({ audio: uploadedFile("The recording") }) },
      responses: { 200: { description: "The event stream", contentType: SSE } },
    },
    {
      method: "get",
      path: "/voice/audio/:id",
      summary: "A spoken reply, for a short while",
      tag: "Voice",
      auth: "person",
      params: z.object({ id: z.string() }),
      responses: { 200: { description: "The audio", contentType: "audio/*" }, 206: { description: "A byte range of it", contentType: "audio/*" } },
    },
    {
      method: "get",
      path: "/voice/live",
      summary: "Live voice: a WebSocket carrying a whole call (upgrade only)",
      description:
        "Client → server: a text frame `{type:'start', session_id?, sample_rate: 16000, timezone?}`, then binary frames of 16-bit little-endian mono PCM " +
        "(20–100 ms each), `{type:'playback', index, played_ms}`, `{type:'interrupt'}`, `{type:'stop'}`. Server → client (text frames): `ready`, " +
        "`speech_started`, `speech_stopped`, `transcript` (text, final), `token`, `audio` (index, text, mime, data base64), `interrupted` (heard), " +
        "`done` (as /voice/stream's; timings.first_audio_ms from speech_stopped), `error` (code, message). A plain GET is 426.",
      tag: "Voice",
      auth: "person",
      responses: { 101: { description: "Switching to the WebSocket protocol" }, 426: { description: "Not a WebSocket upgrade" } },
    },
    {
      method: "get",
      path: "/images/:id",
      summary: "A picture of one of the person's conversations (theirs or Rose's)",
      tag: "Chat",
      auth: "person",
      params: z.object({ id: z.string() }),
      responses: { 200: { description: "The picture", contentType: "image/*" }, 206: { description: "A byte range of it", contentType: "image/*" } },
    },
  ];
}

/** The routes at the root: metrics for the operator's scraper. */
export const rootRouteDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/metrics",
    summary: "Prometheus metrics",
    tag: "Operations",
    auth: "metricsToken",
    responses: { 200: { description: "Prometheus text format", contentType: "text/plain" } },
  },
];
