import cookieParser from "cookie-parser";
import express, { type Express, Router } from "express";
import type { HttpDeps } from "./context.js";
import { frontendRoutes } from "./frontend.js";
import { checkJsonBody } from "./json-limits.js";
import { crossSiteGuard } from "./middleware/cross-site.js";
import { apiNotFound, errorHandler, notFoundJson } from "./middleware/errors.js";
import { httpMetrics } from "./middleware/http-metrics.js";
import { authentication } from "./middleware/authentication.js";
import { rateLimits } from "./middleware/rate-limits.js";
import { requestContext } from "./middleware/request-context.js";
import { methodNotAllowed } from "./middleware/method-not-allowed.js";
import { allowedOriginSet } from "./middleware/request-origin.js";
import { corsPolicy, permissionsPolicy, securityHeaders } from "./middleware/security.js";
import { authRoutes } from "./routes/auth.js";
import { CARD_JSON_LIMIT, characterRoutes } from "./routes/characters.js";
import { chatRoutes } from "./routes/chat.js";
import { companionRoutes } from "./routes/companion.js";
import { healthRoutes } from "./routes/health.js";
import { imageRoutes } from "./routes/images.js";
import { MEMORY_IMPORT_LIMIT, memoryRoutes } from "./routes/memories.js";
import { meRoutes } from "./routes/me.js";
import { meDataRoutes } from "./routes/me-data.js";
import { metricsRoute } from "./routes/metrics.js";
import { sessionRoutes } from "./routes/sessions.js";
import { voiceRoutes } from "./routes/voice.js";
import { apiKeyRoutes } from "./routes/api-keys.js";
import { docsPageRoutes } from "./docs-page.js";
import { openAiRouter } from "./openai/router.js";
import { openApiRoutes } from "./openapi/api-document.js";

/** JSON bodies are small: the longest message plus some room for the envelope. */
const JSON_LIMIT = "256kb";

export function createHttpApp(deps: HttpDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  // Whose X-Forwarded-For to believe (TRUST_PROXY): req.ip keys the per-IP rate limits, so trusting a
  // header no proxy vouches for would let any client pick a fresh IP per request. The image sets 1 (Railway).
  app.set("trust proxy", deps.config.trustProxy);
  const production = deps.config.environment === "production";
  app.use(requestContext);
  app.use(httpMetrics(deps.metrics));
  app.use(securityHeaders(production));
  app.use(permissionsPolicy);
  app.get("/metrics", metricsRoute(deps));

  const allowedOrigins = allowedOriginSet(deps.config.corsOrigins);
  const api = Router();
  api.use(corsPolicy(deps.config.corsOrigins));
  // Before any body is read or identity issued: another site's forms and no-cors fetches stop here.
  api.use(crossSiteGuard(allowedOrigins));
  // An import's JSON is parsed first with its own, larger limit; the general parser then leaves it be.
  api.post("/memories", express.json({ limit: MEMORY_IMPORT_LIMIT }));
  api.post("/characters", express.json({ limit: CARD_JSON_LIMIT }));
  api.use(express.json({ limit: JSON_LIMIT }));
  api.use(checkJsonBody);
  api.use(cookieParser(deps.signingSecret));
  // An account's access token, else the anonymous cookie (or 401 when REQUIRE_AUTHENTICATION=true).
  api.use(authentication({ accounts: deps.accounts, requireAuthentication: deps.config.requireAuthentication, secure: production, allowedOrigins }));
  for (const limiter of rateLimits({ turnsPerMinute: deps.config.rateLimitPerMinute, ...(deps.rateLimitStore ? { makeStore: deps.rateLimitStore } : {}) }))
    api.use(limiter);
  api.use(healthRoutes(deps));
  api.use(authRoutes(deps));
  api.use(meRoutes(deps));
  api.use(sessionRoutes(deps));
  api.use(chatRoutes(deps));
  api.use(memoryRoutes(deps));
  api.use(voiceRoutes(deps));
  api.use(apiKeyRoutes(deps));
  api.use(openApiRoutes(deps));
  api.use(imageRoutes(deps));
  api.use(meDataRoutes(deps));
  api.use(characterRoutes(deps));
  api.use(companionRoutes(deps));
  api.use(methodNotAllowed(api));
  api.use(apiNotFound);

  // /api/v1 is canonical; /api is kept as an alias for clients of the original Rose API.
  app.use(["/api/v1", "/api"], api);
  // OpenAI-compatible, for other chat apps and scripts: API keys, OpenAI's error shape, no cookies.
  app.use("/v1", openAiRouter(deps, allowedOrigins));
  app.use(docsPageRoutes());
  // The web app last: it answers only what the API and /metrics did not (client routes fall back to index.html).
  app.use(frontendRoutes());
  // Past the web app (which answers GET anywhere) and /metrics: other methods are 405, a missing file a JSON 404.
  app.use(methodNotAllowed(app.router));
  app.use(notFoundJson);
  app.use(errorHandler(deps.logger));
  return app;
}
