import { useId, useRef, useState } from "react";
import { friendlyError } from "../api/http";
import { type Account, changeEmail, isPasskeyCancel, passkeysSupported, registerPasskey, removePasskey } from "./account-api";
import { useAccountChange } from "./AccountDialogs";
import { SmallDialog } from "./ConfirmDialog";
import { useAccount } from "./use-account";

const day = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const when = (iso: string) => day.format(new Date(iso));

/**
 * The account's passkeys: when each was added and last used, one to add, any to remove. The server keeps
 * the last way into an account without a password (409), and its message says what to do instead.
 */
export function PasskeysDialog({ account, onClose }: { account: Account; onClose: () => void }) {
  const { reload } = useAccount();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState("");
  const close = useRef<HTMLButtonElement>(null);
  const id = useId();

  const run = async (what: string, work: () => Promise<unknown>, done: string) => {
    setBusy(what);
    setError(null);
    setNotice("");
    try {
      await work();
      await reload();
      setNotice(done);
    } catch (caught) {
      if (!isPasskeyCancel(caught)) setError(friendlyError(caught));
    } finally {
      setBusy(null);
    }
  };

  return (
    <SmallDialog title="Passkeys" titleId={`${id}-title`} onClose={onClose} initialFocus={close}>
      <p className="auth-about">A passkey lets you sign in with this device's screen lock or a security key, without a password.</p>
      {account.passkeys.length === 0 ? (
        <p className="auth-hint">You have no passkeys yet.</p>
      ) : (
        <ul className="passkey-list" aria-label="Your passkeys">
          {account.passkeys.map((passkey) => (
            <li key={passkey.id} className="passkey-row">
              <span className="passkey-name">{passkey.name}</span>
              <span className="passkey-dates">
                Added {when(passkey.created_at)}
                {passkey.last_used_at ? ` · last used ${when(passkey.last_used_at)}` : " · not used yet"}
              </span>
              <button
                type="button"
                className="button quiet"
                aria-label={`Remove ${passkey.name}`}
                disabled={busy !== null}
                onClick={() => void run(passkey.id, () => removePasskey(passkey.id), `${passkey.name} removed.`)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      )}
      <p className="auth-hint" role="status" aria-live="polite">
        {notice}
      </p>
      <div className="dialog-actions">
        <button ref={close} type="button" className="button quiet" onClick={onClose}>
          Done
        </button>
        {passkeysSupported() && (
          <button
            type="button"
            className="button"
            disabled={busy !== null}
            onClick={() => void run("add", () => registerPasskey(), "Passkey added. You can sign in with it next time.")}
          >
            Add a passkey
          </button>
        )}
      </div>
    </SmallDialog>
  );
}

/** A new email to sign in with; the current password confirms it when the account has one. */
export function ChangeEmailDialog({ account, onClose }: { account: Account; onClose: () => void }) {
  const [email, setEmail] = useState(account.email ?? "");
  const [password, setPassword] = useState("");
  const { busy, error, submit } = useAccountChange(() => changeEmail(email, account.has_password ? password : undefined), onClose);
  const first = useRef<HTMLInputElement>(null);
  const id = useId();

  return (
    <SmallDialog title={account.email ? "Change your email" : "Add an email"} titleId={`${id}-title`} onClose={onClose} initialFocus={first}>
      <form className="auth-fields" onSubmit={(e) => void submit(e)}>
        <label htmlFor={`${id}-email`}>Email</label>
        <input
          ref={first}
          id={`${id}-email`}
          type="email"
          autoComplete="email"
          required
          maxLength={254}
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        {account.has_password && (
          <>
            <label htmlFor={`${id}-password`}>Current password</label>
            <input
              id={`${id}-password`}
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </>
        )}
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
            Save email
          </button>
        </div>
      </form>
    </SmallDialog>
  );
}
