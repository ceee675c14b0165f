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
