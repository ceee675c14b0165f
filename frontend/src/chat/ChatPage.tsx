import { Fragment, useRef, useState } from "react";
import type { Attachment } from "./attachments";
import { friendlyError } from "../api/http";
import { RoseMark } from "../app/icons";
import type { ChatEntry } from "./chat-state";
import { Composer } from "./Composer";
import { ConversationColumn, ConversationDrawer, ListIcon, useWideScreen } from "./ConversationsPanel";
import { CopyButton, EditMessage, MessageTime } from "./MessageActions";
import { MessageText } from "./MessageText";
import { dayLabel, dayOf } from "./times";
import { useChat } from "./use-chat";
import { useFollowLog } from "./use-follow-log";
import { useSlowNotice } from "./use-slow-notice";

const STARTERS = ["I had a long day.", "Help me slow down for a moment.", "Can I tell you about someone I miss?"];

export function ChatPage() {
  const { state, streaming, sessionId, changes, send, stop, retry, retryReply, regenerate, editLast, startOver, switchTo, leaveDeleted, reloadHistory } =
    useChat();
  const [startOverError, setStartOverError] = useState<string | null>(null);
  const wide = useWideScreen();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const conversations = { currentId: sessionId, changes, onSelect: switchTo, onCurrentDeleted: leaveDeleted };
  const log = useRef<HTMLDivElement>(null);
  const { onScroll, follow } = useFollowLog(log, state.entries);
  const sendAndFollow = (text: string, pictures: Attachment[] = []) => {
    follow();
    void send(text, pictures);
  };

  const newConversation = async () => {
    setStartOverError(null);
    try {
      await startOver();
    } catch (error) {
      setStartOverError(friendlyError(error));
    }
  };

  const empty = !state.loading && state.entries.length === 0;
  const writing = state.entries.find((e) => e.state === "streaming");
  const slow = useSlowNotice(writing !== undefined, writing?.text.length);
  // Only the conversation's last reply can be tried again in place (the server replaces only the last exchange).
  const last = state.entries.at(-1);
  // Regenerate and edit replace the last exchange (the person's last message and Rose's reply to it).
  const lastAsked = state.entries.at(-2);
  const canRedo = !streaming && !state.loading && last?.role === "assistant" && lastAsked?.role === "user" && lastAsked.state === "settled";
  const backToComposer = () => document.getElementById("message")?.focus();
  let previousDay: string | null = null;

  return (
    <div className="chat-layout">
      {wide && <ConversationColumn {...conversations} />}
      <section className="page chat-page" aria-labelledby="chat-title">
        <div className="chat-toolbar">
          {!wide && (
            <button
              type="button"
              className="button quiet conversations-button"
              onClick={() => setDrawerOpen(true)}
              aria-haspopup="dialog"
              aria-expanded={drawerOpen}
            >
              <ListIcon />
              <span className="conversations-button-text">Conversations</span>
            </button>
          )}
          <h1 id="chat-title" className="page-title">
            Write to Rose
          </h1>
          <button type="button" className="button quiet new-conversation-button" onClick={newConversation} disabled={streaming}>
            New<span className="new-conversation-word"> conversation</span>
          </button>
        </div>
        {startOverError && (
          <p className="banner banner-error" role="alert">
            {startOverError}
          </p>
        )}
        {state.loadError && (
          <div className="banner banner-error" role="alert">
            <span>Rose couldn't bring back your earlier conversation. {state.loadError}</span>
            <button type="button" className="button small" onClick={() => void reloadHistory()}>
              Try again
            </button>
          </div>
        )}

        <div ref={log} className="chat-log" role="log" aria-label="Your conversation with Rose" tabIndex={0} onScroll={onScroll}>
          {state.loading && <p className="chat-loading">Bringing back your conversation…</p>}
          {empty && (
            <div className="chat-empty">
              <RoseMark className="chat-empty-mark" />
              <p className="chat-empty-title">Hello, I'm Rose.</p>
              <p className="chat-empty-text">Write whatever is on your mind. There's no hurry, and nothing is too small.</p>
              <ul className="starters" aria-label="Ways to begin">
                {STARTERS.map((starter) => (
                  <li key={starter}>
                    <button type="button" className="starter" onClick={() => sendAndFollow(starter)}>
                      {starter}
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {state.entries.map((entry, i) => {
            // A day separator where the day changes (messages without a time, from before times were kept, have none).
            const day = dayOf(entry.createdAt);
            const newDay = day !== null && day !== previousDay;
            if (day !== null) previousDay = day;
            return (
              <Fragment key={entry.key}>
                {newDay && entry.createdAt && (
                  <h2 className="day-separator">
                    <span>{dayLabel(entry.createdAt)}</span>
                  </h2>
                )}
                <ChatBubble
                  entry={entry}
                  onRetry={
                    entry.role === "user"
                      ? () => {
                          follow(); // the retried message moves to the end, where its answer will appear
                          void retry(entry.key, entry.text, entry.redo);
                        }
                      : entry === last && !streaming
                        ? () => {
                            follow();
                            void retryReply(entry.key, state.entries[i - 1]?.text ?? "");
                          }
                        : undefined
                  }
                  onRegenerate={
                    canRedo && entry === last && entry.state !== "failed"
                      ? () => {
                          follow();
                          backToComposer();
                          void regenerate(lastAsked.text);
                        }
                      : undefined
                  }
                  onEdit={
                    canRedo && entry === lastAsked
                      ? (text) => {
                          follow();
                          backToComposer();
                          void editLast(text);
                        }
                      : undefined
                  }
                />
              </Fragment>
            );
          })}
        </div>
        {slow && (
          <p className="slow-notice" role="status">
            This is taking longer than usual. You can keep waiting, or stop and try again.
          </p>
        )}

        {/* Not while the saved conversation is still coming back: a new message would land before it. */}
        <Composer onSend={sendAndFollow} busy={streaming || state.loading} onStop={streaming ? stop : undefined} />
      </section>
      {!wide && <ConversationDrawer open={drawerOpen} onClose={() => setDrawerOpen(false)} {...conversations} />}
    </div>
  );
}

interface BubbleProps {
  entry: ChatEntry;
  onRetry: (() => void) | undefined;
  /** Rose's last reply: answer the same message again, replacing this reply. */
  onRegenerate?: (() => void) | undefined;
  /** The person's last message: send it again with new words, replacing the last exchange. */
  onEdit?: ((text: string) => void) | undefined;
}

/** A message's pictures; each opens full size in a new tab. */
function MessagePictures({ sources, rose }: { sources: string[]; rose: boolean }) {
  return (
    <div className="bubble-pictures">
      {sources.map((src, i) => (
        <a key={src} href={src} target="_blank" rel="noreferrer" className="bubble-picture">
          <img src={src} alt={rose ? "A picture Rose made for you" : `Picture ${i + 1} you shared`} loading="lazy" />
        </a>
      ))}
    </div>
  );
}

function ChatBubble({ entry, onRetry, onRegenerate, onEdit }: BubbleProps) {
  const rose = entry.role === "assistant";
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const isEditing = editing && onEdit !== undefined;
  const cancelEdit = () => {
    setEditing(false);
    // Back where the person was, once the button is in the page again.
    requestAnimationFrame(() => editButton.current?.focus());
  };
  const writing = entry.state === "streaming";
  return (
    <article className={`bubble-row ${rose ? "from-rose" : "from-you"}`} aria-label={rose ? "Rose" : "You"} data-state={entry.state}>
      {rose && <RoseMark className="bubble-avatar" />}
      <div className="bubble-stack">
        {isEditing ? (
          <EditMessage
            text={entry.text}
            onCancel={cancelEdit}
            onSend={(text) => {
              setEditing(false);
              onEdit(text);
            }}
          />
        ) : (
          <div className={`bubble ${entry.state === "failed" ? "bubble-failed" : ""}`} aria-busy={writing}>
            {writing && entry.text === "" ? (
              <span className="typing" role="status">
                <span className="visually-hidden">Rose is writing…</span>
                <span className="typing-dot" aria-hidden="true" />
                <span className="typing-dot" aria-hidden="true" />
                <span className="typing-dot" aria-hidden="true" />
              </span>
            ) : (
              <>
                {entry.images && <MessagePictures sources={entry.images} rose={rose} />}
                {entry.text.trim() && <MessageText text={entry.text} />}
              </>
            )}
          </div>
        )}
        {entry.imagesUnseen && <p className="bubble-note">Rose can't see pictures yet, so she answered your words.</p>}
        {entry.state === "failed" && (
          // A failed reply of Rose's is her apology for a model that was down: said so, not passed off as an answer.
          <div className="bubble-error" role="alert">
            <span>{rose ? "Rose couldn't answer this time." : `Rose couldn't answer this. ${entry.error ?? ""}`}</span>
            {onRetry && (
              <button type="button" className="button small" onClick={onRetry}>
                Try again
              </button>
            )}
          </div>
        )}
        {entry.state === "stopped" && <p className="bubble-note">Stopped</p>}
        {!writing && !isEditing && (
          <div className="message-actions">
            {entry.createdAt && <MessageTime at={entry.createdAt} />}
            {entry.text.trim() && <CopyButton text={entry.text} />}
            {onRegenerate && (
              <button type="button" className="message-action" onClick={onRegenerate}>
                Regenerate
              </button>
            )}
            {onEdit && (
              <button type="button" ref={editButton} className="message-action" onClick={() => setEditing(true)}>
                Edit
              </button>
            )}
          </div>
        )}
      </div>
    </article>
  );
}
