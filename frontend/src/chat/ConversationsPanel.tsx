import { AnimatePresence } from "framer-motion";
import { useEffect, useRef, useState } from "react";
import { SidePanel } from "../app/SidePanel";
import { CloseIcon } from "../app/icons";
import { useDialogFocus } from "../memories/use-dialog-focus";
import { ConversationList } from "./ConversationList";
import { useConversations } from "./use-conversations";

/** Lines of a list: the drawer's button (drawn here, like the app's other inline icons). */
export function ListIcon() {
  return (
    <svg
      width="18"
      height="18"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d="M4 6h16M4 12h16M4 18h10" />
    </svg>
  );
}

/** Wide enough for the list beside the chat; narrower screens open it as a drawer from the chat's header. */
const WIDE = "(min-width: 960px)";

export function useWideScreen(): boolean {
  const query = typeof window !== "undefined" && typeof window.matchMedia === "function" ? window.matchMedia(WIDE) : null;
  const [wide, setWide] = useState(query?.matches ?? false);
  useEffect(() => {
    if (!query) return;
    const changed = () => setWide(query.matches);
    query.addEventListener("change", changed);
    return () => query.removeEventListener("change", changed);
  }, [query]);
  return wide;
}

export interface ConversationsProps {
  currentId: string | null;
  /** Changes whenever the list may have changed (a reply saved, a conversation started). */
  changes: number;
  onSelect: (id: string) => void;
  /** The conversation on screen was deleted. */
  onCurrentDeleted: () => void;
}

/** The list with its data: loaded when it is shown (the drawer opened, or the column on a wide screen). */
function Conversations({ currentId, changes, onSelect, onCurrentDeleted }: ConversationsProps) {
  const list = useConversations(changes);
  const region = useRef<HTMLDivElement>(null);
  return (
    <div ref={region} className="conversations-body" tabIndex={-1}>
      <ConversationList
        conversations={list.conversations}
        currentId={currentId}
        loading={list.loading}
        error={list.error}
        announcement={list.announcement}
        hasMore={list.nextCursor !== null}
        onSelect={onSelect}
        onRename={list.rename}
        onDelete={async (id) => {
          const failed = await list.remove(id);
          if (failed) return failed;
          if (id === currentId) onCurrentDeleted();
          region.current?.focus(); // the deleted item and its buttons are gone: focus stays in the list
          return null;
        }}
        onLoadMore={() => void list.loadMore()}
        onRetry={() => void list.reload()}
      />
    </div>
  );
}

/** Beside the chat on a wide screen. */
export function ConversationColumn(props: ConversationsProps) {
  return (
    <nav className="conversations-column" aria-labelledby="conversations-title">
      <h2 id="conversations-title" className="conversations-heading">
        Conversations
      </h2>
      <Conversations {...props} />
    </nav>
  );
}

/** On a phone: a drawer over the chat, opened from its header; choosing a conversation closes it. */
export function ConversationDrawer({ open, onClose, ...props }: ConversationsProps & { open: boolean; onClose: () => void }) {
  return <AnimatePresence>{open && <Drawer key="conversations" onClose={onClose} {...props} />}</AnimatePresence>;
}

function Drawer({ onClose, ...props }: ConversationsProps & { onClose: () => void }) {
  const dialog = useRef<HTMLDivElement>(null);
  const close = useRef<HTMLButtonElement>(null);
  useDialogFocus(dialog, close, onClose);
  return (
    <SidePanel panelRef={dialog} className="conversations-drawer" labelledBy="conversations-drawer-title" from="left" onClose={onClose}>
      <div className="panel-header">
        <h2 id="conversations-drawer-title">Conversations</h2>
        <button type="button" ref={close} className="icon-button" onClick={onClose} aria-label="Close conversations">
          <CloseIcon />
        </button>
      </div>
      <Conversations
        {...props}
        onSelect={(id) => {
          props.onSelect(id);
          onClose();
        }}
      />
    </SidePanel>
  );
}
