import { AnimatePresence, m } from "framer-motion";
import { useEffect, useRef, useState } from "react";
import { SidePanel } from "../app/SidePanel";
import { CloseIcon, SearchIcon } from "../app/icons";
import { friendlyError } from "../api/http";
import { memoriesExportUrl, type Memory, memoryHistory, type MemoryHistory } from "../api/memories-api";
import { useDialogFocus } from "./use-dialog-focus";
import { useMemories } from "./use-memories";

const TYPE_LABELS: Record<string, string> = {
  fact: "About you",
  preference: "Likes",
  feeling: "Feelings",
  goal: "Hopes",
  person: "People",
  event: "Moments",
};

/** Waits for typing to pause before searching, so every keystroke is not a request. */
function useSettled<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

function rememberedOn(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const sameYear = date.getFullYear() === new Date().getFullYear();
  return date.toLocaleDateString(undefined, { day: "numeric", month: "short", ...(sameYear ? {} : { year: "numeric" }) });
}

/** "What Rose remembers": reachable from every page; a side sheet on wide screens, a full sheet on phones. */
export function MemoryPanel({ open, onClose }: { open: boolean; onClose: () => void }) {
  return <AnimatePresence>{open && <MemoryDialog key="memories" onClose={onClose} />}</AnimatePresence>;
}

function MemoryDialog({ onClose }: { onClose: () => void }) {
  const [query, setQuery] = useState("");
  const [confirming, setConfirming] = useState(false);
  const settledQuery = useSettled(query, 250);
  const memories = useMemories(settledQuery);
  const dialog = useRef<HTMLDivElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const keepButton = useRef<HTMLButtonElement>(null);
  const forgetAllButton = useRef<HTMLButtonElement>(null);

  useDialogFocus(dialog, search, () => (confirming ? setConfirming(false) : onClose()));

  useEffect(() => {
    // The safe choice gets focus: a stray Enter keeps the memories.
    if (confirming) keepButton.current?.focus();
  }, [confirming]);

  const cancelConfirm = () => {
    setConfirming(false);
    requestAnimationFrame(() => forgetAllButton.current?.focus());
  };

  const forgetEverything = async () => {
    if (await memories.forgetEverything()) setConfirming(false);
    search.current?.focus();
  };

  const searching = settledQuery.trim() !== "";
  const empty = !memories.loading && !memories.loadError && memories.memories.length === 0;

  return (
    <SidePanel panelRef={dialog} className="memory-panel" labelledBy="memories-title" describedBy="memories-about" onClose={onClose}>
      {/* Not <header>/<footer>: outside <main> they would be a second page banner and content info. */}
      <div className="panel-header">
        <div>
          <h2 id="memories-title">What Rose remembers</h2>
          <p id="memories-about" className="panel-about">
            Things you've shared that Rose keeps, so she can know you better. You decide what stays.
          </p>
        </div>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close what Rose remembers">
          <CloseIcon />
        </button>
      </div>

      <div className="search">
        <SearchIcon className="search-icon" />
        <label htmlFor="memory-search" className="visually-hidden">
          Search what Rose remembers
        </label>
        <input
          id="memory-search"
          ref={search}
          type="search"
          placeholder="Search her memories"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          autoComplete="off"
        />
      </div>

      <p className="visually-hidden" role="status">
        {memories.announcement}
      </p>
      {memories.undoable && (
        <div className="banner undo-banner" role="group" aria-label="Forgotten">
          <span>Forgotten: "{memories.undoable.text}"</span>
          <button type="button" className="button small" onClick={() => void memories.undoForget()}>
            Undo
          </button>
        </div>
      )}
      {memories.actionError && (
        <p className="banner banner-error" role="alert">
          {memories.actionError}
        </p>
      )}

      <div className="memory-body" aria-busy={memories.loading}>
        {memories.loading && memories.memories.length === 0 && <p className="panel-quiet">Gathering her memories…</p>}
        {memories.loadError && (
          <div className="banner banner-error" role="alert">
            <span>Rose's memories couldn't be opened. {memories.loadError}</span>
            <button type="button" className="button small" onClick={() => void memories.reload()}>
              Try again
            </button>
          </div>
        )}
        {empty &&
          (searching ? (
            <p className="panel-quiet">Nothing Rose remembers matches "{settledQuery.trim()}".</p>
          ) : (
            <div className="memory-empty">
              <p className="memory-empty-title">Nothing yet</p>
              <p>As you talk, Rose will keep the things that matter to you here: the people in your life, what you love, what you're hoping for.</p>
            </div>
          ))}
        <ul className="memory-list" aria-label={searching ? "Matching memories" : "Memories"}>
          <AnimatePresence initial={false}>
            {memories.memories.map((memory) => (
              <MemoryItem key={memory.id} memory={memory} onForget={() => void memories.forget(memory)} onEdit={(changes) => memories.edit(memory, changes)} />
            ))}
          </AnimatePresence>
        </ul>
      </div>

      <div className="panel-footer">
        {confirming ? (
          <div className="confirm" role="group" aria-labelledby="confirm-text">
            <p id="confirm-text">
              Forget all {memories.total === 1 ? "1 memory" : `${memories.total} memories`}? Rose won't be able to recall any of them, and this can't be undone.
            </p>
            <div className="confirm-actions">
              <button type="button" className="button danger" onClick={() => void forgetEverything()}>
                Yes, forget everything
              </button>
              <button type="button" ref={keepButton} className="button quiet" onClick={cancelConfirm}>
                Keep them
              </button>
            </div>
          </div>
        ) : (
          <div className="footer-row">
            <p className="memory-count">{memories.total === 1 ? "1 memory" : `${memories.total} memories`}</p>
            <a className="text-link" href={memoriesExportUrl} download="rose-memories.jsonl">
              Save a copy
            </a>
            <button
              type="button"
              ref={forgetAllButton}
              className="button small quiet danger-text"
              onClick={() => setConfirming(true)}
              disabled={memories.total === 0 || searching}
            >
              Forget everything
            </button>
          </div>
        )}
      </div>
    </SidePanel>
  );
}

/** The people, pets and places a memory mentions, as the person would say them ("Marguerite, sister"). */
function MemoryPeople({ memory }: { memory: Memory }) {
  const entities = (memory.entities ?? []).filter((e) => e.kind !== "name" || (memory.entities ?? []).length <= 3);
  if (entities.length === 0) return null;
  return (
    <ul className="memory-people" aria-label="Mentions">
      {entities.map((e) => (
        <li key={`${e.name}|${e.relation ?? ""}|${e.of ?? ""}`} className={`person-chip person-${e.kind}`}>
          {e.name}
          {e.relation && <span className="person-relation">{e.of ? `, ${e.of}'s ${e.relation}` : `, ${e.relation}`}</span>}
        </li>
      ))}
    </ul>
  );
}

/** What a memory replaced and what replaced it, loaded when asked for. */
function MemoryHistoryList({ memory }: { memory: Memory }) {
  const [history, setHistory] = useState<MemoryHistory | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    memoryHistory(memory.id, controller.signal)
      .then(setHistory)
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setError(friendlyError(e));
      });
    return () => controller.abort();
  }, [memory.id]);
  if (error) return <p className="memory-history-quiet">The history couldn't be opened. {error}</p>;
  if (!history) return <p className="memory-history-quiet">Looking back…</p>;
  const entries = [...history.earlier, history.memory, ...history.later];
  return (
    <ol className="memory-history" aria-label="History of this memory">
      {entries.map((entry) => (
        <li key={entry.id} aria-current={entry.id === memory.id ? "true" : undefined}>
          <span className="memory-history-text">{entry.text}</span>{" "}
          <span className="memory-history-when">{entry.superseded_at ? `until ${rememberedOn(entry.superseded_at)}` : "true now"}</span>
        </li>
      ))}
    </ol>
  );
}

function MemoryItem({
  memory,
  onForget,
  onEdit,
}: {
  memory: Memory;
  onForget: () => void;
  onEdit: (changes: { text?: string; type?: string }) => Promise<boolean>;
}) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(memory.text);
  const [type, setType] = useState(memory.type);
  const [showHistory, setShowHistory] = useState(false);
  const [saving, setSaving] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const hasHistory = Boolean(memory.supersedes || memory.superseded_by);
  const happened = memory.occurred_at && memory.occurred_at !== memory.created_at ? memory.occurred_at : null;

  const startEditing = () => {
    setText(memory.text);
    setType(memory.type);
    setEditing(true);
  };
  // Focus goes back to "Edit" once the form has given way to it: after the commit that shows the button,
  // not a frame later (a slow render could still be showing the form then, and focus fell to the page).
  const returnFocus = useRef(false);
  const stopEditing = () => {
    returnFocus.current = true;
    setEditing(false);
  };
  useEffect(() => {
    if (editing || !returnFocus.current) return;
    returnFocus.current = false;
    editButton.current?.focus();
  }, [editing]);
  const save = async (event: React.FormEvent) => {
    event.preventDefault();
    const changes = { ...(text.trim() !== memory.text ? { text: text.trim() } : {}), ...(type !== memory.type ? { type } : {}) };
    if (Object.keys(changes).length === 0) return stopEditing();
    setSaving(true);
    const saved = await onEdit(changes);
    setSaving(false);
    if (saved) stopEditing();
  };

  return (
    <m.li
      className={`memory${memory.superseded_by ? " memory-earlier" : ""}`}
      initial={{ opacity: 0, y: 6 }}
      animate={{ opacity: 1, y: 0 }}
      exit={{ opacity: 0, height: 0, marginBottom: 0, paddingTop: 0, paddingBottom: 0 }}
      transition={{ duration: 0.25 }}
    >
      {editing ? (
        <form className="memory-edit" onSubmit={(e) => void save(e)} aria-label="Edit this memory">
          <label className="visually-hidden" htmlFor={`memory-text-${memory.id}`}>
            What Rose remembers
          </label>
          <textarea
            id={`memory-text-${memory.id}`}
            value={text}
            maxLength={1000}
            rows={3}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                e.stopPropagation();
                stopEditing();
              }
            }}
            autoFocus
          />
          <div className="memory-edit-row">
            <label htmlFor={`memory-type-${memory.id}`}>Kind</label>
            <select id={`memory-type-${memory.id}`} value={type} onChange={(e) => setType(e.target.value)}>
              {Object.entries(TYPE_LABELS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
            <button type="submit" className="button small" disabled={saving || text.trim() === ""}>
              Save
            </button>
            <button type="button" className="button small quiet" onClick={stopEditing}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <p className="memory-text">{memory.text}</p>
      )}
      <MemoryPeople memory={memory} />
      {memory.superseded_by && memory.superseded_at && <p className="memory-earlier-note">No longer true since {rememberedOn(memory.superseded_at)}</p>}
      <div className="memory-meta">
        <span className={`chip chip-${memory.type}`}>{TYPE_LABELS[memory.type] ?? memory.type}</span>
        <time dateTime={memory.created_at}>{rememberedOn(memory.created_at)}</time>
        {happened && <span className="memory-happened">happened {rememberedOn(happened)}</span>}
        <span className="memory-actions">
          {hasHistory && (
            <button type="button" className="button small quiet" aria-expanded={showHistory} onClick={() => setShowHistory((s) => !s)}>
              History
            </button>
          )}
          {!editing && (
            <button type="button" ref={editButton} className="button small quiet edit" onClick={startEditing} aria-label={`Edit: ${memory.text}`}>
              Edit
            </button>
          )}
          <button type="button" className="button small quiet forget" onClick={onForget} aria-label={`Forget: ${memory.text}`}>
            Forget
          </button>
        </span>
      </div>
      {showHistory && <MemoryHistoryList memory={memory} />}
    </m.li>
  );
}
