import type { NextFunction, Request, Response, Router } from "express";
import { AppError } from "../../../core/errors.js";

/** What this module reads of Express 5's router (package `router` 2.x): each layer's matcher and its route's methods. */
interface RouterLayer {
  match?: (path: string) => { path: string } | false;
  route?: { methods?: Record<string, boolean> };
  handle?: { stack?: RouterLayer[] };
}

/** The methods some route answers at `path`, walking nested routers. */
function methodsAt(stack: RouterLayer[], path: string, found: Set<string>): void {
  for (const layer of stack) {
    const matched = typeof layer.match === "function" ? layer.match(path) : false;
    if (!matched) continue;
    if (layer.route?.methods) {
      for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== "_all") found.add(method.toUpperCase());
    } else if (Array.isArray(layer.handle?.stack)) {
      // A router mounted under a prefix sees the rest of the path, as when Express dispatches to it.
      methodsAt(layer.handle.stack, path.slice(matched.path.length) || "/", found);
    }
  }
}

/** The Allow list for `path`: HEAD wherever GET is answered (Express answers HEAD with the GET route). */
export function allowedMethods(router: Router, path: string): string[] {
  const found = new Set<string>();
  methodsAt(router.stack as unknown as RouterLayer[], path, found);
  if (found.has("GET")) found.add("HEAD");
  return [...found].sort();
}

/**
 * After every route of `router`: a request that no route answered, on a path some route serves with
 * other methods, is 405 with `Allow` (RFC 9110), not 404; a path nobody serves passes on to the 404.
 */
export function methodNotAllowed(router: Router) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const allow = allowedMethods(router, req.path);
    if (allow.length === 0 || allow.includes(req.method)) return next();
    res.setHeader("Allow", allow.join(", "));
    next(new AppError(405, "method_not_allowed", `${req.method} is not allowed on ${req.originalUrl.split("?")[0]}; this path accepts ${allow.join(", ")}`));
  };
}
