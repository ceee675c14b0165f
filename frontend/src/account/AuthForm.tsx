import { type FormEvent, type RefObject, useId, useState } from "react";
import { friendlyError } from "../api/http";
import { type Account, isPasskeyCancel, passkeysSupported, register, registerPasskey, signIn, signInWithPasskey } from "./account-api";

export type AuthMode = "sign_in" | "sign_up";

/**
 * Sign in or create an account, with a password or a passkey: the one form behind the dialog and the
 * sign-in screen. `onDone` gets the account and whether it is this browser's own anonymous self (a
 * sign-up keeps the conversation on screen; a sign-in brings the account's instead).
 */
export function AuthForm({
  initialMode = "sign_in",
  onDone,
  firstField,
}: {
  initialMode?: AuthMode;
  onDone: (account: Account, sameIdentity: boolean) => void;
  firstField?: RefObject<HTMLInputElement | null>;
}) {
  const [mode, setMode] = useState<AuthMode>(initialMode);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const signingUp = mode === "sign_up";

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (caught) {
      if (!isPasskeyCancel(caught)) setError(friendlyError(caught));
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const { user } = signingUp ? await register(email, password) : await signIn(email, password);
      onDone(user, signingUp);
    });
  };

  const withPasskey = () =>
    void run(async () => {
      if (signingUp) {
        const account = await registerPasskey();
        if (account) onDone(account, true);
      } else {
        onDone(await signInWithPasskey(), false);
      }
    });

  return (
    <div className="auth-form">
      <div className="auth-modes" role="group" aria-label="Sign in or create an account">
        <button type="button" className="auth-mode" aria-pressed={!signingUp} onClick={() => setMode("sign_in")}>
          Sign in
        </button>
        <button type="button" className="auth-mode" aria-pressed={signingUp} onClick={() => setMode("sign_up")}>
          Create an account
        </button>
      </div>
      <p className="auth-about">
        {signingUp
          ? "Keep what you and Rose have talked about, and find it again on any device. Everything from this browser comes with you."
          : "Welcome back. Your conversations and what Rose remembers will be here."}
      </p>
      <form onSubmit={submit} className="auth-fields" aria-describedby={error ? `${id}-error` : undefined}>
        <label htmlFor={`${id}-email`}>Email</label>
        <input
          ref={firstField}
          id={`${id}-email`}
          type="email"
          name="email"
          autoComplete={signingUp ? "email" : "username webauthn"}
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          type="password"
          name="password"
          autoComplete={signingUp ? "new-password" : "current-password"}
          required
          minLength={signingUp ? 10 : undefined}
          maxLength={256}
          aria-describedby={signingUp ? `${id}-password-hint` : undefined}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {signingUp && (
          <p id={`${id}-password-hint`} className="auth-hint">
            At least 10 characters. A few unrelated words make a good one.
          </p>
        )}
        {error && (
          <p id={`${id}-error`} className="banner banner-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button" disabled={busy}>
          {signingUp ? "Create my account" : "Sign in"}
        </button>
      </form>
      {passkeysSupported() && (
        <>
          <p className="auth-or">
            <span>or</span>
          </p>
          <button type="button" className="button quiet" onClick={withPasskey} disabled={busy}>
            {signingUp ? "Create an account with a passkey" : "Sign in with a passkey"}
          </button>
        </>
      )}
    </div>
  );
}
