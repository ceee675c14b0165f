import { z } from "zod";
import { listQuerySchema, renameSchema } from "../routes/conversation-list.js";
import { sessionIdSchema } from "../routes/sessions.js";
import type { RouteDoc } from "./route-docs.js";

/**
 * The conversation list and the person's data (export, erasure). The request schemas are the ones the
 * routes validate with; the response shapes are declared here, as for the older routes.
 */

const isoTime = z.iso.datetime({ offset: true });

const conversationSchema = z.object({
  id: z.uuid(),
  title: z.string().nullable(),
  preview: z.string().nullable(),
  message_count: z.number().int(),
  created_at: isoTime,
  updated_at: isoTime,
});

export const conversationRouteDocs: RouteDoc[] = [
  {
    method: "get",
    path: "/sessions",
    summary: "The person's conversations, newest change first",
    description: "Cursor-paged: pass the answer's `next_cursor` as `before` for the next page (null on the last).",
    tag: "Conversations",
    auth: "person",
    query: listQuerySchema,
    responses: {
      200: { description: "A page of conversations", schema: z.object({ sessions: z.array(conversationSchema), next_cursor: z.string().nullable() }) },
    },
  },
  {
    method: "patch",
    path: "/sessions/:id",
    summary: "Rename a conversation",
    tag: "Conversations",
    auth: "person",
    params: z.object({ id: sessionIdSchema }),
    body: { schema: renameSchema },
    responses: { 200: { description: "The renamed conversation", schema: conversationSchema } },
  },
  {
    method: "get",
    path: "/me/export",
    summary: "One archive of everything Rose holds of the person",
    tag: "Account",
    auth: "person",
    responses: {
      200: {
        description: "A JSON download: one entry in `data` per store holding the person's data",
        schema: z.object({
          format: z.literal("rose-export"),
          version: z.number().int(),
          exported_at: isoTime,
          user_id: z.string(),
          data: z.record(z.string(), z.unknown()),
        }),
      },
    },
  },
  {
    method: "delete",
    path: "/me",
    summary: "Erase everything of the person, in every store, and forget them in this browser",
    description: "Idempotent. 503 `erasure_incomplete` names what could not be erased yet; asking again finishes it.",
    tag: "Account",
    auth: "person",
    responses: { 204: { description: "Erased" } },
  },
];
