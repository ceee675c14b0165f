import { Link } from "../app/router";
import type { MicProblem, VoiceNotice } from "./voice-machine";

export const MIC_HELP: Record<MicProblem, { title: string; text: string }> = {
  denied: {
    title: "Rose can't hear you yet",
    text: "Microphone access is turned off for this page. To talk by voice, allow the microphone in your browser's site settings (the icon beside the address), then tap the circle again.",
  },
  missing: {
    title: "No microphone found",
    text: "Plug in a microphone or headset, or check your sound settings, then tap the circle again.",
  },
  busy: {
    title: "Your microphone is busy",
    text: "Another app seems to be using it. Close that app (a call, a recorder), then tap the circle again.",
  },
  unsupported: {
    title: "Voice isn't available in this browser",
    text: "Talking needs a recent browser and a secure (https) connection to Rose.",
  },
};

/**
 * What went wrong with a turn, said once: the server's messages already speak of Rose ("Rose could not
 * make out your recording…"), and prefixing them with "Rose couldn't answer that." said it twice.
 */
export function turnFailedText(message: string): string {
  return /^rose\b/i.test(message.trim()) ? message : `Rose couldn't answer that. ${message}`;
}

/**
 * A notice under the talk control; every kind can be dismissed. A microphone problem's title is the
 * status line above (see VoicePage), so the notice holds only what to do about it.
 */
export function NoticeBox({ notice, onDismiss }: { notice: VoiceNotice; onDismiss: () => void }) {
  const dismiss = (
    <button type="button" className="button small quiet" onClick={onDismiss}>
      OK
    </button>
  );
  if (notice.kind === "mic") {
    return (
      <div className="notice notice-mic" role="alert">
        <p>{MIC_HELP[notice.problem].text}</p>
        <p>
          You can always <Link href="/chat">write to Rose instead</Link>.
        </p>
        {dismiss}
      </div>
    );
  }
  const text =
    notice.kind === "too-short"
      ? "That was very short. Hold the circle for as long as you're speaking."
      : notice.kind === "words-only"
        ? "Rose's voice isn't available just now, so here are her words."
        : turnFailedText(notice.message);
  return (
    <div className={`notice ${notice.kind === "turn-failed" ? "notice-error" : ""}`} role={notice.kind === "turn-failed" ? "alert" : "status"}>
      <p>{text}</p>
      {dismiss}
    </div>
  );
}
