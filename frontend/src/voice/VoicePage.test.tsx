// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TalkControl } from "./TalkControl";
import type { VoiceConversation } from "./voice-conversation";
import { initialVoiceState } from "./voice-machine";
import { NoticeBox } from "./VoiceNotice";
import { VoicePage } from "./VoicePage";

/** The voice page against a stubbed fetch and microphone: the browser's boundaries. */

const SESSION = "6f1d2c1e-8a51-4f2b-9a0e-3c7d5b9e1a20";
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** A browser that could record, whose person refuses the microphone. */
function refusedMicrophone() {
  // jsdom plays no media: play() resolves, as a browser's does once the person has tapped.
  vi.spyOn(HTMLMediaElement.prototype, "play").mockResolvedValue(undefined);
  vi.spyOn(HTMLMediaElement.prototype, "pause").mockImplementation(() => {});
  vi.stubGlobal("MediaRecorder", class {});
  vi.stubGlobal(
    "AudioContext",
    class {
      resume = async () => {};
      suspend = async () => {};
      close = async () => {};
    },
  );
  Object.defineProperty(navigator, "mediaDevices", {
    configurable: true,
    value: { getUserMedia: vi.fn(async () => Promise.reject(new DOMException("Permission denied", "NotAllowedError"))) },
  });
}

beforeEach(() => localStorage.clear());
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  Reflect.deleteProperty(navigator, "mediaDevices");
});

describe("the voice page", () => {
  it("brings the conversation back after a reload: the last exchange, and all of it folded below", async () => {
    localStorage.setItem("rose.session_id", SESSION);
    const fetchMock = vi.fn(async () =>
      json(200, {
        session_id: SESSION,
        summary: "",
        messages: [
          { role: "user", content: "I had a long day." },
          { role: "assistant", content: "I'm sorry. What weighed on you most?" },
          { role: "user", content: "The commute." },
          { role: "assistant", content: "That sounds **tiring**." },
        ],
      }),
    );
    vi.stubGlobal("fetch", fetchMock);
    render(<VoicePage />);
    await waitFor(() => expect(screen.getByTestId("transcript").textContent).toBe("The commute."));
    expect(screen.getByTestId("reply").textContent).toBe("That sounds **tiring**.");
    expect(fetchMock).toHaveBeenCalledWith(`/api/v1/sessions/${SESSION}/messages`, expect.anything());
    const earlier = screen.getByText("Your conversation so far (4 messages)").closest("details")!;
    expect(
      within(earlier)
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual(["YouI had a long day.", "RoseI'm sorry. What weighed on you most?", "YouThe commute.", "RoseThat sounds tiring."]);
    expect(screen.queryByText(/Hello, I'm Rose/)).toBeNull();
  });

  it("says a refused microphone once, in the status line, and lets its notice be dismissed", async () => {
    refusedMicrophone();
    render(<VoicePage />);
    fireEvent.click(screen.getByRole("button", { name: "Talk to Rose" }));
    const notice = await screen.findByRole("alert");
    expect(notice.textContent).toContain("Microphone access is turned off for this page.");
    const status = document.getElementById("talk-status")!;
    expect(status.textContent).toBe("Rose can't hear you yet");
    expect(document.body.textContent).not.toContain("Speak when you're ready");
    expect(document.body.textContent.split("Rose can't hear you yet")).toHaveLength(2); // said once

    fireEvent.click(within(notice).getByRole("button", { name: "OK" }));
    expect(screen.queryByRole("alert")).toBeNull();
    expect(status.textContent).toContain("Speak when you're ready");
  });

  it("does not say that Rose failed twice when the server's message already says so", () => {
    const message = "Rose could not make out your recording because speech recognition is unavailable right now.";
    render(<NoticeBox notice={{ kind: "turn-failed", message }} onDismiss={() => {}} />);
    expect(screen.getByRole("alert").textContent).toBe(`${message}OK`);
    cleanup();
    render(<NoticeBox notice={{ kind: "turn-failed", message: "Check your connection, then try again." }} onDismiss={() => {}} />);
    expect(screen.getByRole("alert").textContent).toBe("Rose couldn't answer that. Check your connection, then try again.OK");
  });
});

describe("the talk control while listening", () => {
  it("shows the microphone, not a stop square, before the person has spoken", () => {
    const conversation = { gesture: () => {}, onLevel: () => () => {} } as unknown as VoiceConversation;
    render(<TalkControl state={{ ...initialVoiceState({ mode: "tap" }), status: "listening", heard: false }} conversation={conversation} />);
    const control = screen.getByRole("button", { name: "Stop listening" });
    expect(control.querySelector('[data-icon="microphone"]')).not.toBeNull();
    // The stop square is a filled rectangle; the microphone's is an outline.
    expect(control.querySelector('rect[fill="currentColor"]')).toBeNull();
  });
});
