import { useCallback, useEffect, useState } from "react";
import { type CompanionView, fetchCompanion } from "../api/companion-api";
import { CompanionPanel } from "./CompanionPanel";

/** The topbar's way into the companion settings, with a quiet sign of her mood (her feeling, in a word). */
export function CompanionButton() {
  const [open, setOpen] = useState(false);
  const [view, setView] = useState<CompanionView | null>(null);
  const refresh = useCallback(() => {
    fetchCompanion().then(setView, () => setView(null));
  }, []);
  useEffect(refresh, [refresh]);

  return (
    <>
      <button
        type="button"
        className="memories-button companion-button"
        onClick={() => setOpen(true)}
        aria-haspopup="dialog"
        title={view ? `${view.character.name} feels ${view.mood.feeling}` : undefined}
      >
        <span>{view?.character.name ?? "Companion"}</span>
        {view && <span className="companion-button-mood">· {view.mood.feeling}</span>}
      </button>
      <CompanionPanel
        open={open}
        onClose={() => {
          setOpen(false);
          refresh();
        }}
        onChanged={refresh}
      />
    </>
  );
}
