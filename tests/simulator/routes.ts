import type { IncomingHttpHeaders } from "node:http";
import { handleCatalog } from "./catalog.js";
import { handleChat } from "./chat.js";
import { handleEmbeddings } from "./embeddings.js";
import { handleImageGeneration } from "./images.js";
import type { Exchange } from "./exchange.js";
import type { Provider, RecordedEndpoint } from "./rules.js";
import { handleElevenLabsSpeech, handleOpenAiSpeech } from "./speech.js";
import { handleTranscription } from "./transcription.js";

/**
 * Which provider and endpoint a request is for, decided by path (and, for the one path OpenAI and
 * ElevenLabs share, GET /v1/models, by which credential header the client sent).
 *   OpenAI      /v1/...            Authorization: Bearer
 *   Groq        /openai/v1/...     Authorization: Bearer   (groq-sdk puts the prefix in every path)
 *   ElevenLabs  /v1/text-to-speech, /v1|v2/voices, /v1/user   xi-api-key
 */

export interface ResolvedRoute {
  provider: Provider;
  endpoint: RecordedEndpoint;
  params: Record<string, string>;
  /** Undefined for paths the simulator does not serve (answered 404, still recorded). */
  handle?: (ex: Exchange) => Promise<void>;
}

interface RouteEntry {
  method: "GET" | "POST";
  path: RegExp;
  provider: Provider | "by-credential";
  endpoint: RecordedEndpoint;
  handle: (ex: Exchange) => Promise<void>;
  /** Names for the path's capture groups. */
  params?: string[];
}

const ROUTES: RouteEntry[] = [
  { method: "POST", path: /^\/v1\/chat\/completions$/, provider: "openai", endpoint: "chat", handle: handleChat },
  { method: "POST", path: /^\/openai\/v1\/chat\/completions$/, provider: "groq", endpoint: "chat", handle: handleChat },
  { method: "POST", path: /^\/v1\/embeddings$/, provider: "openai", endpoint: "embeddings", handle: handleEmbeddings },
  { method: "POST", path: /^\/openai\/v1\/embeddings$/, provider: "groq", endpoint: "embeddings", handle: handleEmbeddings },
  { method: "POST", path: /^\/v1\/audio\/transcriptions$/, provider: "openai", endpoint: "transcription", handle: handleTranscription },
  { method: "POST", path: /^\/openai\/v1\/audio\/transcriptions$/, provider: "groq", endpoint: "transcription", handle: handleTranscription },
  { method: "POST", path: /^\/v1\/images\/generations$/, provider: "openai", endpoint: "images", handle: handleImageGeneration },
  { method: "POST", path: /^\/v1\/audio\/speech$/, provider: "openai", endpoint: "speech", handle: handleOpenAiSpeech },
  { method: "POST", path: /^\/openai\/v1\/audio\/speech$/, provider: "groq", endpoint: "speech", handle: handleOpenAiSpeech },
  {
    method: "POST",
    path: /^\/v1\/text-to-speech\/([^/]+)(?:\/stream)?$/,
    provider: "elevenlabs",
    endpoint: "speech",
    handle: handleElevenLabsSpeech,
    params: ["voice_id"],
  },
  { method: "GET", path: /^\/v1\/models$/, provider: "by-credential", endpoint: "models", handle: handleCatalog },
  { method: "GET", path: /^\/openai\/v1\/models$/, provider: "groq", endpoint: "models", handle: handleCatalog },
  { method: "GET", path: /^\/v[12]\/voices$/, provider: "elevenlabs", endpoint: "voices", handle: handleCatalog },
  { method: "GET", path: /^\/v1\/user$/, provider: "elevenlabs", endpoint: "user", handle: handleCatalog },
];

function providerByCredential(pathname: string, headers: IncomingHttpHeaders): Provider {
  if (pathname.startsWith("/openai/")) return "groq";
  if (headers["xi-api-key"] !== undefined && headers.authorization === undefined) return "elevenlabs";
  return "openai";
}

export function resolveRoute(method: string, rawPathname: string, headers: IncomingHttpHeaders): ResolvedRoute {
  const pathname = rawPathname.length > 1 ? rawPathname.replace(/\/+$/, "") : rawPathname;
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const match = route.path.exec(pathname);
    if (!match) continue;
    const params: Record<string, string> = {};
    route.params?.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1] ?? "")));
    const provider = route.provider === "by-credential" ? providerByCredential(pathname, headers) : route.provider;
    return { provider, endpoint: route.endpoint, params, handle: route.handle };
  }
  return { provider: providerByCredential(pathname, headers), endpoint: "unknown", params: {} };
}

/** The credential each provider's SDK always sends; the simulator accepts any non-empty value. */
export function credentialProblem(provider: Provider, headers: IncomingHttpHeaders): string | undefined {
  if (provider === "elevenlabs") {
    return headers["xi-api-key"] ? undefined : "Missing API key: send it in the xi-api-key header.";
  }
  return /^Bearer\s+\S+/i.test(headers.authorization ?? "")
    ? undefined
    : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
}
