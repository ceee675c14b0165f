import cors from "cors";
import helmet from "helmet";
import type { NextFunction, Request, RequestHandler, Response } from "express";

/**
 * Security headers: a CSP that allows only this origin's scripts (no inline or eval) and lets the voice
 * page play audio from blob:/data: URLs and use the microphone; HSTS only in production, where TLS is
 * terminated in front of us. `'wasm-unsafe-eval'` lets the voice page compile WebAssembly (ONNX Runtime,
 * for Silero VAD) and nothing else: JavaScript eval stays refused.
 */
export function securityHeaders(production: boolean): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'wasm-unsafe-eval'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "upgrade-insecure-requests": production ? [] : null,
      },
    },
    strictTransportSecurity: production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
}

/**
 * Powerful browser features, off unless Rose uses them: the microphone for the voice page, and only for
 * Rose's own pages (never for a frame of another origin); camera, location and the rest for nobody.
 */
export const PERMISSIONS_POLICY = [
  "microphone=(self)",
  "camera=()",
  "geolocation=()",
  "display-capture=()",
  "payment=()",
  "usb=()",
  "serial=()",
  "hid=()",
  "bluetooth=()",
  "midi=()",
  "accelerometer=()",
  "gyroscope=()",
  "magnetometer=()",
  "xr-spatial-tracking=()",
].join(", ");

export function permissionsPolicy(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader("Permissions-Policy", PERMISSIONS_POLICY);
  next();
}

/**
 * CORS for other origins that embed Rose's API. The app itself is same-origin and needs none; an origin
 * not in CORS_ORIGINS gets no CORS headers, so browsers refuse to hand it the response.
 */
export function corsPolicy(origins: string[]): RequestHandler {
  const allowAny = origins.includes("*");
  const allowed = new Set(origins);
  return cors({
    origin: (origin, callback) => callback(null, origin !== undefined && (allowAny || allowed.has(origin)) ? origin : false),
    credentials: true,
    exposedHeaders: ["X-Request-ID", "Retry-After", "RateLimit", "RateLimit-Policy"],
    maxAge: 600,
  });
}
