import type { Request } from "express";

/**
 * Where a request comes from, as far as a browser tells us. Browsers mark every request with
 * `Sec-Fetch-Site` and unsafe ones with `Origin`; scripts cannot forge either. A page on another port or a
 * sibling subdomain is `same-site` but still another origin, so only the app's own origin (or one listed
 * in CORS_ORIGINS) counts as ours. A client that sends neither header (curl, SDKs, servers) is no
 * browser: no other site can be acting through it, so it is `unmarked` and treated like the app itself.
 */
export type RequestSite = "own" | "allowed" | "foreign" | "unmarked";

/** `https://Rose.example:443` and `https://rose.example` are one origin; `null` and garbage are none. */
function normalizeOrigin(value: string): string | null {
  if (value.trim().toLowerCase() === "null") return null;
  try {
    const origin = new URL(value.trim()).origin;
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
}

/** The origin this request was addressed to: Host (or X-Forwarded-Host and -Proto from a proxy TRUST_PROXY trusts). */
function ownOrigin(req: Request): string | null {
  const host = req.host;
  return host ? normalizeOrigin(`${req.protocol}://${host}`) : null;
}

export function allowedOriginSet(corsOrigins: readonly string[]): ReadonlySet<string> {
  // "*" opens reads to any site, but never lets any site change state or replace an identity.
  return new Set(corsOrigins.map(normalizeOrigin).filter((o): o is string => o !== null));
}

export function requestSite(req: Request, allowedOrigins: ReadonlySet<string>): RequestSite {
  const origin = req.get("origin");
  const fetchSite = req.get("sec-fetch-site")?.trim().toLowerCase();
  // The browser itself vouches for the app's own pages; this also holds behind a TLS proxy whose
  // X-Forwarded-Proto is not trusted, where Host alone would make the app's origin look like http://.
  if (fetchSite === "same-origin" && origin !== undefined && normalizeOrigin(origin) !== null) return "own";
  if (origin !== undefined) {
    const normalized = normalizeOrigin(origin);
    if (normalized !== null && allowedOrigins.has(normalized)) return "allowed";
    // `Origin: null` (sandboxed frames, data: pages, cross-site redirects) is never the app itself.
    if (normalized === null || normalized !== ownOrigin(req)) return "foreign";
  }
  if (fetchSite === "cross-site" || fetchSite === "same-site") return "foreign";
  return origin !== undefined || fetchSite !== undefined ? "own" : "unmarked";
}
