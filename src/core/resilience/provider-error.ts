/**
 * What went wrong with a provider call, in the terms resilience decisions need: providers translate
 * their SDK's errors into this at their edge, so the guard and the fallback chains decide from a kind
 * instead of guessing from names and messages.
 *
 *   timeout           no answer in time (our deadline, or the SDK's own)       retry, then the next provider
 *   rate_limited      429                                                      retry, then the next provider
 *   server            5xx, or an answer that was no answer (empty reply/audio) retry, then the next provider
 *   network           refused, reset, DNS: the request never got an answer     retry, then the next provider
 *   client            other 4xx (bad key, unknown model, request too large)    the next provider, no retry
 *   unreadable_input  the input itself cannot be used (unreadable audio)       nobody: the person must send another
 */
export const PROVIDER_ERROR_KINDS = ["timeout", "rate_limited", "server", "network", "client", "unreadable_input"] as const;
export type ProviderErrorKind = (typeof PROVIDER_ERROR_KINDS)[number];

const RETRYABLE: Record<ProviderErrorKind, boolean> = {
  timeout: true,
  rate_limited: true,
  server: true,
  network: true,
  client: false,
  unreadable_input: false,
};

export interface ProviderErrorInit {
  provider: string;
  kind: ProviderErrorKind;
  status?: number;
  /** Defaults by kind (see the table above). */
  retryable?: boolean;
  message?: string;
}

export class ProviderError extends Error {
  readonly provider: string;
  readonly kind: ProviderErrorKind;
  readonly retryable: boolean;
  readonly status?: number;

  constructor(init: ProviderErrorInit, options?: { cause?: unknown }) {
    const detail = init.message ?? (options?.cause instanceof Error ? options.cause.message : undefined);
    super(`${init.provider}: ${init.kind.replace("_", " ")}${init.status ? ` (HTTP ${init.status})` : ""}${detail ? `: ${detail}` : ""}`, options);
    this.name = "ProviderError";
    this.provider = init.provider;
    this.kind = init.kind;
    this.retryable = init.retryable ?? RETRYABLE[init.kind];
    if (init.status !== undefined) this.status = init.status;
  }
}

export function isProviderError(error: unknown): error is ProviderError {
  return error instanceof ProviderError;
}

/** Finds an HTTP status on errors thrown by the OpenAI, Groq and ElevenLabs SDKs (and LangChain's wrappers of them). */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as Record<string, unknown>;
  for (const key of ["status", "statusCode", "lc_error_status"]) {
    const value = e[key];
    if (typeof value === "number") return value;
  }
  const response = e.response as Record<string, unknown> | undefined;
  if (response && typeof response.status === "number") return response.status;
  return undefined;
}

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

function codeOf(error: unknown, depth = 0): string | undefined {
  if (typeof error !== "object" || error === null || depth > 4) return undefined;
  const e = error as { code?: unknown; cause?: unknown };
  if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return e.code;
  return e.cause ? codeOf(e.cause, depth + 1) : undefined;
}

/** Class and error names along the cause chain: the SDKs' errors are all named "Error", their classes are not. */
function namesOf(error: unknown, depth = 0): string {
  if (typeof error !== "object" || error === null || depth > 4) return "";
  const e = error as { name?: unknown; constructor?: { name?: unknown }; cause?: unknown };
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  return `${text(e.constructor?.name)} ${text(e.name)} ${namesOf(e.cause, depth + 1)}`;
}

export function kindOfStatus(status: number): ProviderErrorKind {
  if (status === 408) return "timeout";
  if (status === 429) return "rate_limited";
  if (status === 425 || status >= 500) return "server";
  return "client";
}

/**
 * Translates whatever an SDK threw into a ProviderError: an HTTP status, the SDKs' connection and
 * timeout errors (APIConnectionError, APIConnectionTimeoutError, APIUserAbortError: an abort the
 * caller did not ask for is a deadline), or a socket error. `statusKinds` lets a provider say what a
 * status means for it (a transcription's 400 is audio it cannot read). Errors it does not recognise are
 * returned as they are: a bug is not an outage.
 */
export function providerErrorFrom(provider: string, error: unknown, statusKinds: Partial<Record<number, ProviderErrorKind>> = {}): unknown {
  if (error instanceof ProviderError) return error;
  const status = statusOf(error);
  if (status !== undefined) return new ProviderError({ provider, kind: statusKinds[status] ?? kindOfStatus(status), status }, { cause: error });
  const names = namesOf(error);
  if (/Timeout|UserAbort|AbortError/i.test(names)) return new ProviderError({ provider, kind: "timeout" }, { cause: error });
  if (
    codeOf(error) ||
    /Connection|FetchError/i.test(names) ||
    /fetch failed|socket hang up|network|terminated/i.test(String((error as Error | null)?.message ?? ""))
  ) {
    return new ProviderError({ provider, kind: "network" }, { cause: error });
  }
  return error;
}

/** A provider's body stream whose failures (a connection dropped midway) arrive as ProviderErrors too. */
export async function* translatedStream<T>(provider: string, stream: AsyncIterable<T>): AsyncIterable<T> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (error) {
    throw providerErrorFrom(provider, error);
  }
}
