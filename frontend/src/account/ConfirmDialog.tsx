import { m } from "framer-motion";
import { type ReactNode, useRef } from "react";
import { useDialogFocus } from "../memories/use-dialog-focus";

/** A small centred modal (change password, delete account): focus held inside, Escape closes, focus returns to the opener. */
export function SmallDialog({
  title,
  titleId,
  onClose,
  initialFocus,
  children,
}: {
  title: string;
  titleId: string;
  onClose: () => void;
  initialFocus?: React.RefObject<HTMLElement | null>;
  children: ReactNode;
}) {
  const dialog = useRef<HTMLDivElement>(null);
  const none = useRef<HTMLElement>(null);
  useDialogFocus(dialog, initialFocus ?? none, onClose);
  return (
    <>
      <m.div className="scrim" onClick={onClose} initial={{ opacity: 0 }} animate={{ opacity: 1 }} exit={{ opacity: 0 }} transition={{ duration: 0.2 }} />
      <m.div
        ref={dialog}
        className="account-dialog small"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
        initial={{ opacity: 0, y: 12 }}
        animate={{ opacity: 1, y: 0 }}
        exit={{ opacity: 0, y: 12 }}
        transition={{ duration: 0.2 }}
      >
        <h2 id={titleId}>{title}</h2>
        {children}
      </m.div>
    </>
  );
}
