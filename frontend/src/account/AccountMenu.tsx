import { AnimatePresence } from "framer-motion";
import { type ComponentType, type KeyboardEvent, useEffect, useRef, useState } from "react";
import { friendlyError } from "../api/http";
import { downloadExport, isPasskeyCancel } from "./account-api";
import { ChangePasswordDialog, DeleteAccountDialog } from "./AccountDialogs";
import { AuthDialog } from "./AuthDialog";
import type { AuthMode } from "./AuthForm";
import { ChangeEmailDialog, PasskeysDialog } from "./SignInMethodsDialogs";
import { useAccount } from "./use-account";

type Open = "none" | "menu" | "passkeys" | "email" | "password" | "delete" | "api_keys";

/**
 * The header's account control: "Sign in" for an anonymous visitor, the account's email with its menu
 * once signed in. `ApiKeysDialog` is the API-keys dialog (frontend/src/account/ApiKeysDialog.tsx); its
 * menu item appears as soon as it is passed in.
 */
export function AccountMenu({ ApiKeysDialog }: { ApiKeysDialog?: ComponentType<{ open: boolean; onClose: () => void }> }) {
  const { state, signOut } = useAccount();
  const [open, setOpen] = useState<Open>("none");
  const [auth, setAuth] = useState<AuthMode | null>(null);
  const [notice, setNotice] = useState("");
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLUListElement>(null);

  useEffect(() => {
    if (open !== "menu") return;
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const away = (event: MouseEvent) => {
      if (!menu.current?.contains(event.target as Node) && !button.current?.contains(event.target as Node)) setOpen("none");
    };
    document.addEventListener("mousedown", away);
    return () => document.removeEventListener("mousedown", away);
  }, [open]);

  if (state.status === "loading") return null;
  if (state.status === "anonymous") {
    return (
      <>
        {/* Without an account, keys belong to this browser's anonymous identity (where accounts are optional). */}
        {ApiKeysDialog && !state.accountsRequired && (
          <>
            <button type="button" className="memories-button api-keys-button" onClick={() => setOpen("api_keys")} aria-haspopup="dialog">
              <span>API keys</span>
            </button>
            <ApiKeysDialog open={open === "api_keys"} onClose={() => setOpen("none")} />
          </>
        )}
        <button type="button" className="account-button" onClick={() => setAuth("sign_in")} aria-haspopup="dialog">
          Sign in
        </button>
        <AuthDialog open={auth !== null} mode={auth ?? "sign_in"} onClose={() => setAuth(null)} />
      </>
    );
  }

  const { account } = state;
  const closeMenu = (focusButton = true) => {
    setOpen("none");
    if (focusButton) button.current?.focus();
  };
  const act = (work: () => Promise<void>) => {
    closeMenu();
    setNotice("");
    void work().catch((error: unknown) => {
      if (!isPasskeyCancel(error)) setNotice(friendlyError(error));
    });
  };

  const onMenuKey = (event: KeyboardEvent<HTMLUListElement>) => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const index = items.indexOf(document.activeElement as HTMLElement);
    if (event.key === "Escape" || event.key === "Tab") {
      if (event.key === "Escape") event.preventDefault();
      closeMenu(event.key === "Escape");
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      items[(index + step + items.length) % items.length]?.focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      (event.key === "Home" ? items[0] : items[items.length - 1])?.focus();
    }
  };

  return (
    <div className="account">
      <button
        ref={button}
        type="button"
        className="account-button"
        aria-haspopup="menu"
        aria-expanded={open === "menu"}
        aria-controls="account-menu"
        onClick={() => setOpen(open === "menu" ? "none" : "menu")}
      >
        <span className="account-email">{account.email ?? "Your account"}</span>
      </button>
      {open === "menu" && (
        <ul id="account-menu" ref={menu} className="account-menu" role="menu" aria-label="Your account" onKeyDown={onMenuKey}>
          <MenuItem onSelect={() => setOpen("passkeys")}>Passkeys</MenuItem>
          <MenuItem onSelect={() => setOpen("email")}>{account.email ? "Change email" : "Add an email"}</MenuItem>
          <MenuItem onSelect={() => setOpen("password")}>{account.has_password ? "Change password" : "Set a password"}</MenuItem>
          {ApiKeysDialog && <MenuItem onSelect={() => setOpen("api_keys")}>API keys</MenuItem>}
          <MenuItem onSelect={() => act(downloadExport)}>Export my data</MenuItem>
          <MenuItem onSelect={() => act(() => signOut())}>Sign out</MenuItem>
          <MenuItem onSelect={() => act(() => signOut(true))}>Sign out everywhere</MenuItem>
          <MenuItem danger onSelect={() => setOpen("delete")}>
            Delete my account
          </MenuItem>
        </ul>
      )}
      <p className="account-notice" role="status" aria-live="polite">
        {notice}
      </p>
      <AnimatePresence>
        {open === "passkeys" && <PasskeysDialog key="passkeys" account={account} onClose={() => setOpen("none")} />}
        {open === "email" && <ChangeEmailDialog key="email" account={account} onClose={() => setOpen("none")} />}
        {open === "password" && <ChangePasswordDialog key="password" account={account} onClose={() => setOpen("none")} />}
        {open === "delete" && <DeleteAccountDialog key="delete" onClose={() => setOpen("none")} />}
      </AnimatePresence>
      {ApiKeysDialog && <ApiKeysDialog open={open === "api_keys"} onClose={() => setOpen("none")} />}
    </div>
  );
}

function MenuItem({ children, onSelect, danger }: { children: React.ReactNode; onSelect: () => void; danger?: boolean }) {
  return (
    <li role="none">
      <button type="button" role="menuitem" tabIndex={-1} className={danger ? "account-menu-item danger" : "account-menu-item"} onClick={onSelect}>
        {children}
      </button>
    </li>
  );
}
