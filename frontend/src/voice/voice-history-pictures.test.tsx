// @vitest-environment jsdom
import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { VoicePage } from "./VoicePage";

/** The voice page's transcript names the pictures shared on the chat page (the thread is the same). */

const SESSION = "6f1d2c1e-8a51-4f2b-9a0e-3c7d5b9e1a20";
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

beforeEach(() => localStorage.clear());
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("the voice page's conversation so far", () => {
  it("keeps messages that carried pictures, saying so, including a picture sent without words", async () => {
    localStorage.setItem("rose.session_id", SESSION);
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        json(200, {
          summary: "",
          messages: [
            { role: "user", content: "", images: ["a"] },
            { role: "assistant", content: "What a garden!", images: [] },
            { role: "user", content: "Draw me a fox", images: [] },
            { role: "assistant", content: "Here she is.", images: ["b", "c"] },
          ],
        }),
      ),
    );
    render(<VoicePage />);
    const earlier = (await screen.findByText("Your conversation so far (4 messages)")).closest("details")!;
    await waitFor(() =>
      expect(
        within(earlier)
          .getAllByRole("listitem")
          .map((li) => li.textContent),
      ).toEqual(["YouYou shared a picture", "RoseWhat a garden!", "YouDraw me a fox", "RoseRose made 2 picturesHere she is."]),
    );
  });
});
