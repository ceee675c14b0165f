// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { useRef, useState } from "react";
import { afterEach, expect, it, vi } from "vitest";
import { useDialogFocus } from "./use-dialog-focus";

afterEach(cleanup);

/** A dialog whose Escape means one thing while it asks a question and another once it has been answered. */
function Asking({ onClose, answer }: { onClose: () => void; answer: (settle: () => void) => void }) {
  const [asking, setAsking] = useState(true);
  const dialog = useRef<HTMLDivElement>(null);
  useDialogFocus(dialog, dialog, () => (asking ? setAsking(false) : onClose()));
  return (
    <div ref={dialog} role="dialog" aria-label="Asking" tabIndex={-1}>
      {asking ? (
        <button type="button" onClick={() => answer(() => setAsking(false))}>
          Yes
        </button>
      ) : (
        <p>Answered</p>
      )}
    </div>
  );
}

it("acts on the dialog as it is on screen when Escape comes right after a render", async () => {
  const onClose = vi.fn();
  let settle = () => {};
  render(<Asking onClose={onClose} answer={(s) => (settle = s)} />);
  screen.getByRole("button", { name: "Yes" }).click();

  // The answer arrives outside any event (as a fetch's would), so React commits it in one task and runs its
  // passive effects in a later one. The key press is sent the moment the answer is on screen, in between.
  const pressed = new Promise<void>((resolve) => {
    const observer = new MutationObserver(() => {
      if (!screen.queryByText("Answered")) return;
      observer.disconnect();
      document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
      resolve();
    });
    observer.observe(document.body, { childList: true, subtree: true });
  });
  setTimeout(settle, 0);
  await pressed;

  expect(onClose).toHaveBeenCalledTimes(1);
});
