import { type FormEvent, useId, useRef, useState } from "react";
import { friendlyError } from "../api/http";
import { type Account, changePassword, deleteAccount } from "./account-api";
import { SmallDialog } from "./ConfirmDialog";
import { useAccount } from "./use-account";

/**
 * A dialog's form that changes the account: busy while the change runs, the server's message when it is
 * refused, and closed once the account has been read again.
 */
export function useAccountChange(change: () => Promise<unknown>, onClose: () => void) {
  const { reload } = useAccount();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await change();
      await reload();
      onClose();
    } catch (caught) {
      setError(friendlyError(caught));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

/** Change (or, for a passkey-only account, set) the password; every other device is signed out by the server. */
export function ChangePasswordDialog({ account, onClose }: { account: Account; onClose: () => void }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const { busy, error, submit } = useAccountChange(() => changePassword(account.has_password ? current : undefined, next), onClose);
  const first = useRef<HTMLInputElement>(null);
  const id = useId();

  return (
    <SmallDialog title={account.has_password ? "Change your password" : "Set a password"} titleId={`${id}-title`} onClose={onClose} initialFocus={first}>
      <form className="auth-fields" onSubmit={(e) => void submit(e)}>
        {account.has_password && (
          <>
            <label htmlFor={`${id}-current`}>Current password</label>
            <input
              ref={first}
              id={`${id}-current`}
              type="password"
              autoComplete="current-password"
              required
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
          </>
        )}
        <label htmlFor={`${id}-new`}>New password</label>
        <input
          ref={account.has_password ? undefined : first}
          id={`${id}-new`}
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          maxLength={256}
          aria-describedby={`${id}-hint`}
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
        <p id={`${id}-hint`} className="auth-hint">
          At least 10 characters. Your other devices will be signed out.
        </p>
        {error && (
          <p className="banner banner-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button quiet" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button" disabled={busy}>
            Save password
          </button>
        </div>
      </form>
    </SmallDialog>
  );
}

/** Deleting is for good: the safe choice (keep) has focus, and the dialog says plainly what goes. */
export function DeleteAccountDialog({ onClose }: { onClose: () => void }) {
  const { forgotten } = useAccount();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const keep = useRef<HTMLButtonElement>(null);
  const id = useId();

  const erase = async () => {
    setBusy(true);
    setError(null);
    try {
      await deleteAccount();
      onClose();
      await forgotten();
    } catch (caught) {
      setError(friendlyError(caught));
      setBusy(false);
    }
  };

  return (
    <SmallDialog title="Delete your account?" titleId={`${id}-title`} onClose={onClose} initialFocus={keep}>
      <p className="auth-about">
        This erases your account and everything Rose keeps for you: every conversation, every memory, your settings and sign-ins. It can't be undone. You can
        export your data first.
      </p>
      {error && (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button ref={keep} type="button" className="button quiet" onClick={onClose}>
          Keep my account
        </button>
        <button type="button" className="button danger" onClick={() => void erase()} disabled={busy}>
          Delete everything
        </button>
      </div>
    </SmallDialog>
  );
}
