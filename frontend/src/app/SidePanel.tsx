import { m } from "framer-motion";
import type { ReactNode, Ref } from "react";

/**
 * A modal panel sliding in from one side of the screen over a scrim that closes it: the memory panel,
 * the companion and API keys panels (right), the conversation drawer on phones (left). Focus handling
 * stays with the caller (useDialogFocus), which owns the `panelRef` it traps focus in.
 */
export function SidePanel({
  panelRef,
  className,
  labelledBy,
  describedBy,
  from = "right",
  onClose,
  children,
}: {
  panelRef: Ref<HTMLDivElement>;
  className: string;
  labelledBy: string;
  describedBy?: string;
  from?: "left" | "right";
  onClose: () => void;
  children: ReactNode;
}) {
  const offscreen = from === "right" ? "100%" : "-100%";
  return (
    <>
      <m.div className="scrim" onClick={onClose} initial={{ opacity: 0 }} animate={{ opacity: 1 }} exit={{ opacity: 0 }} transition={{ duration: 0.25 }} />
      <m.div
        ref={panelRef}
        className={className}
        role="dialog"
        aria-modal="true"
        aria-labelledby={labelledBy}
        aria-describedby={describedBy}
        tabIndex={-1}
        initial={{ x: offscreen, opacity: 0.6 }}
        animate={{ x: 0, opacity: 1 }}
        exit={{ x: offscreen, opacity: 0.6 }}
        transition={{ type: "spring", stiffness: 260, damping: 32 }}
      >
        {children}
      </m.div>
    </>
  );
}
