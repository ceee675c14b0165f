import { createRequire } from "node:module";
import { type Request, type Response, Router } from "express";
import { defineRoute } from "./openapi/route-docs.js";

/**
 * The API's documentation page at /docs: Scalar's API reference rendering /api/v1/openapi.json. Its
 * script is served from Rose's own node_modules (no CDN: works offline and under `script-src 'self'`),
 * configured through a data attribute rather than an inline script, with Scalar's web fonts (a CDN)
 * turned off, so the page runs under Rose's usual Content Security Policy unchanged.
 */

const SCALAR_SCRIPT = createRequire(import.meta.url).resolve("@scalar/api-reference/browser/standalone.js");
const SCRIPT_PATH = "/docs/scalar.js";
const SPEC_URL = "/api/v1/openapi.json";

const CONFIGURATION = JSON.stringify({
  // Everything that would reach Scalar's servers is off: their web fonts, the "Ask AI" agent (its API
  // registry goes through their proxy), their developer toolbar. Without proxyUrl, "Test request" calls
  // Rose directly from the page (same origin: connect-src 'self' allows it).
  withDefaultFonts: false,
  agent: { disabled: true },
  showDeveloperTools: "never",
  telemetry: false,
  metaData: { title: "Rose API" },
}).replaceAll('"', "&quot;");

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Rose API</title>
  </head>
  <body>
    <script id="api-reference" data-url="${SPEC_URL}" data-configuration="${CONFIGURATION}"></script>
    <script src="${SCRIPT_PATH}"></script>
  </body>
</html>
`;

export const docsPageRoute = defineRoute({
  method: "get",
  path: "/docs",
  summary: "This documentation, rendered",
  tag: "Documentation",
  auth: "none",
  responses: { 200: { description: "The page", contentType: "text/html" } },
});

export const docsScriptRoute = defineRoute({
  method: "get",
  path: SCRIPT_PATH,
  summary: "The documentation page's renderer (Scalar), served by Rose",
  tag: "Documentation",
  auth: "none",
  responses: { 200: { description: "JavaScript", contentType: "text/javascript" } },
});

export function docsPageRoutes(): Router {
  const router = Router();
  router.get(docsPageRoute.path, (_req: Request, res: Response) => {
    res.setHeader("Cache-Control", "no-cache");
    res.type("html").send(PAGE);
  });
  router.get(docsScriptRoute.path, (_req: Request, res: Response, next) => {
    // The package's version is in the path on disk, not in the URL: revalidate, cheaply (ETag).
    res.sendFile(SCALAR_SCRIPT, { headers: { "Cache-Control": "no-cache", "Content-Type": "text/javascript; charset=utf-8" } }, (error) => {
      if (error) next(error);
    });
  });
  return router;
}
