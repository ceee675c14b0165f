import { Router } from "express";
import { z } from "zod";
import { notFound } from "../../../core/errors.js";
import type { ApiKey } from "../../../modules/api-keys/types.js";
import type { HttpDeps } from "../context.js";
import { jsonBody } from "../middleware/body-type.js";
import { defineRoute } from "../openapi/route-docs.js";
import { isPlainText, PLAIN_TEXT_ERROR, parseInput } from "../validation.js";

/**
 * The person's API keys for programs (the OpenAI-compatible API under /v1): list, create (the secret is
 * in that one response), revoke. Uses only req.userId, whoever set it (identity cookie or, later, an account).
 */

const MAX_NAME_CHARS = 100;

const apiKeyJson = (key: ApiKey) => ({ id: key.id, name: key.name, prefix: key.prefix, created_at: key.createdAt, last_used_at: key.lastUsedAt });

const apiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string().describe("The secret's first characters, to tell keys apart; not a secret"),
  created_at: z.iso.datetime({ offset: true }),
  last_used_at: z.iso.datetime({ offset: true }).nullable().describe("When a program last used the key (to the minute)"),
});

const createBodySchema = z.object({
  name: z
    .string({ error: "is required and must be text" })
    .trim()
    .min(1, { error: "must not be empty" })
    .max(MAX_NAME_CHARS, { error: `must be at most ${MAX_NAME_CHARS} characters` })
    .refine(isPlainText, { error: PLAIN_TEXT_ERROR })
    .describe("What the key is for, e.g. “Open WebUI on the laptop”"),
});

const keyIdSchema = z.object({ id: z.uuid({ error: "must be an API key id (a UUID) from GET /api/v1/me/api-keys" }) });

const TAG = "API keys";

export const listApiKeysRoute = defineRoute({
  method: "get",
  path: "/me/api-keys",
  summary: "List your API keys (never their secrets)",
  tag: TAG,
  auth: "person",
  responses: { 200: { description: "Your keys, newest first", schema: z.object({ api_keys: z.array(apiKeySchema) }) } },
});

export const createApiKeyRoute = defineRoute({
  method: "post",
  path: "/me/api-keys",
  summary: "Create an API key",
  description: "The secret (`rose_sk_…`) is in this response only: Rose keeps just its hash. A person holds at most 20 keys (409 past that).",
  tag: TAG,
  auth: "person",
  body: { schema: createBodySchema },
  responses: {
    201: { description: "The new key, with its secret shown this once", schema: apiKeySchema.extend({ secret: z.string().startsWith("rose_sk_") }) },
  },
});

export const revokeApiKeyRoute = defineRoute({
  method: "delete",
  path: "/me/api-keys/:id",
  summary: "Revoke an API key",
  description: "Programs using it get 401 from then on. Another person's key id is 404.",
  tag: TAG,
  auth: "person",
  params: keyIdSchema,
  responses: { 204: { description: "Revoked" } },
});

export const apiKeyRouteDocs = [listApiKeysRoute, createApiKeyRoute, revokeApiKeyRoute];

export function apiKeyRoutes({ apiKeys }: HttpDeps): Router {
  const router = Router();

  router.get(listApiKeysRoute.path, async (req, res) => {
    res.json({ api_keys: (await apiKeys.list(req.userId)).map(apiKeyJson) });
  });

  router.post(createApiKeyRoute.path, jsonBody, async (req, res) => {
    const { name } = parseInput(createApiKeyRoute.body.schema, req.body);
    const { key, secret } = await apiKeys.create(req.userId, name);
    // The secret must not linger in caches or proxies' logs of responses.
    res.setHeader("Cache-Control", "no-store");
    res.status(201).json({ ...apiKeyJson(key), secret });
  });

  router.delete(revokeApiKeyRoute.path, jsonBody, async (req, res) => {
    const { id } = parseInput(revokeApiKeyRoute.params, req.params);
    if (!(await apiKeys.revoke(req.userId, id))) throw notFound("API key");
    res.status(204).end();
  });

  return router;
}
