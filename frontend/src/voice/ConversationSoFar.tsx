import { MessageText } from "../chat/MessageText";
import type { SpokenMessage } from "./use-voice-history";

/** The whole conversation (spoken and written), folded away under the talk control until asked for. */
export function ConversationSoFar({ messages }: { messages: SpokenMessage[] }) {
  return (
    <details className="voice-history">
      <summary>Your conversation so far ({messages.length === 1 ? "1 message" : `${messages.length} messages`})</summary>
      <ol className="voice-history-list">
        {messages.map((message, i) => (
          <li key={i} className={message.role === "user" ? "voice-history-you" : "voice-history-rose"}>
            <span className="said-label">{message.role === "user" ? "You" : "Rose"}</span>
            {message.pictures && (
              <span className="voice-history-pictures">
                {message.role === "user" ? "You shared" : "Rose made"} {message.pictures === 1 ? "a picture" : `${message.pictures} pictures`}
              </span>
            )}
            {message.content.trim() && <MessageText text={message.content} />}
          </li>
        ))}
      </ol>
    </details>
  );
}
