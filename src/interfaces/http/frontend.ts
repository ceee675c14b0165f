import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import express, { type NextFunction, type Request, type Response, Router } from "express";

/**
 * The built web app (`npm run build:frontend` → frontend/dist) at `/`. Vite names every asset after its
 * content hash, so assets are cached for a year and never revalidated; index.html names the current
 * assets, so it is revalidated on every visit and a deploy shows up on the next load.
 *
 * Client-side routes (`/chat`, …) answer index.html so a reload or a shared link works. Never for the
 * API or metrics (mounted earlier; an unknown /api path stays a 404 JSON error), and never for a
 * missing file (`/assets/gone.js` must not come back as a page of HTML).
 */

/** frontend/dist from both src/interfaces/http (tsx) and dist/interfaces/http (compiled). */
export const FRONTEND_DIST = fileURLToPath(new URL("../../../frontend/dist", import.meta.url));

const HASHED_ASSET_CACHE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

const isReserved = (path: string) => /^\/(api|metrics)(\/|$)/.test(path);
const looksLikeFile = (path: string) => /\.[a-z0-9]+$/i.test(path);

export function frontendRoutes(distDir: string = FRONTEND_DIST): Router {
  const router = Router();
  const indexHtml = join(distDir, "index.html");

  router.use(
    express.static(distDir, {
      index: false, // "/" is a client route like any other, answered below
      setHeaders(res, path) {
        res.setHeader("Cache-Control", path.startsWith(join(distDir, "assets")) ? HASHED_ASSET_CACHE : REVALIDATE);
      },
    }),
  );

  router.get("/{*path}", (req: Request, res: Response, next: NextFunction) => {
    if (isReserved(req.path) || looksLikeFile(req.path) || !req.accepts("html")) return next();
    if (!existsSync(indexHtml)) {
      res.status(503).type("text/plain").send("Rose's web app has not been built yet: run `npm run build:frontend` (or `npm start`, which builds it).");
      return;
    }
    res.setHeader("Cache-Control", REVALIDATE);
    res.sendFile(indexHtml, { cacheControl: false }, (error) => {
      if (error) next(error);
    });
  });

  return router;
}
