import { type BaseMessage, HumanMessage, isHumanMessage, SystemMessage } from "@langchain/core/messages";
import type { Logger } from "../core/logger.js";
import type { StreamOptions as ModelStreamOptions } from "../modules/llm/chat-provider.js";
import type { CallOptions, LanguageModel } from "../modules/llm/language-model.js";
import type { Pictures } from "../modules/images/pictures.js";
import { textOf } from "./messages.js";
import { IMAGE_NOTE } from "./nodes/context-injection.js";

/**
 * Pictures in a turn, for the generate node: which model answers, what the prompt says about pictures,
 * and the picture Rose drew. Bytes are read from the store for this one model call and dropped; the
 * thread keeps ids only (`additional_kwargs.images`).
 */

const DRAWN_NOTE =
  "The person asked for a picture and you made one: it is attached to this reply. Say a few warm words about it, in character, without describing it at length.";
const UNSEEN_NOTE =
  "The person attached a picture, but you cannot see pictures yet. Say so kindly in a sentence (no technical words), then answer what they wrote.";

/** The picture ids a saved message carries. */
export function imageIdsOf(message: BaseMessage): string[] {
  const ids: unknown = message.additional_kwargs?.images;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
}

/** Older pictures stay in the prompt as a short note, so a long conversation's prompt stays small. */
export function withPicturePlaceholders(messages: BaseMessage[]): BaseMessage[] {
  return messages.map((m) => {
    const count = imageIdsOf(m).length;
    if (count === 0 || !isHumanMessage(m)) return m;
    const note = count === 1 ? "[The person shared a picture here.]" : `[The person shared ${count} pictures here.]`;
    return new HumanMessage({ content: `${textOf(m)}\n${note}`.trim(), ...(m.id ? { id: m.id } : {}) });
  });
}

type StreamOptions = CallOptions & ModelStreamOptions & { onToken: (text: string) => void };

export interface TurnPictures {
  /**
   * Streams the reply: from the vision model when the turn carries pictures it can see; should it fail
   * before a word, from the chat model on the words alone (and `seen` turns false), so an outage of the
   * vision model costs the person the pictures, not the answer.
   */
  stream(prompt: BaseMessage[], options: StreamOptions): Promise<string>;
  /** The newest message as the model receives it (text and image content parts), or null to send it as text. */
  asked: HumanMessage | null;
  /** Appended to the system prompt (picture notes), with the words-only note dropped when Rose drew. */
  system: (prompt: string) => string;
  /** Ids of the picture(s) Rose made for this reply. */
  drawn: string[];
  /** False when the person's pictures could not be shown to any model. */
  seen: boolean;
}

export async function preparePictures(args: {
  pictures: Pictures | undefined;
  llm: { chat: LanguageModel; vision?: LanguageModel | null };
  logger: Logger;
  userId: string;
  sessionId: string;
  text: string;
  imageIds: readonly string[];
  drawRequested: boolean;
  signal: AbortSignal | undefined;
}): Promise<TurnPictures> {
  const { pictures, llm } = args;
  const plain: TurnPictures = { stream: (prompt, options) => llm.chat.stream(prompt, options), asked: null, system: (p) => p, drawn: [], seen: true };
  if (!pictures) return plain;
  if (args.imageIds.length > 0) {
    const vision = llm.vision ?? null;
    if (!vision) return { ...plain, system: (p) => `${p}\n\n${UNSEEN_NOTE}`, seen: false };
    const inline = await pictures.inline(args.userId, args.imageIds);
    // The shape OpenAI and Groq accept for vision: text and image_url parts in one user message.
    const content = [{ type: "text" as const, text: args.text }, ...inline.map((image) => ({ type: "image_url" as const, image_url: { url: image.dataUrl } }))];
    const turn: TurnPictures = {
      ...plain,
      asked: new HumanMessage({ content }),
      seen: inline.length > 0,
      async stream(prompt, options) {
        let streamed = false;
        try {
          return await vision.stream(prompt, { ...options, onToken: (text) => ((streamed = true), options.onToken(text)) });
        } catch (error) {
          if (streamed || options.signal?.aborted) throw error;
          args.logger.warn("vision model failed; answering the words without the pictures", { error: (error as Error).message });
          turn.seen = false;
          // The same prompt, with the newest message as plain text and the note that she cannot see it.
          const [system, ...rest] = prompt;
          const words = [new SystemMessage(`${textOf(system!)}\n\n${UNSEEN_NOTE}`), ...rest.slice(0, -1), new HumanMessage(args.text)];
          return llm.chat.stream(words, options);
        }
      },
    };
    return turn;
  }
  if (args.drawRequested && pictures.canDraw) {
    const id = await pictures.draw(args.userId, args.sessionId, args.text, args.signal);
    if (id) return { ...plain, drawn: [id], system: (p) => `${p.replace(`\n\n${IMAGE_NOTE}`, "")}\n\n${DRAWN_NOTE}` };
  }
  return plain;
}
