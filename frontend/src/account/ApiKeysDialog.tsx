import { AnimatePresence } from "framer-motion";
import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import { SidePanel } from "../app/SidePanel";
import { CloseIcon } from "../app/icons";
import { type ApiKey, type CreatedApiKey, createApiKey, listApiKeys, revokeApiKey } from "../api/api-keys-api";
import { friendlyError } from "../api/http";
import { useDialogFocus } from "../memories/use-dialog-focus";
import "../styles/api-keys.css";

/**
 * "API keys": keys that let other apps (Open WebUI, SillyTavern, a script) talk with Rose as this
 * person through her OpenAI-compatible API. Create one with a name (its secret is shown once, with a
 * copy button), see when each was last used, revoke one after confirming.
 */
export function ApiKeysDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return <AnimatePresence>{open && <KeysDialog key="api-keys" onClose={onClose} />}</AnimatePresence>;
}

function when(iso: string | null): string {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}

function KeysDialog({ onClose }: { onClose: () => void }) {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [copied, setCopied] = useState(false);
  const [confirming, setConfirming] = useState<ApiKey | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const dialog = useRef<HTMLDivElement>(null);
  const nameInput = useRef<HTMLInputElement>(null);
  const keepButton = useRef<HTMLButtonElement>(null);

  useDialogFocus(dialog, nameInput, () => (confirming ? setConfirming(null) : onClose()));

  const load = useCallback(async (signal?: AbortSignal) => {
    setLoadError(null);
    try {
      setKeys(await listApiKeys(signal));
    } catch (error) {
      if ((error as Error).name !== "AbortError") setLoadError(friendlyError(error));
    }
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load]);

  useEffect(() => {
    // The safe choice gets focus: a stray Enter keeps the key.
    if (confirming) keepButton.current?.focus();
  }, [confirming]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim() || creating) return;
    setCreating(true);
    setActionError(null);
    try {
      const key = await createApiKey(name.trim());
      setCreated(key);
      setCopied(false);
      setName("");
      setKeys((current) => [key, ...(current ?? [])]);
      setAnnouncement(`Key "${key.name}" created. Copy it now: it won't be shown again.`);
    } catch (error) {
      setActionError(friendlyError(error));
    } finally {
      setCreating(false);
    }
  };

  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.secret);
      setCopied(true);
      setAnnouncement("Key copied.");
    } catch {
      setActionError("Your browser didn't let this page copy. Select the key and copy it yourself.");
    }
  };

  const revoke = async (key: ApiKey) => {
    setActionError(null);
    try {
      await revokeApiKey(key.id);
      setKeys((current) => (current ?? []).filter((k) => k.id !== key.id));
      if (created?.id === key.id) setCreated(null);
      setAnnouncement(`Key "${key.name}" revoked.`);
    } catch (error) {
      setActionError(friendlyError(error));
    } finally {
      setConfirming(null);
      nameInput.current?.focus();
    }
  };

  const baseUrl = `${window.location.origin}/v1`;

  return (
    <SidePanel panelRef={dialog} className="memory-panel api-keys-panel" labelledBy="api-keys-title" describedBy="api-keys-about" onClose={onClose}>
      <div className="panel-header">
        <div>
          <h2 id="api-keys-title">API keys</h2>
          <p id="api-keys-about" className="panel-about">
            Let other apps talk with Rose as you: Open WebUI, SillyTavern, your own scripts. Give them the address <code>{baseUrl}</code> and a key.
          </p>
        </div>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close API keys">
          <CloseIcon />
        </button>
      </div>

      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      {actionError && (
        <p className="banner banner-error" role="alert">
          {actionError}
        </p>
      )}

      <form className="api-key-create" onSubmit={(e) => void create(e)}>
        <label htmlFor="api-key-name">Name a new key</label>
        <div className="api-key-create-row">
          <input
            id="api-key-name"
            ref={nameInput}
            value={name}
            maxLength={100}
            placeholder="e.g. Open WebUI on my laptop"
            onChange={(e) => setName(e.target.value)}
            autoComplete="off"
          />
          <button type="submit" className="button small" disabled={!name.trim() || creating}>
            Create key
          </button>
        </div>
      </form>

      {created && (
        <div className="api-key-secret" role="group" aria-labelledby="api-key-secret-title">
          <p id="api-key-secret-title">Copy your key for "{created.name}" now. Rose keeps only a fingerprint of it, so it won't be shown again.</p>
          <div className="api-key-create-row">
            <input readOnly value={created.secret} aria-label="Your new API key" onFocus={(e) => e.currentTarget.select()} />
            <button type="button" className="button small" onClick={() => void copy()}>
              {copied ? "Copied" : "Copy"}
            </button>
          </div>
          <button type="button" className="button small quiet" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}

      <div className="memory-body">
        {keys === null && !loadError && <p className="panel-quiet">Looking for your keys…</p>}
        {loadError && (
          <div className="banner banner-error" role="alert">
            <span>Your keys couldn't be opened. {loadError}</span>
            <button type="button" className="button small" onClick={() => void load()}>
              Try again
            </button>
          </div>
        )}
        {keys?.length === 0 && <p className="panel-quiet">No keys yet. Apps you give a key to can talk with Rose as you, until you revoke it.</p>}
        <ul className="memory-list" aria-label="Your API keys">
          {keys?.map((key) => (
            <li key={key.id} className="memory api-key">
              <p className="memory-text">{key.name}</p>
              <div className="memory-meta">
                <span>
                  <code>{key.prefix}…</code> · made {when(key.created_at)} · {key.last_used_at ? `last used ${when(key.last_used_at)}` : "never used"}
                </span>
                {confirming?.id === key.id ? (
                  <span className="confirm-actions" role="group" aria-label={`Revoke ${key.name}?`}>
                    <span>Apps using it will stop working.</span>
                    <button type="button" className="button small danger" onClick={() => void revoke(key)}>
                      Revoke
                    </button>
                    <button type="button" ref={keepButton} className="button small quiet" onClick={() => setConfirming(null)}>
                      Keep
                    </button>
                  </span>
                ) : (
                  <button type="button" className="button small quiet danger-text" onClick={() => setConfirming(key)} aria-label={`Revoke ${key.name}`}>
                    Revoke
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      </div>
    </SidePanel>
  );
}

/**
 * A stand-in way to open the dialog until the account menu lands (it will hold an "API keys" item):
 * rendered from App.tsx's top bar in one line, removed there in one line.
 */
export function ApiKeysLauncher() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="memories-button api-keys-button" onClick={() => setOpen(true)} aria-haspopup="dialog">
        <span>API keys</span>
      </button>
      <ApiKeysDialog open={open} onClose={() => setOpen(false)} />
    </>
  );
}
