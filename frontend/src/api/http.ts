import { readSse } from "./sse";

/**
 * The one way the app talks to Rose's API. Same origin, so the identity cookie rides along by itself;
 * every failure becomes an ApiError carrying the server's `{error: {code, message, request_id}}`.
 */

export const API = "/api/v1";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ApiError";
  }

  get isNetwork(): boolean {
    return this.status === 0;
  }
}

interface ErrorEnvelope {
  error?: { code?: string; message?: string; request_id?: string; details?: Record<string, unknown> };
}

/** An error event's data or a JSON error response, as an ApiError. */
export function apiErrorFrom(status: number, body: unknown): ApiError {
  const inner = (body as ErrorEnvelope | null)?.error ?? (body as ErrorEnvelope["error"]);
  return new ApiError(status, inner?.code ?? "http_error", inner?.message ?? `Rose answered with status ${status}`, inner?.request_id, inner?.details);
}

async function errorOf(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: a proxy's error page, say; the status is all there is
  }
  return apiErrorFrom(response.status, body);
}

/** Fired when the signed-in session could not be renewed: the account layer shows the person signed out. */
export const SESSION_ENDED_EVENT = "rose:session-ended";

let renewing: Promise<boolean> | null = null;

/**
 * Renews the access token with the refresh cookie, once for however many requests found it expired at
 * the same time. Two renewals racing would present one refresh token twice, which the server takes for
 * a stolen token and ends the session: so one per page, and across tabs one at a time (a Web Lock), the
 * later one sending the cookie the earlier one just received.
 */
export function renewSession(): Promise<boolean> {
  renewing ??= renewOnce().finally(() => {
    renewing = null;
  });
  return renewing;
}

async function renewOnce(): Promise<boolean> {
  const refresh = async () => (await fetch(`${API}/auth/refresh`, { method: "POST", credentials: "same-origin" })).ok;
  try {
    const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
    const ok = locks ? await locks.request("rose-session-renewal", refresh) : await refresh();
    if (!ok) window.dispatchEvent(new Event(SESSION_ENDED_EVENT));
    return ok;
  } catch {
    return false; // offline: the request that needed it reports the network error itself
  }
}

async function isExpiredToken(response: Response): Promise<boolean> {
  if (response.status !== 401) return false;
  try {
    return ((await response.clone().json()) as ErrorEnvelope).error?.code === "invalid_token";
  } catch {
    return false;
  }
}

/** A request that meets an expired access token renews it and goes again, once. */
async function send(path: string, init: RequestInit): Promise<Response> {
  const response = await sendOnce(path, init);
  if (path === "/auth/refresh" || !(await isExpiredToken(response)) || !(await renewSession())) return response;
  return sendOnce(path, init);
}

/**
 * Settles when the page's first request has been answered. On a first visit the person has no identity
 * cookie yet, and every request that reaches the server without one is given a new identity: several
 * first requests sent at once would each get their own, and whichever cookie the browser stored last
 * would win, leaving the page holding a conversation that belongs to another identity. So the first
 * request goes alone and the others wait for its answer, whose cookie they then carry. Afterwards
 * requests go out in parallel as usual; the wait costs one round trip once per page load.
 */
let firstAnswered: Promise<void> | null = null;

async function sendOnce(path: string, init: RequestInit): Promise<Response> {
  let answered: (() => void) | undefined;
  if (firstAnswered) await firstAnswered;
  else firstAnswered = new Promise<void>((resolve) => (answered = resolve));
  try {
    return await fetch(`${API}${path}`, { credentials: "same-origin", ...init });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, "network", "Rose can't be reached right now.");
  } finally {
    answered?.();
  }
}

/** A JSON request; resolves to the parsed body (undefined for 204), throws ApiError otherwise. */
export async function requestJson<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const response = await send(path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...(signal ? { signal } : {}),
  });
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export interface StreamEvent {
  event: string;
  data: unknown;
}

/**
 * POSTs and yields the Server-Sent Events of the answer. Refusals that come before the stream opens
 * (validation, unknown session, rate limit) arrive as ordinary JSON errors and are thrown as such.
 */
export async function* postForEvents(path: string, body: BodyInit, headers: Record<string, string>, signal?: AbortSignal): AsyncGenerator<StreamEvent> {
  const response = await send(path, { method: "POST", body, headers: { accept: "text/event-stream", ...headers }, ...(signal ? { signal } : {}) });
  if (!response.ok) throw await errorOf(response);
  if (!response.body || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
    throw new ApiError(response.status, "unexpected_response", "Rose answered in a way this page does not understand.");
  }
  try {
    for await (const message of readSse(response.body, signal)) {
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        continue; // every event Rose sends is JSON; anything else is noise from a proxy
      }
      yield { event: message.event, data };
    }
  } catch (error) {
    if ((error as Error).name === "AbortError" || signal?.aborted) throw error;
    throw new ApiError(0, "network", "The connection to Rose was lost.");
  }
}

/** The user's time zone, so Rose's sense of "this evening" matches theirs. */
export function localTimezone(): string | undefined {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || undefined;
  } catch {
    return undefined;
  }
}

/** What to tell a person when something failed: kind, short, and actionable. */
export function friendlyError(error: unknown): string {
  if (!(error instanceof ApiError)) return "Something went wrong on this page. Please try again.";
  if (error.isNetwork) return `${error.message} Check your connection, then try again.`;
  if (error.status === 429) return "That was a lot in a short time. Take a breath, then try again in a moment.";
  if (error.status >= 500 && error.code === "internal_error") return "Rose stumbled over that one. Please try again.";
  return error.message;
}
