// @vitest-environment jsdom
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LiveCallSnapshot } from "./live-call";
import { LiveCallView } from "./LiveCallPanel";

afterEach(cleanup);

/** The polite region's lines: what a screen reader would announce as they change. */
function announced(container: HTMLElement): string[] {
  const regions = [...container.querySelectorAll('[aria-live="polite"], [aria-live="assertive"], [role="status"], [role="alert"]')];
  return regions.flatMap((region) => [...region.children].map((child) => child.textContent ?? ""));
}

function view(snapshot: LiveCallSnapshot) {
  const handlers = { onInterrupt: vi.fn(), onEnd: vi.fn() };
  const rendered = render(<LiveCallView snapshot={snapshot} {...handlers} />);
  return { ...rendered, ...handlers, rerenderWith: (next: LiveCallSnapshot) => rendered.rerender(<LiveCallView snapshot={next} {...handlers} />) };
}

describe("the live call view", () => {
  it("shows a partial transcript as tentative and announces nothing of it", () => {
    const { container } = view({ status: "hearing", error: null, lines: [{ who: "you", text: "I had a long", settled: false }] });
    const line = screen.getByText("I had a long").closest("li")!;
    expect(line.className).toContain("partial");
    expect(line.getAttribute("aria-busy")).toBe("true");
    expect(announced(container).join(" ")).not.toContain("I had a long");
    // The transcript itself is not a live region: every token and partial would be read out.
    expect(screen.getByRole("list", { name: "The call so far" }).closest("[aria-live]")).toBeNull();
  });

  it("announces each line once it settles, and a reply cut off as interrupted", () => {
    const you = { who: "you" as const, text: "I had a long day.", settled: true };
    const { container, rerenderWith } = view({ status: "thinking", error: null, lines: [you] });
    expect(announced(container)).toContain("You said: I had a long day.");

    // Rose's reply being written is not announced word by word; the person's line stays the last said.
    rerenderWith({ status: "speaking", error: null, lines: [you, { who: "rose", text: "I'm sorry the", settled: false }] });
    expect(announced(container)).toContain("You said: I had a long day.");
    expect(announced(container).join(" ")).not.toContain("I'm sorry the");

    rerenderWith({ status: "hearing", error: null, lines: [you, { who: "rose", text: "I'm sorry the day", settled: true, interrupted: true }] });
    expect(announced(container)).toContain("Rose, interrupted: I'm sorry the day");
    const line = screen.getByText("I'm sorry the day").closest("li")!;
    expect(line.className).toContain("interrupted");
    expect(within(line).getByText("interrupted")).toBeTruthy();
    expect(line.textContent).toBe("Rose, interrupted: I'm sorry the day");
  });

  it("says the call is on, not each turn's listening and thinking", () => {
    const { container, rerenderWith } = view({ status: "listening", error: null, lines: [] });
    const onCall = announced(container);
    for (const status of ["hearing", "thinking", "speaking", "listening"] as const) {
      rerenderWith({ status, error: null, lines: [] });
      expect(announced(container)).toEqual(onCall);
    }
    rerenderWith({ status: "ended", error: null, lines: [] });
    expect(announced(container)).toEqual(["Call ended."]);
  });

  it("puts the focus on End call when the call opens, and offers Stop Rose only while she speaks", () => {
    const { onEnd, onInterrupt, rerenderWith } = view({ status: "listening", error: null, lines: [] });
    const end = screen.getByRole("button", { name: "End call" });
    expect(document.activeElement).toBe(end);
    expect(screen.queryByRole("button", { name: "Stop Rose" })).toBeNull();
    rerenderWith({ status: "speaking", error: null, lines: [] });
    screen.getByRole("button", { name: "Stop Rose" }).click();
    expect(onInterrupt).toHaveBeenCalledOnce();
    end.click();
    expect(onEnd).toHaveBeenCalledOnce();
  });

  it("says what went wrong in the call, politely", () => {
    const { container } = view({ status: "listening", error: "Too many turns in a minute", lines: [] });
    expect(screen.getByText("Too many turns in a minute", { selector: ".live-call-error" })).toBeTruthy();
    expect(announced(container)).toContain("Too many turns in a minute");
  });
});
