import type { Provider } from "./rules.js";

/**
 * Error bodies in each provider's own shape, so the SDKs build the same error objects (status,
 * message, code) they would build from the real services.
 *   OpenAI / Groq: { error: { message, type, param, code } }
 *   ElevenLabs:    { detail: { status, message } }
 */

interface ErrorKind {
  type: string;
  code: string;
}

const OPENAI_KINDS: Record<number, ErrorKind> = {
  400: { type: "invalid_request_error", code: "invalid_request" },
  401: { type: "invalid_request_error", code: "invalid_api_key" },
  403: { type: "permission_error", code: "permission_denied" },
  404: { type: "invalid_request_error", code: "not_found" },
  408: { type: "timeout_error", code: "timeout" },
  413: { type: "invalid_request_error", code: "request_too_large" },
  422: { type: "invalid_request_error", code: "unprocessable_entity" },
  429: { type: "requests", code: "rate_limit_exceeded" },
  500: { type: "server_error", code: "internal_error" },
  502: { type: "server_error", code: "bad_gateway" },
  503: { type: "server_error", code: "service_unavailable" },
  504: { type: "server_error", code: "gateway_timeout" },
};

const ELEVENLABS_CODES: Record<number, string> = {
  400: "invalid_request",
  401: "invalid_api_key",
  403: "forbidden",
  404: "not_found",
  422: "invalid_request",
  429: "too_many_concurrent_requests",
  500: "internal_error",
  503: "service_unavailable",
};

export function errorKind(status: number): ErrorKind {
  return OPENAI_KINDS[status] ?? (status >= 500 ? { type: "server_error", code: "server_error" } : { type: "invalid_request_error", code: "error" });
}

export function errorBody(provider: Provider, status: number, message: string, code?: string): Record<string, unknown> {
  if (provider === "elevenlabs") {
    return { detail: { status: code ?? ELEVENLABS_CODES[status] ?? (status >= 500 ? "internal_error" : "error"), message } };
  }
  const kind = errorKind(status);
  return { error: { message, type: kind.type, param: null, code: code ?? kind.code } };
}
