import { AnimatePresence, m } from "framer-motion";
import { useRef } from "react";
import { CloseIcon } from "../app/icons";
import { useDialogFocus } from "../memories/use-dialog-focus";
import { type AuthMode, AuthForm } from "./AuthForm";
import { useAccount } from "./use-account";

/** Sign in or sign up without leaving the page; closing it leaves the person as they were (anonymous). */
export function AuthDialog({ open, mode, onClose }: { open: boolean; mode: AuthMode; onClose: () => void }) {
  return <AnimatePresence>{open && <Dialog key="auth" mode={mode} onClose={onClose} />}</AnimatePresence>;
}

function Dialog({ mode, onClose }: { mode: AuthMode; onClose: () => void }) {
  const { signedIn } = useAccount();
  const dialog = useRef<HTMLDivElement>(null);
  const first = useRef<HTMLInputElement>(null);
  useDialogFocus(dialog, first, onClose);
  return (
    <>
      <m.div className="scrim" onClick={onClose} initial={{ opacity: 0 }} animate={{ opacity: 1 }} exit={{ opacity: 0 }} transition={{ duration: 0.2 }} />
      <m.div
        ref={dialog}
        className="account-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="auth-title"
        tabIndex={-1}
        initial={{ opacity: 0, y: 12 }}
        animate={{ opacity: 1, y: 0 }}
        exit={{ opacity: 0, y: 12 }}
        transition={{ duration: 0.22, ease: [0.33, 0, 0.2, 1] }}
      >
        <div className="account-dialog-header">
          <h2 id="auth-title">Your Rose account</h2>
          <button type="button" className="icon-button" onClick={onClose} aria-label="Close">
            <CloseIcon />
          </button>
        </div>
        <AuthForm
          initialMode={mode}
          firstField={first}
          onDone={(account, sameIdentity) => {
            signedIn(account, sameIdentity);
            onClose();
          }}
        />
        <button type="button" className="button quiet auth-anonymous" onClick={onClose}>
          Continue without an account
        </button>
      </m.div>
    </>
  );
}
