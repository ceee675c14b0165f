// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Conversation } from "../api/conversations-api";
import { ConversationDrawer } from "./ConversationsPanel";

/**
 * The conversation list with its data, against a stubbed fetch (the browser's boundary): what it asks
 * the server, what it shows, and how it is used with a keyboard.
 */

const A = "6f1d2c1e-8a51-4f2b-9a0e-3c7d5b9e1a20";
const B = "0b7c6a52-3c1e-4d7a-9f0b-5e2d1c4a8b91";
const C = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";

const conversation = (id: string, title: string | null, preview: string | null, count: number, updated: string): Conversation => ({
  id,
  title,
  preview,
  message_count: count,
  created_at: "2026-11-01T10:00:00.000Z",
  updated_at: updated,
});

const json = (status: number, body: unknown) =>
  new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

type Route = (url: string, init: RequestInit) => Response | undefined;

/** fetch answered by the first route that knows the request; records every call. */
function stubFetch(...routes: Route[]) {
  const calls: Array<{ url: string; method: string; body: unknown }> = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit = {}) => {
      calls.push({ url, method: init.method ?? "GET", body: typeof init.body === "string" ? JSON.parse(init.body) : undefined });
      for (const route of routes) {
        const answer = route(url, init);
        if (answer) return answer;
      }
      throw new Error(`unexpected fetch ${init.method ?? "GET"} ${url}`);
    }),
  );
  return calls;
}

const listing =
  (sessions: Conversation[], next: string | null = null): Route =>
  (url, init) =>
    (init.method ?? "GET") === "GET" && url.startsWith("/api/v1/sessions") && !url.includes("before=") ? json(200, { sessions, next_cursor: next }) : undefined;

function renderDrawer(props: Partial<Parameters<typeof ConversationDrawer>[0]> = {}) {
  const handlers = { onSelect: vi.fn(), onClose: vi.fn(), onCurrentDeleted: vi.fn() };
  render(<ConversationDrawer open currentId={A} changes={0} {...handlers} {...props} />);
  return handlers;
}

const items = () => within(screen.getByRole("list", { name: /your conversations/i })).getAllByRole("listitem");

beforeEach(() => localStorage.clear());
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("the conversation list", () => {
  it("shows the conversations in the server's order (newest first), titles or previews, and marks the current one", async () => {
    stubFetch(
      listing([
        conversation(B, "Learning the piano again", "Piano is a lovely thing to come back to.", 4, "2026-11-30T09:00:00.000Z"),
        conversation(A, null, "Work was long today.", 2, "2026-11-29T09:00:00.000Z"),
        conversation(C, null, null, 0, "2026-11-28T09:00:00.000Z"),
      ]),
    );
    renderDrawer();
    await waitFor(() => expect(items()).toHaveLength(3));
    const [first, second, third] = items();
    expect(
      within(first!)
        .getByRole("button", { name: /^Learning the piano again/ })
        .getAttribute("aria-current"),
    ).toBeNull();
    expect(first!.textContent).toContain("4 messages");
    const current = within(second!).getByRole("button", { name: /^Work was long today/ });
    expect(current.getAttribute("aria-current")).toBe("true");
    expect(third!.textContent).toContain("Empty conversation");
    expect(screen.getAllByRole("button", { current: true })).toHaveLength(1);
  });

  it("is a modal drawer: focus moves in, Escape closes it, choosing a conversation opens it and closes the drawer", async () => {
    stubFetch(listing([conversation(B, "Rainy days", null, 2, "2026-11-30T09:00:00.000Z")]));
    const { onSelect, onClose } = renderDrawer();
    const dialog = screen.getByRole("dialog", { name: "Conversations" });
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Close conversations" }));
    fireEvent.click(await screen.findByRole("button", { name: /^Rainy days/ }));
    expect(onSelect).toHaveBeenCalledWith(B);
    expect(onClose).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(document, { key: "Escape" });
    expect(onClose).toHaveBeenCalledTimes(2);
  });

  it("renames with the keyboard: Enter saves the trimmed title, Escape cancels and gives focus back", async () => {
    const calls = stubFetch(listing([conversation(B, "Old title", null, 2, "2026-11-30T09:00:00.000Z")]), (url, init) =>
      init.method === "PATCH" ? json(200, { ...conversation(B, "Sea and sky", null, 2, "2026-11-30T09:00:00.000Z") }) : undefined,
    );
    const { onClose } = renderDrawer();
    const rename = await screen.findByRole("button", { name: "Rename Old title" });

    fireEvent.click(rename);
    const input = screen.getByLabelText<HTMLInputElement>("New title for Old title");
    expect(document.activeElement).toBe(input);
    expect(input.maxLength).toBe(80);
    fireEvent.keyDown(input, { key: "Escape" });
    expect(onClose).not.toHaveBeenCalled(); // Escape leaves the rename, not the drawer
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Rename Old title" })));
    expect(calls.filter((c) => c.method === "PATCH")).toHaveLength(0);

    fireEvent.click(screen.getByRole("button", { name: "Rename Old title" }));
    const again = screen.getByLabelText("New title for Old title");
    fireEvent.change(again, { target: { value: "  Sea and sky " } });
    fireEvent.submit(again.closest("form")!);
    await screen.findByRole("button", { name: /^Sea and sky/ });
    expect(calls.find((c) => c.method === "PATCH")).toMatchObject({ url: `/api/v1/sessions/${B}`, body: { title: "Sea and sky" } });
    expect(screen.getByRole("status").textContent).toBe("Renamed to Sea and sky");
  });

  it("says why a rename was refused and keeps the old title", async () => {
    stubFetch(listing([conversation(B, "Old title", null, 2, "2026-11-30T09:00:00.000Z")]), (_url, init) =>
      init.method === "PATCH" ? json(400, { error: { code: "bad_request", message: "title: must be at most 80 characters", request_id: "r" } }) : undefined,
    );
    renderDrawer();
    fireEvent.click(await screen.findByRole("button", { name: "Rename Old title" }));
    const input = screen.getByLabelText("New title for Old title");
    fireEvent.change(input, { target: { value: "Something else" } });
    fireEvent.submit(input.closest("form")!);
    expect((await screen.findByRole("alert")).textContent).toContain("must be at most 80 characters");
    expect(input.getAttribute("aria-invalid")).toBe("true");
  });

  it("deletes only after a confirmation whose safe choice has focus, and tells the page when the current conversation went", async () => {
    const calls = stubFetch(
      listing([conversation(A, "Current one", null, 2, "2026-11-30T09:00:00.000Z"), conversation(B, "Other one", null, 2, "2026-11-29T09:00:00.000Z")]),
      (_url, init) => (init.method === "DELETE" ? json(204, null) : undefined),
    );
    const { onCurrentDeleted } = renderDrawer();
    fireEvent.click(await screen.findByRole("button", { name: "Delete Other one" }));
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Keep it" }));
    fireEvent.click(screen.getByRole("button", { name: "Keep it" }));
    expect(calls.filter((c) => c.method === "DELETE")).toHaveLength(0);
    expect(items()).toHaveLength(2);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Delete Other one" })));

    fireEvent.click(screen.getByRole("button", { name: "Delete Current one" }));
    expect(screen.getByRole("group").textContent).toContain("Delete “Current one”?");
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Delete it" })));
    await waitFor(() => expect(items()).toHaveLength(1));
    expect(calls.find((c) => c.method === "DELETE")?.url).toBe(`/api/v1/sessions/${A}`);
    expect(onCurrentDeleted).toHaveBeenCalledTimes(1);
    expect(screen.getByRole("status").textContent).toBe("Conversation deleted");
    await waitFor(() => expect(document.activeElement?.className).toBe("conversations-body"));
  });

  it("loads older conversations from the next cursor", async () => {
    const calls = stubFetch(listing([conversation(A, "Newest", null, 2, "2026-11-30T09:00:00.000Z")], "CURSOR-1"), (url) =>
      url.includes("before=CURSOR-1") ? json(200, { sessions: [conversation(B, "Older", null, 2, "2026-11-01T09:00:00.000Z")], next_cursor: null }) : undefined,
    );
    renderDrawer();
    fireEvent.click(await screen.findByRole("button", { name: "Show older conversations" }));
    await waitFor(() => expect(items()).toHaveLength(2));
    expect(items()[1]!.textContent).toContain("Older");
    expect(screen.queryByRole("button", { name: "Show older conversations" })).toBeNull();
    expect(calls.map((c) => c.url)).toEqual(["/api/v1/sessions", "/api/v1/sessions?before=CURSOR-1"]);
  });

  it("looks again after a reply, so the title Rose finds appears", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let named = false;
    const calls = stubFetch((url, init) =>
      (init.method ?? "GET") === "GET" && url === "/api/v1/sessions"
        ? json(200, { sessions: [conversation(A, named ? "Bees in summer" : null, "Tell me about bees", 2, "2026-11-30T09:00:00.000Z")], next_cursor: null })
        : undefined,
    );
    const props = { onSelect: vi.fn(), onClose: vi.fn(), onCurrentDeleted: vi.fn(), currentId: A, open: true };
    const { rerender } = render(<ConversationDrawer {...props} changes={0} />);
    await screen.findByRole("button", { name: /^Tell me about bees/ });
    named = true;
    rerender(<ConversationDrawer {...props} changes={1} />);
    await act(async () => void (await vi.advanceTimersByTimeAsync(5000)));
    await screen.findByRole("button", { name: /^Bees in summer/ });
    expect(calls.length).toBeGreaterThanOrEqual(3);
  });
});
