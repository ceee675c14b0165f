// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TalkControl } from "./TalkControl";
import type { VoiceConversation } from "./voice-conversation";
import { initialVoiceState, type VoiceEvent } from "./voice-machine";

/** The talk control in push-to-talk mode, with a conversation that only records the gestures it gets. */
function holdControl() {
  const gestures: VoiceEvent[] = [];
  const conversation = { gesture: (event: VoiceEvent) => gestures.push(event), onLevel: () => () => {} } as unknown as VoiceConversation;
  render(<TalkControl state={initialVoiceState({ mode: "hold" })} conversation={conversation} />);
  return { gestures, button: screen.getByRole("button", { name: "Hold to talk to Rose" }) };
}

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe("the talk control in push-to-talk mode", () => {
  it("lets a screen reader's activation (a bare click) start, then send", () => {
    const { gestures, button } = holdControl();
    fireEvent.click(button, { detail: 0 });
    expect(gestures).toEqual([{ type: "PRESS" }]);
    fireEvent.click(button, { detail: 0 });
    expect(gestures).toMatchObject([{ type: "PRESS" }, { type: "RELEASE", heldMs: expect.any(Number) }]);
  });

  it("does not count a mouse click twice: its pointer down and up already pressed and released", () => {
    const { gestures, button } = holdControl();
    button.setPointerCapture = vi.fn();
    fireEvent.pointerDown(button, { button: 0, pointerId: 1 });
    fireEvent.pointerUp(button, { button: 0, pointerId: 1 });
    fireEvent.click(button, { detail: 1 });
    expect(gestures.map((g) => g.type)).toEqual(["PRESS", "RELEASE"]);
  });
});

describe("Rose's presence around the talk control", () => {
  const conversation = { gesture: () => {}, onLevel: () => () => {}, voiceLevel: () => null } as unknown as VoiceConversation;

  it("shows her speaking while her opener plays, though no turn is under way, and keeps the button's name", () => {
    render(<TalkControl state={{ ...initialVoiceState({ mode: "tap" }), aloud: true }} conversation={conversation} />);
    const talk = document.querySelector(".talk")!;
    expect(talk.getAttribute("data-state")).toBe("speaking");
    expect(talk.getAttribute("data-status")).toBe("idle");
    const button = screen.getByRole("button", { name: "Talk to Rose" });
    expect(button.querySelector('[data-icon="speaking"]')).not.toBeNull();
    // The form is decoration: hidden from assistive technology, the button is the one control.
    expect(talk.querySelector(".presence-form")!.getAttribute("aria-hidden")).toBe("true");
    expect(talk.querySelectorAll(".presence-petal")).toHaveLength(5);
  });

  it("follows a live call when there is one", () => {
    render(<TalkControl state={initialVoiceState({ mode: "tap" })} conversation={conversation} live={{ state: "listening", voiceLevel: () => null }} />);
    expect(document.querySelector(".talk")!.getAttribute("data-state")).toBe("listening");
  });
});
