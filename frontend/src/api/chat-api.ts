import { API, ApiError, apiErrorFrom, localTimezone, postForEvents, requestJson } from "./http";

export interface HistoryMessage {
  id?: string;
  role: string;
  content: string;
  /** When the message was saved (ISO 8601); absent on messages saved before times were kept. */
  created_at?: string;
  /** Rose's fallback apology: her model could not answer (the exchange can be retried in place). */
  failed?: boolean;
  /** A reply the person stopped; `content` is what was written until then. */
  stopped?: boolean;
  /** Ids of the pictures the message carries (the person's, or the one Rose drew). */
  images?: string[];
}

/** Where a stored picture is served (to its owner only). */
export const imageUrl = (id: string) => `${API}/images/${encodeURIComponent(id)}`;

/** A turn that replaces an exchange already in the thread instead of adding one (see streamChat). */
export type Redo = "retry" | "regenerate" | "edit";

export interface ChatDone {
  session_id: string;
  reply: string;
  fallback: boolean;
  stopped?: boolean;
  /** The person's pictures as stored, and Rose's (ids). */
  attached_images?: string[];
  images?: string[];
  /** False when Rose could not see the person's pictures (no vision model). */
  images_seen?: boolean;
}

/** A new conversation; `opener` is what Rose says first when the person comes back after a while (null otherwise). */
export async function startSession(): Promise<{ sessionId: string; opener: string | null }> {
  const timezone = localTimezone();
  const { session_id, opener } = await requestJson<{ session_id: string; opener?: string | null }>(
    "POST",
    "/session/start",
    timezone ? { timezone } : undefined,
  );
  return { sessionId: session_id, opener: opener ?? null };
}

/**
 * What the voice page asks on opening: a new conversation only if Rose has an opener for it (the person
 * came back after a while), with her voice saying it. Null when she has nothing to open with: nothing was
 * created, and the page carries on with the conversation it had.
 */
export async function startSpokenOpener(): Promise<{ sessionId: string; opener: string; audioUrl: string | null } | null> {
  const timezone = localTimezone();
  const answer = await requestJson<{ session_id: string | null; opener?: string | null; opener_audio_url?: string | null }>("POST", "/session/start", {
    ...(timezone ? { timezone } : {}),
    speak_opener: true,
    only_with_opener: true,
  });
  if (!answer?.session_id || !answer.opener) return null;
  return { sessionId: answer.session_id, opener: answer.opener, audioUrl: answer.opener_audio_url ?? null };
}

/** The thread's kept messages, or null when the server does not know the session (any more). */
export async function fetchHistory(sessionId: string, signal?: AbortSignal): Promise<HistoryMessage[] | null> {
  try {
    const { messages } = await requestJson<{ messages: HistoryMessage[] }>("GET", `/sessions/${encodeURIComponent(sessionId)}/messages`, undefined, signal);
    return messages;
  } catch (error) {
    // 404: someone else's or a deleted session; 400: not even a session id (an old or edited value).
    if (error instanceof ApiError && (error.status === 404 || error.status === 400)) return null;
    throw error;
  }
}

/**
 * One streamed chat turn: `onSession` gets the session from the stream's first event (before `done`,
 * which an interrupted reply never sends), `onToken` the reply as it is written; resolves with the
 * whole reply.
 */
export async function streamChat(
  /**
   * `redo`: `retry` replaces a failed exchange; `regenerate` answers the last message again (its `message`
   * is not sent); `edit` replaces the last exchange with `message` and its answer.
   */
  input: { sessionId: string | null; message: string; redo?: Redo | undefined; pictures?: File[] | undefined },
  onToken: (text: string) => void,
  signal?: AbortSignal,
  onSession?: (sessionId: string) => void,
): Promise<ChatDone> {
  const timezone = localTimezone();
  const fields: Record<string, string | boolean> = {
    ...(input.sessionId ? { session_id: input.sessionId } : {}),
    ...(input.redo === "regenerate" || (input.pictures?.length && !input.message) ? {} : { message: input.message }),
    ...(timezone ? { timezone } : {}),
    ...(input.redo ? { [input.redo]: true } : {}),
  };
  const pictures = input.pictures ?? [];
  // With pictures the turn is multipart (the browser sets its boundary); without, JSON as always.
  const [body, headers]: [BodyInit, Record<string, string>] =
    pictures.length > 0 ? [formOf(fields, pictures), {}] : [JSON.stringify(fields), { "content-type": "application/json" }];
  for await (const { event, data } of postForEvents("/chat/stream", body, headers, signal)) {
    if (event === "session") onSession?.((data as { session_id: string }).session_id);
    else if (event === "token") onToken((data as { text: string }).text);
    else if (event === "done") return data as ChatDone;
    else if (event === "error") throw apiErrorFrom(500, data);
  }
  throw new ApiError(0, "network", "The reply was cut off before it finished.");
}

function formOf(fields: Record<string, string | boolean>, pictures: File[]): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, String(value));
  for (const picture of pictures) form.append("images", picture, picture.name || "picture");
  return form;
}

/**
 * Asks the server to stop the reply being written in `sessionId` (it keeps the words so far). Best effort:
 * the reply may have just finished (409), and the page stops listening either way.
 */
export async function stopReply(sessionId: string): Promise<void> {
  try {
    await requestJson("POST", "/chat/stop", { session_id: sessionId });
  } catch {
    // nothing to stop any more, or Rose unreachable: the page has stopped listening regardless
  }
}
