import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { SESSION_ENDED_EVENT } from "../api/http";
import { forgetSessionId } from "../api/session";
import { type Account, fetchIdentity, signOut, signOutEverywhere } from "./account-api";

export type AccountState =
  { status: "loading" } | { status: "anonymous"; accountsRequired: boolean } | { status: "signed_in"; account: Account; accountsRequired: boolean };

interface AccountContextValue {
  state: AccountState;
  /**
   * Bumped whenever the person becomes someone else (signs in, signs out, deletes the account): the
   * pages below remount under it, so nothing of the previous identity's conversation stays on screen.
   */
  identityVersion: number;
  /** After a sign-in or sign-up. `sameIdentity`: this browser's anonymous self became the account (sign-up), its conversation stays. */
  signedIn: (account: Account, sameIdentity: boolean) => void;
  /** The account changed (a passkey or password added): read it again. */
  reload: () => Promise<void>;
  signOut: (everywhere?: boolean) => Promise<void>;
  /** After the account was deleted on the server. */
  forgotten: () => Promise<void>;
}

const AccountContext = createContext<AccountContextValue | null>(null);

export function AccountProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AccountState>({ status: "loading" });
  const [identityVersion, setIdentityVersion] = useState(0);

  const load = useCallback(async () => {
    try {
      const identity = await fetchIdentity();
      setState(identity.account ? { status: "signed_in", ...identity } : { status: "anonymous", accountsRequired: identity.accountsRequired });
    } catch {
      // Rose unreachable: let the pages show their own "can't reach Rose" notices, anonymously.
      setState({ status: "anonymous", accountsRequired: false });
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const becameSomeoneElse = useCallback(async () => {
    forgetSessionId();
    setIdentityVersion((v) => v + 1);
    await load();
  }, [load]);

  useEffect(() => {
    // A session that could not be renewed (signed out everywhere, password changed elsewhere).
    const ended = () => void becameSomeoneElse();
    window.addEventListener(SESSION_ENDED_EVENT, ended);
    return () => window.removeEventListener(SESSION_ENDED_EVENT, ended);
  }, [becameSomeoneElse]);

  const value = useMemo<AccountContextValue>(
    () => ({
      state,
      identityVersion,
      signedIn(account, sameIdentity) {
        if (!sameIdentity) {
          forgetSessionId();
          setIdentityVersion((v) => v + 1);
        }
        setState((previous) => ({ status: "signed_in", account, accountsRequired: previous.status !== "loading" && previous.accountsRequired }));
      },
      reload: load,
      async signOut(everywhere = false) {
        try {
          await (everywhere ? signOutEverywhere() : signOut());
        } finally {
          await becameSomeoneElse();
        }
      },
      forgotten: async () => {
        await signOut().catch(() => undefined);
        await becameSomeoneElse();
      },
    }),
    [state, identityVersion, load, becameSomeoneElse],
  );
  return <AccountContext.Provider value={value}>{children}</AccountContext.Provider>;
}

export function useAccount(): AccountContextValue {
  const value = useContext(AccountContext);
  if (!value) throw new Error("useAccount needs an AccountProvider above it");
  return value;
}
