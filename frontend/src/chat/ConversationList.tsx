import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { type Conversation, conversationLabel, MAX_TITLE_CHARS } from "../api/conversations-api";
import { dayLabel } from "./times";

export interface ConversationListProps {
  conversations: Conversation[];
  currentId: string | null;
  loading: boolean;
  error: string | null;
  /** Said to screen readers after a rename or delete. */
  announcement: string;
  hasMore: boolean;
  onSelect: (id: string) => void;
  /** Resolves to null when renamed, else what went wrong. */
  onRename: (id: string, title: string) => Promise<string | null>;
  /** Resolves to null when deleted, else what went wrong. */
  onDelete: (id: string) => Promise<string | null>;
  onLoadMore: () => void;
  onRetry: () => void;
}

/** The person's conversations, newest first: open one, rename it, delete it (after a confirmation). */
export function ConversationList(props: ConversationListProps) {
  const { conversations, currentId, loading, error, announcement, hasMore } = props;
  return (
    <div className="conversation-list">
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      {error && (
        <div className="banner banner-error" role="alert">
          <span>Your conversations couldn't be listed. {error}</span>
          <button type="button" className="button small" onClick={props.onRetry}>
            Try again
          </button>
        </div>
      )}
      {loading && conversations.length === 0 && <p className="conversation-quiet">Finding your conversations…</p>}
      {!loading && !error && conversations.length === 0 && <p className="conversation-quiet">Your conversations will be listed here.</p>}
      <ul className="conversation-items" aria-label="Your conversations, newest first">
        {conversations.map((c) => (
          <ConversationItem
            key={c.id}
            conversation={c}
            current={c.id === currentId}
            onSelect={() => props.onSelect(c.id)}
            onRename={(title) => props.onRename(c.id, title)}
            onDelete={() => props.onDelete(c.id)}
          />
        ))}
      </ul>
      {hasMore && (
        <button type="button" className="button small quiet conversation-more" onClick={props.onLoadMore}>
          Show older conversations
        </button>
      )}
    </div>
  );
}

interface ItemProps {
  conversation: Conversation;
  current: boolean;
  onSelect: () => void;
  onRename: (title: string) => Promise<string | null>;
  onDelete: () => Promise<string | null>;
}

function ConversationItem({ conversation, current, onSelect, onRename, onDelete }: ItemProps) {
  const [mode, setMode] = useState<"idle" | "renaming" | "confirming">("idle");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const renameButton = useRef<HTMLButtonElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const titleInput = useRef<HTMLInputElement>(null);
  const keepButton = useRef<HTMLButtonElement>(null);
  const ids = useId();
  const label = conversationLabel(conversation);

  useEffect(() => {
    if (mode === "renaming") {
      titleInput.current?.focus();
      titleInput.current?.select();
    }
    // The safe choice gets focus: a stray Enter keeps the conversation.
    if (mode === "confirming") keepButton.current?.focus();
  }, [mode]);

  const backTo = (button: React.RefObject<HTMLButtonElement | null>) => {
    setMode("idle");
    setProblem(null);
    requestAnimationFrame(() => button.current?.focus());
  };

  const saveTitle = async (event: FormEvent) => {
    event.preventDefault();
    const title = titleInput.current?.value.trim() ?? "";
    if (!title) {
      setProblem("A title needs at least one letter.");
      return;
    }
    setBusy(true);
    const failed = await onRename(title);
    setBusy(false);
    if (failed) setProblem(failed);
    else backTo(renameButton);
  };

  const confirmDelete = async () => {
    setBusy(true);
    const failed = await onDelete();
    setBusy(false);
    if (failed) setProblem(failed); // deleted: the item leaves the list, and the list takes focus back
  };

  const escape = (event: React.KeyboardEvent, button: React.RefObject<HTMLButtonElement | null>) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    event.stopPropagation(); // Escape closes this, not the drawer around it
    backTo(button);
  };

  return (
    <li className={`conversation ${current ? "is-current" : ""}`}>
      {mode === "renaming" ? (
        <form className="conversation-rename" onSubmit={(e) => void saveTitle(e)} onKeyDown={(e) => escape(e, renameButton)}>
          <label htmlFor={`${ids}-title`} className="visually-hidden">
            New title for {label}
          </label>
          <input
            id={`${ids}-title`}
            ref={titleInput}
            className="conversation-title-input"
            defaultValue={conversation.title ?? ""}
            placeholder={label}
            maxLength={MAX_TITLE_CHARS}
            autoComplete="off"
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? `${ids}-problem` : undefined}
          />
          <div className="conversation-confirm-actions">
            <button type="submit" className="button small" disabled={busy}>
              Save
            </button>
            <button type="button" className="button small quiet" onClick={() => backTo(renameButton)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <button type="button" className="conversation-open" aria-current={current ? "true" : undefined} onClick={onSelect}>
            <span className="conversation-title">{label}</span>
            <span className="conversation-meta">
              {dayLabel(conversation.updated_at)}
              {conversation.message_count > 0 && ` · ${conversation.message_count === 1 ? "1 message" : `${conversation.message_count} messages`}`}
            </span>
            {conversation.title && conversation.preview && <span className="conversation-preview">{conversation.preview}</span>}
          </button>
          {mode === "idle" && (
            <div className="conversation-actions">
              <button type="button" ref={renameButton} className="conversation-action" aria-label={`Rename ${label}`} onClick={() => setMode("renaming")}>
                Rename
              </button>
              <button
                type="button"
                ref={deleteButton}
                className="conversation-action danger-text"
                aria-label={`Delete ${label}`}
                onClick={() => setMode("confirming")}
              >
                Delete
              </button>
            </div>
          )}
        </>
      )}
      {mode === "confirming" && (
        <div className="conversation-confirm" role="group" aria-labelledby={`${ids}-confirm`} onKeyDown={(e) => escape(e, deleteButton)}>
          <p id={`${ids}-confirm`}>Delete “{label}”? Its messages will be gone for good; what Rose remembers about you stays.</p>
          <div className="conversation-confirm-actions">
            <button type="button" className="button small danger" onClick={() => void confirmDelete()} disabled={busy}>
              Delete it
            </button>
            <button type="button" ref={keepButton} className="button small quiet" onClick={() => backTo(deleteButton)}>
              Keep it
            </button>
          </div>
        </div>
      )}
      {problem && (
        <p id={`${ids}-problem`} className="conversation-problem" role="alert">
          {problem}
        </p>
      )}
    </li>
  );
}
