import { AnimatePresence } from "framer-motion";
import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import { SidePanel } from "../app/SidePanel";
import { CloseIcon } from "../app/icons";
import { type Character, type CompanionView, deleteCharacter, fetchCharacters, fetchCompanion, importCharacter, saveSettings } from "../api/companion-api";
import { friendlyError } from "../api/http";
import { useDialogFocus } from "../memories/use-dialog-focus";

const BOND_WORDS: Record<CompanionView["bond_stage"], string> = {
  new: "getting to know you",
  familiar: "knows you a little",
  close: "close to you",
  deep: "has known you a long time",
};

/** A quiet line about how the companion is: her feeling, and how well she knows the person. */
export function moodLine(view: CompanionView): string {
  return `${view.character.name} feels ${view.mood.feeling} · ${BOND_WORDS[view.bond_stage]}`;
}

/** "Your companion": choose or import a character, her voice and pace, what she calls you, whether she speaks first. */
export function CompanionPanel({ open, onClose, onChanged }: { open: boolean; onClose: () => void; onChanged: () => void }) {
  return <AnimatePresence>{open && <CompanionDialog key="companion" onClose={onClose} onChanged={onChanged} />}</AnimatePresence>;
}

function CompanionDialog({ onClose, onChanged }: { onClose: () => void; onChanged: () => void }) {
  const dialog = useRef<HTMLDivElement>(null);
  const first = useRef<HTMLHeadingElement>(null);
  const [view, setView] = useState<CompanionView | null>(null);
  const [characters, setCharacters] = useState<Character[]>([]);
  const [characterId, setCharacterId] = useState("");
  const [voice, setVoice] = useState("");
  const [rate, setRate] = useState(1);
  const [callMe, setCallMe] = useState("");
  const [opener, setOpener] = useState(true);
  const [status, setStatus] = useState("");
  const [error, setError] = useState<string | null>(null);
  useDialogFocus(dialog, first, onClose);

  const load = useCallback(async () => {
    try {
      const [v, list] = await Promise.all([fetchCompanion(), fetchCharacters()]);
      setView(v);
      setCharacters(list);
      setCharacterId(v.settings.character_id);
      setVoice(v.settings.voice ?? "");
      setRate(v.settings.speaking_rate);
      setCallMe(v.settings.call_me ?? "");
      setOpener(v.settings.opener);
    } catch (e) {
      setError(friendlyError(e));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await saveSettings({ character_id: characterId, voice: voice || null, speaking_rate: rate, call_me: callMe.trim() || null, opener });
      setStatus("Saved.");
      onChanged();
      await load();
    } catch (e) {
      setError(friendlyError(e));
    }
  };

  const upload = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    try {
      const character = await importCharacter(file);
      setStatus(`${character.name} joined your characters.`);
      await load();
      setCharacterId(character.id);
    } catch (e) {
      setError(friendlyError(e));
    }
  };

  const remove = async (character: Character) => {
    setError(null);
    try {
      await deleteCharacter(character.id);
      setStatus(`${character.name} was removed.`);
      onChanged();
      await load();
    } catch (e) {
      setError(friendlyError(e));
    }
  };

  return (
    <SidePanel panelRef={dialog} className="memory-panel companion-panel" labelledBy="companion-title" onClose={onClose}>
      <div className="panel-header">
        <div>
          <h2 id="companion-title" ref={first} tabIndex={-1}>
            Your companion
          </h2>
          {view && <p className="panel-about companion-mood">{moodLine(view)}</p>}
        </div>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close your companion">
          <CloseIcon />
        </button>
      </div>
      <p className="visually-hidden" role="status">
        {status}
      </p>
      {error && (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      )}
      <form className="companion-form" onSubmit={(e) => void save(e)}>
        <fieldset>
          <legend>Who you talk with</legend>
          {characters.map((c) => (
            <div key={c.id} className="companion-character">
              <label>
                <input type="radio" name="character" value={c.id} checked={characterId === c.id} onChange={() => setCharacterId(c.id)} />
                <span className="companion-character-name">{c.name}</span>
                <span className="companion-character-about">{c.description}</span>
              </label>
              {!c.built_in && (
                <button type="button" className="button small quiet" onClick={() => void remove(c)} aria-label={`Remove ${c.name}`}>
                  Remove
                </button>
              )}
            </div>
          ))}
          <label className="companion-import">
            Import a character card (PNG or JSON, Character Card V2/V3)
            <input type="file" accept="image/png,application/json,.json,.png" onChange={(e) => void upload(e.target.files?.[0])} />
          </label>
        </fieldset>
        {view?.voices && (
          <label className="companion-field">
            Voice
            <select value={voice} onChange={(e) => setVoice(e.target.value)}>
              <option value="">The character's own</option>
              {view.voices.available.map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="companion-field">
          Speaking pace: {rate.toFixed(1)}×
          <input type="range" min={0.5} max={2} step={0.1} value={rate} onChange={(e) => setRate(Number(e.target.value))} />
        </label>
        <label className="companion-field">
          What should she call you?
          <input type="text" maxLength={40} value={callMe} onChange={(e) => setCallMe(e.target.value)} placeholder="Your name, or leave blank" />
        </label>
        <label className="companion-check">
          <input type="checkbox" checked={opener} onChange={(e) => setOpener(e.target.checked)} />
          Let her speak first when you come back
        </label>
        <button type="submit" className="button">
          Save
        </button>
      </form>
    </SidePanel>
  );
}
