import express, { Router } from "express";
import type { HttpDeps } from "../context.js";
import { checkJsonBody } from "../json-limits.js";
import { crossSiteGuard } from "../middleware/cross-site.js";
import { methodNotAllowed } from "../middleware/method-not-allowed.js";
import { rateLimits } from "../middleware/rate-limits.js";
import { corsPolicy } from "../middleware/security.js";
import { apiKeyAuth } from "./api-key-auth.js";
import { audioRoutes, speechRoute, transcriptionRoute } from "./audio.js";
import { chatCompletionRoutes, chatCompletionsRoute } from "./chat-completions.js";
import { openAiErrorHandler, openAiNotFound } from "./errors.js";
import { listModelsRoute, modelRoutes, retrieveModelRoute } from "./models-route.js";

/** Clients resend the whole conversation with every call: more room than Rose's own API needs, still bounded. */
export const OPENAI_JSON_LIMIT = "1mb";

export const openAiRouteDocs = [listModelsRoute, retrieveModelRoute, chatCompletionsRoute, speechRoute, transcriptionRoute];

/**
 * The OpenAI-compatible API, mounted at /v1: for chat apps and scripts written against OpenAI's API.
 * Programs authenticate with an API key; no cookie is read or set here. CORS is the deployment's, as on
 * /api; another site's browser request is refused like anywhere else, and without a key gets nothing.
 */
export function openAiRouter(deps: HttpDeps, allowedOrigins: ReadonlySet<string>): Router {
  const v1 = Router();
  v1.use(corsPolicy(deps.config.corsOrigins));
  v1.use(crossSiteGuard(allowedOrigins));
  v1.use(apiKeyAuth(deps.apiKeys));
  v1.use(express.json({ limit: OPENAI_JSON_LIMIT }));
  v1.use(checkJsonBody);
  for (const limiter of rateLimits({ turnsPerMinute: deps.config.rateLimitPerMinute, ...(deps.rateLimitStore ? { makeStore: deps.rateLimitStore } : {}) }))
    v1.use(limiter);
  v1.use(modelRoutes(deps));
  v1.use(chatCompletionRoutes(deps));
  v1.use(audioRoutes(deps));
  v1.use(methodNotAllowed(v1));
  v1.use(openAiNotFound);
  v1.use(openAiErrorHandler(deps.logger));
  return v1;
}
