import { Router } from "express";
import { z } from "zod";
import type { HttpDeps } from "../context.js";
import { docsPageRoute, docsScriptRoute } from "../docs-page.js";
import { openAiErrorSchema } from "../openai/errors.js";
import { openAiRouteDocs } from "../openai/router.js";
import { apiKeyRouteDocs } from "../routes/api-keys.js";
import { authRouteDocs } from "../routes/auth-docs.js";
import { coreApiDocs, rootRouteDocs } from "./core-api-docs.js";
import { conversationRouteDocs } from "./conversation-docs.js";
import { companionRouteDocs } from "./companion-docs.js";
import { openApiDocument } from "./document.js";
import { defineRoute, type RouteGroup } from "./route-docs.js";

const roseErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), request_id: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
});

export const openApiJsonRoute = defineRoute({
  method: "get",
  path: "/openapi.json",
  summary: "This document (OpenAPI 3.1)",
  tag: "Documentation",
  auth: "none",
  responses: { 200: { description: "The OpenAPI document of every route", schema: z.looseObject({ openapi: z.string() }) } },
});

/**
 * Every route Rose serves, by where it is mounted. A new route declares its RouteDoc beside its handler
 * (defineRoute) and is listed here once; a test fails for any mounted route missing from this list.
 */
export function apiRouteGroups(deps: HttpDeps): RouteGroup[] {
  return [
    {
      base: "/api/v1",
      errorSchema: roseErrorSchema,
      routes: [...coreApiDocs(deps.config), ...conversationRouteDocs, ...companionRouteDocs, ...authRouteDocs, ...apiKeyRouteDocs, openApiJsonRoute],
    },
    { base: "/v1", errorSchema: openAiErrorSchema, routes: openAiRouteDocs },
    { base: "", errorSchema: roseErrorSchema, routes: [...rootRouteDocs, docsPageRoute, docsScriptRoute] },
  ];
}

export function openApiRoutes(deps: HttpDeps): Router {
  const router = Router();
  // Built once: the routes and their schemas do not change while Rose runs.
  let document: unknown = null;
  router.get(openApiJsonRoute.path, (_req, res) => {
    document ??= openApiDocument({ version: deps.version }, apiRouteGroups(deps));
    res.setHeader("Cache-Control", "no-cache");
    res.json(document);
  });
  return router;
}
