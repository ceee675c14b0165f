// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ChatPage } from "./ChatPage";

/**
 * The chat page against a stubbed fetch — the browser's boundary. Streamed answers are real
 * ReadableStreams of Server-Sent Events that the test writes into event by event, so what is on the
 * page can be checked between tokens.
 */

const SESSION = "6f1d2c1e-8a51-4f2b-9a0e-3c7d5b9e1a20";

interface FakeStream {
  response: Response;
  send(event: string, data: unknown): Promise<void>;
  close(): Promise<void>;
  /** The connection drops mid-stream, as when the network goes away. */
  fail(): Promise<void>;
  /** The page stopped reading (cancelled the body). */
  readonly cancelled: boolean;
}

function sseStream(): FakeStream {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  // The page stops reading (cancels) once it has its `done` or `error`, as a browser would.
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c), cancel: () => void (cancelled = true) });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8" } }),
    // Each write is followed by a turn of the event loop inside act(), so React renders what arrived.
    send: (event, data) => act(async () => controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`))),
    close: () => act(async () => void (cancelled || controller.close())),
    fail: () => act(async () => controller.error(new TypeError("network error"))),
    get cancelled() {
      return cancelled;
    },
  };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** fetch, answering each call with the next queued response; records what was asked. */
function stubFetch(...responses: Response[]) {
  const calls: Array<{ url: string; method: string; body: unknown }> = [];
  const fetchMock = vi.fn(async (url: string, init: RequestInit = {}) => {
    calls.push({ url, method: init.method ?? "GET", body: typeof init.body === "string" ? JSON.parse(init.body) : init.body });
    const next = responses.shift();
    if (!next) throw new Error(`unexpected fetch ${url}`);
    return next;
  });
  vi.stubGlobal("fetch", fetchMock);
  return calls;
}

const messageBox = () => screen.getByLabelText("Your message to Rose");

function type(text: string) {
  fireEvent.change(messageBox(), { target: { value: text } });
  fireEvent.keyDown(messageBox(), { key: "Enter" });
}

const roseBubbles = () => [...document.querySelectorAll<HTMLElement>(".from-rose")];

beforeEach(() => localStorage.clear());
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("the chat page", () => {
  it("streams Rose's reply in as the tokens arrive, then settles it and keeps the session", async () => {
    const stream = sseStream();
    const calls = stubFetch(stream.response);
    render(<ChatPage />);
    type("Hi Rose, it's been a day.");

    expect(screen.getByText("Hi Rose, it's been a day.")).toBeTruthy();
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]).toMatchObject({ url: "/api/v1/chat/stream", method: "POST", body: { message: "Hi Rose, it's been a day." } });
    expect((messageBox() as HTMLTextAreaElement).value).toBe("");
    // Before the first word: a quiet "writing" indicator, announced to screen readers.
    expect(within(roseBubbles()[0]!).getByRole("status").textContent).toContain("Rose is writing");

    await stream.send("token", { text: "Oh, " });
    // Shown as Markdown, whose paragraphs drop a trailing space.
    expect(roseBubbles()[0]!.querySelector(".bubble")!.textContent).toBe("Oh,");
    expect(roseBubbles()[0]!.querySelector(".bubble")!.getAttribute("aria-busy")).toBe("true");
    await stream.send("token", { text: "I'm glad you came." });
    expect(roseBubbles()[0]!.querySelector(".bubble")!.textContent).toBe("Oh, I'm glad you came.");
    // While she writes, the send button is a Stop button (see the stop tests below).
    expect(screen.getByRole("button", { name: "Stop Rose's reply" })).toHaveProperty("disabled", false);
    expect(screen.queryByRole("button", { name: "Send" })).toBeNull();

    await stream.send("done", { session_id: SESSION, reply: "Oh, I'm glad you came. Tell me about it?", fallback: false });
    await stream.close();
    await waitFor(() => expect(roseBubbles()[0]!.getAttribute("data-state")).toBe("settled"));
    expect(roseBubbles()[0]!.querySelector(".bubble")!.textContent).toBe("Oh, I'm glad you came. Tell me about it?");
    expect(roseBubbles()[0]!.querySelector(".bubble")!.getAttribute("aria-busy")).toBe("false");
    expect(localStorage.getItem("rose.session_id")).toBe(SESSION);
  });

  it("keeps the session the stream names first, even when the reply never finishes", async () => {
    const stream = sseStream();
    stubFetch(stream.response);
    const page = render(<ChatPage />);
    type("Hi Rose.");
    await stream.send("session", { session_id: SESSION });
    await stream.send("token", { text: "Oh, " });
    expect(localStorage.getItem("rose.session_id")).toBe(SESSION);
    // Leaving mid-reply: no `done` ever comes, and the exchange is still in the thread the page reopens.
    page.unmount();
    expect(localStorage.getItem("rose.session_id")).toBe(SESSION);
  });

  it("restores the saved conversation after a reload", async () => {
    localStorage.setItem("rose.session_id", SESSION);
    const calls = stubFetch(
      json(200, {
        session_id: SESSION,
        summary: "",
        messages: [
          { role: "user", content: "My cat is called Miso." },
          { role: "assistant", content: "Miso is a lovely name." },
        ],
      }),
    );
    render(<ChatPage />);
    expect(await screen.findByText("Miso is a lovely name.")).toBeTruthy();
    expect(screen.getByText("My cat is called Miso.")).toBeTruthy();
    expect(calls[0]).toMatchObject({ url: `/api/v1/sessions/${SESSION}/messages`, method: "GET" });
  });

  it("shows Markdown on both sides as formatting, and lets no HTML or script link from the text into the page", async () => {
    localStorage.setItem("rose.session_id", SESSION);
    stubFetch(
      json(200, {
        session_id: SESSION,
        summary: "",
        messages: [
          { role: "user", content: "My sister is **Anna**." },
          {
            role: "assistant",
            content: 'How lovely, **Anna**! Try `tea`:\n\n- one cup\n- two cups\n\n<img src="x" onerror="alert(1)"> [open](javascript:alert(1))',
          },
        ],
      }),
    );
    render(<ChatPage />);
    const rose = await waitFor(() => {
      const bubble = roseBubbles()[0];
      if (!bubble) throw new Error("no reply yet");
      return bubble;
    });
    expect([...document.querySelectorAll(".from-you strong")].map((e) => e.textContent)).toEqual(["Anna"]);
    expect(within(rose).getByText("Anna").tagName).toBe("STRONG");
    expect(within(rose).getByText("tea").tagName).toBe("CODE");
    expect(
      within(rose)
        .getAllByRole("listitem")
        .map((li) => li.textContent),
    ).toEqual(["one cup", "two cups"]);
    expect(rose.textContent).not.toContain("**");
    // Raw HTML never becomes an element, and a javascript: link loses its target.
    expect(document.querySelector("img, [onerror]")).toBeNull();
    const link = within(rose).getByText("open");
    expect(link.getAttribute("href") ?? "").not.toMatch(/javascript/i);
  });

  it("starts fresh when the server no longer knows the saved session", async () => {
    localStorage.setItem("rose.session_id", SESSION);
    stubFetch(json(404, { error: { code: "not_found", message: "Session not found", request_id: "r1" } }));
    render(<ChatPage />);
    expect(await screen.findByText("Hello, I'm Rose.")).toBeTruthy();
    expect(localStorage.getItem("rose.session_id")).toBeNull();
  });

  it("shows a failed reply kindly, and a retry sends the message again", async () => {
    const failing = sseStream();
    const retried = sseStream();
    const calls = stubFetch(failing.response, retried.response);
    render(<ChatPage />);
    type("Are you there?");

    await failing.send("token", { text: "I" });
    await failing.send("error", { code: "internal_error", message: "Rose could not finish this reply; please try again", request_id: "r2" });
    await failing.close();
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Rose couldn't answer this.");
    expect(alert.textContent).toContain("Rose stumbled over that one. Please try again.");
    expect(roseBubbles()).toHaveLength(0); // the half reply is gone, not left dangling

    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]!.body).toMatchObject({ message: "Are you there?" });
    await retried.send("done", { session_id: SESSION, reply: "I'm here.", fallback: false });
    await retried.close();
    await waitFor(() => expect(roseBubbles()[0]?.querySelector(".bubble")?.textContent).toBe("I'm here."));
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows Rose's fallback apology as a failed reply, and Try again replaces it in place", async () => {
    const failing = sseStream();
    const retried = sseStream();
    const calls = stubFetch(failing.response, retried.response);
    render(<ChatPage />);
    type("Do you remember Anna?");
    await failing.send("session", { session_id: SESSION });
    await failing.send("token", { text: "I'm so sorry, my thoughts drifted away." });
    await failing.send("done", { session_id: SESSION, reply: "I'm so sorry, my thoughts drifted away.", fallback: true });
    await failing.close();

    // Not an ordinary answer: marked failed, said so, with a way to try again.
    await waitFor(() => expect(roseBubbles()[0]?.getAttribute("data-state")).toBe("failed"));
    const alert = within(roseBubbles()[0]!).getByRole("alert");
    expect(alert.textContent).toContain("Rose couldn't answer this time.");

    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]).toMatchObject({ url: "/api/v1/chat/stream", body: { session_id: SESSION, message: "Do you remember Anna?", retry: true } });
    await retried.send("done", { session_id: SESSION, reply: "Anna, your sister.", fallback: false });
    await retried.close();
    await waitFor(() => expect(roseBubbles().map((b) => b.getAttribute("data-state"))).toEqual(["settled"]));
    expect(roseBubbles()[0]!.querySelector(".bubble")!.textContent).toBe("Anna, your sister.");
    // The question is on the page once: the retry replaced the failed exchange rather than adding one.
    expect(screen.getAllByText("Do you remember Anna?")).toHaveLength(1);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("restores a failed reply as failed (with Try again) and a stopped one as stopped", async () => {
    localStorage.setItem("rose.session_id", SESSION);
    stubFetch(
      json(200, {
        session_id: SESSION,
        summary: "",
        messages: [
          { id: "u1", role: "user", content: "Tell me a story." },
          { id: "a1", role: "assistant", content: "Once upon a", stopped: true },
          { id: "u2", role: "user", content: "Are you there?" },
          { id: "a2", role: "assistant", content: "I'm so sorry, my thoughts drifted away.", failed: true },
        ],
      }),
    );
    render(<ChatPage />);
    await waitFor(() => expect(roseBubbles()).toHaveLength(2));
    expect(roseBubbles().map((b) => b.getAttribute("data-state"))).toEqual(["stopped", "failed"]);
    expect(within(roseBubbles()[0]!).getByText("Stopped")).toBeTruthy();
    expect(within(roseBubbles()[1]!).getByRole("button", { name: "Try again" })).toBeTruthy();
  });

  it("stops a pending reply: asks the server to stop, keeps the words so far marked stopped", async () => {
    const stream = sseStream();
    const calls = stubFetch(stream.response, json(202, { session_id: SESSION, stopping: true }));
    render(<ChatPage />);
    type("Tell me a long story.");
    await stream.send("session", { session_id: SESSION });
    await stream.send("token", { text: "Once upon a time" });

    fireEvent.click(screen.getByRole("button", { name: "Stop Rose's reply" }));
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]).toMatchObject({ url: "/api/v1/chat/stop", method: "POST", body: { session_id: SESSION } });
    const reply = roseBubbles()[0]!;
    expect(reply.getAttribute("data-state")).toBe("stopped");
    expect(reply.querySelector(".bubble-text")!.textContent).toBe("Once upon a time");
    expect(within(reply).getByText("Stopped")).toBeTruthy();
    // The page listens no more and can be written to again.
    await waitFor(() => expect(stream.cancelled).toBe(true));
    expect(screen.queryByRole("button", { name: "Stop Rose's reply" })).toBeNull();
    expect(screen.getByRole("button", { name: "Send" })).toBeTruthy();
  });

  it("a reply stopped before its first word leaves the message to try again", async () => {
    const stream = sseStream();
    stubFetch(stream.response, json(202, { session_id: SESSION, stopping: true }));
    render(<ChatPage />);
    type("Hello?");
    await stream.send("session", { session_id: SESSION });
    fireEvent.click(screen.getByRole("button", { name: "Stop Rose's reply" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("You stopped it before she answered.");
    expect(within(alert).getByRole("button", { name: "Try again" })).toBeTruthy();
    expect(roseBubbles()).toHaveLength(0);
  });

  it("says when a reply is taking longer than usual, and not before", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const stream = sseStream();
      stubFetch(stream.response);
      render(<ChatPage />);
      type("Hi Rose.");
      await stream.send("session", { session_id: SESSION });
      const notice = () => screen.queryByText(/taking longer than usual/);
      await act(async () => void vi.advanceTimersByTime(8_000));
      expect(notice()).toBeNull();
      // Words arriving start the wait anew.
      await stream.send("token", { text: "Oh," });
      await act(async () => void vi.advanceTimersByTime(8_000));
      expect(notice()).toBeNull();
      await act(async () => void vi.advanceTimersByTime(5_000));
      expect(notice()?.getAttribute("role")).toBe("status");
      await stream.send("done", { session_id: SESSION, reply: "Oh, hello.", fallback: false });
      await stream.close();
      expect(notice()).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("shows the reply the server kept when the connection drops mid-reply, and offers no retry", async () => {
    const stream = sseStream();
    const calls = stubFetch(
      stream.response,
      // The server finished the turn though nobody was listening; the thread holds the whole exchange.
      json(200, {
        session_id: SESSION,
        summary: "",
        messages: [
          { id: "m1", role: "user", content: "Are you there?" },
          { id: "m2", role: "assistant", content: "I'm here. I'm not going anywhere." },
        ],
      }),
    );
    render(<ChatPage />);
    type("Are you there?");
    await stream.send("session", { session_id: SESSION });
    await stream.send("token", { text: "I'm here." });
    await stream.fail();

    await waitFor(() => expect(roseBubbles()[0]?.getAttribute("data-state")).toBe("settled"));
    expect(calls[1]).toMatchObject({ url: `/api/v1/sessions/${SESSION}/messages`, method: "GET" });
    expect(roseBubbles()).toHaveLength(1);
    expect(roseBubbles()[0]!.querySelector(".bubble")!.textContent).toBe("I'm here. I'm not going anywhere.");
    expect(screen.getAllByText("Are you there?")).toHaveLength(1);
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.queryByRole("button", { name: "Try again" })).toBeNull();
    expect(localStorage.getItem("rose.session_id")).toBe(SESSION);
  });

  it("offers a retry when the connection drops and the server never kept the message", async () => {
    const stream = sseStream();
    const retried = sseStream();
    const calls = stubFetch(stream.response, json(200, { session_id: SESSION, summary: "", messages: [] }), retried.response);
    render(<ChatPage />);
    type("Are you there?");
    await stream.send("session", { session_id: SESSION });
    await stream.send("token", { text: "I" });
    await stream.fail();

    const alert = await screen.findByRole("alert");
    expect(calls[1]).toMatchObject({ url: `/api/v1/sessions/${SESSION}/messages`, method: "GET" });
    expect(alert.textContent).toContain("Rose couldn't answer this.");
    expect(alert.textContent).toContain("The connection to Rose was lost. Check your connection, then try again.");
    expect(roseBubbles()).toHaveLength(0);

    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(calls).toHaveLength(3));
    expect(calls[2]).toMatchObject({ url: "/api/v1/chat/stream", method: "POST", body: { session_id: SESSION, message: "Are you there?" } });
    await retried.send("done", { session_id: SESSION, reply: "I'm here.", fallback: false });
    await retried.close();
    await waitFor(() => expect(roseBubbles()[0]?.querySelector(".bubble")?.textContent).toBe("I'm here."));
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("does not take the previous exchange for the answer when the same words are sent again", async () => {
    localStorage.setItem("rose.session_id", SESSION);
    const kept = {
      session_id: SESSION,
      summary: "",
      messages: [
        { id: "m1", role: "user", content: "Hi" },
        { id: "m2", role: "assistant", content: "Hello, you." },
      ],
    };
    const stream = sseStream();
    stubFetch(json(200, kept), stream.response, json(200, kept));
    render(<ChatPage />);
    expect(await screen.findByText("Hello, you.")).toBeTruthy();
    type("Hi");
    await stream.send("session", { session_id: SESSION });
    await stream.fail();

    const alert = await screen.findByRole("alert");
    expect(within(alert).getByRole("button", { name: "Try again" })).toBeTruthy();
    expect(roseBubbles().map((b) => b.querySelector(".bubble")?.textContent)).toEqual(["Hello, you."]);
  });

  it("explains a refusal that comes before the stream, such as a rate limit", async () => {
    stubFetch(json(429, { error: { code: "rate_limited", message: "Too many turns", request_id: "r3" } }));
    render(<ChatPage />);
    type("Hello?");
    expect((await screen.findByRole("alert")).textContent).toContain("Take a breath, then try again in a moment.");
  });
});

describe("message actions", () => {
  /** Local times (the page shows the person's own zone, whatever the machine's). */
  const local = (month: number, day: number, hour: number, minute = 0) => new Date(2026, month - 1, day, hour, minute).toISOString();

  function savedConversation() {
    localStorage.setItem("rose.session_id", SESSION);
    return json(200, {
      session_id: SESSION,
      summary: "",
      messages: [
        { id: "m1", role: "user", content: "Hi Rose.", created_at: local(11, 30, 9) },
        { id: "m2", role: "assistant", content: "Hello! How was your day?", created_at: local(11, 30, 9, 1) },
        { id: "m3", role: "user", content: "I went for a walk.", created_at: local(12, 1, 10) },
        { id: "m4", role: "assistant", content: "A walk sounds lovely.", created_at: local(12, 1, 10, 1) },
      ],
    });
  }

  const youBubbles = () => [...document.querySelectorAll<HTMLElement>(".from-you")];
  const bubbleTexts = () => [...document.querySelectorAll(".bubble")].map((b) => b.textContent);

  it("regenerates Rose's last reply: only the last one offers it, and the new reply replaces the old", async () => {
    const stream = sseStream();
    const calls = stubFetch(savedConversation(), stream.response);
    render(<ChatPage />);
    await screen.findByText("A walk sounds lovely.");
    const regenerate = screen.getAllByRole("button", { name: "Regenerate" });
    expect(regenerate).toHaveLength(1);
    expect(within(roseBubbles()[1]!).getByRole("button", { name: "Regenerate" })).toBe(regenerate[0]);

    fireEvent.click(regenerate[0]!);
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]).toMatchObject({ url: "/api/v1/chat/stream", method: "POST", body: { session_id: SESSION, regenerate: true } });
    expect(calls[1]!.body).not.toHaveProperty("message");
    // The old reply is gone at once; the message is shown once, its new reply on its way.
    expect(screen.queryByText("A walk sounds lovely.")).toBeNull();
    expect(screen.getAllByText("I went for a walk.")).toHaveLength(1);
    expect(screen.queryByRole("button", { name: "Regenerate" })).toBeNull();

    await stream.send("token", { text: "Where did you go?" });
    await stream.send("done", { session_id: SESSION, reply: "Where did you go?", fallback: false });
    await stream.close();
    await waitFor(() => expect(roseBubbles()[1]?.getAttribute("data-state")).toBe("settled"));
    expect(bubbleTexts()).toEqual(["Hi Rose.", "Hello! How was your day?", "I went for a walk.", "Where did you go?"]);
    expect(within(roseBubbles()[1]!).getByRole("button", { name: "Regenerate" })).toBeTruthy();
  });

  it("a regenerate stopped before a word is tried again as a regenerate (the old reply is still the server's)", async () => {
    const stream = sseStream();
    const again = sseStream();
    const calls = stubFetch(savedConversation(), stream.response, json(202, { session_id: SESSION, stopping: true }), again.response);
    render(<ChatPage />);
    fireEvent.click(await screen.findByRole("button", { name: "Regenerate" }));
    await stream.send("session", { session_id: SESSION });
    fireEvent.click(screen.getByRole("button", { name: "Stop Rose's reply" }));
    const alert = await screen.findByRole("alert");
    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(calls).toHaveLength(4));
    expect(calls[3]!.body).toMatchObject({ session_id: SESSION, regenerate: true });
    await again.send("done", { session_id: SESSION, reply: "Tell me more.", fallback: false });
    await again.close();
    await waitFor(() => expect(bubbleTexts()).toEqual(["Hi Rose.", "Hello! How was your day?", "I went for a walk.", "Tell me more."]));
  });

  it("edits the person's last message: Escape cancels, an empty edit cannot be sent, Enter replaces the exchange", async () => {
    const stream = sseStream();
    const calls = stubFetch(savedConversation(), stream.response);
    render(<ChatPage />);
    await screen.findByText("A walk sounds lovely.");
    const edits = screen.getAllByRole("button", { name: "Edit" });
    expect(edits).toHaveLength(1);
    expect(within(youBubbles()[1]!).getByRole("button", { name: "Edit" })).toBe(edits[0]);

    // Escape leaves it as it was, with the focus back on Edit.
    fireEvent.click(edits[0]!);
    const box = screen.getByLabelText<HTMLTextAreaElement>("Edit your message");
    expect(box.value).toBe("I went for a walk.");
    expect(document.activeElement).toBe(box);
    fireEvent.change(box, { target: { value: "Something else" } });
    fireEvent.keyDown(box, { key: "Escape" });
    expect(screen.queryByLabelText("Edit your message")).toBeNull();
    expect(screen.getByText("I went for a walk.")).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Edit" })));

    // Empty words are not sent.
    fireEvent.click(screen.getByRole("button", { name: "Edit" }));
    const edit = screen.getByLabelText("Edit your message");
    fireEvent.change(edit, { target: { value: "   " } });
    expect(screen.getByRole("button", { name: "Send again" })).toHaveProperty("disabled", true);
    fireEvent.keyDown(edit, { key: "Enter" });
    expect(calls).toHaveLength(1);

    fireEvent.change(edit, { target: { value: "I went for a run. " } });
    fireEvent.keyDown(edit, { key: "Enter" });
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]).toMatchObject({ url: "/api/v1/chat/stream", body: { session_id: SESSION, edit: true, message: "I went for a run." } });
    expect(screen.queryByText("I went for a walk.")).toBeNull();
    expect(screen.queryByText("A walk sounds lovely.")).toBeNull();

    await stream.send("done", { session_id: SESSION, reply: "A run! Well done.", fallback: false });
    await stream.close();
    await waitFor(() => expect(bubbleTexts()).toEqual(["Hi Rose.", "Hello! How was your day?", "I went for a run.", "A run! Well done."]));
  });

  it("copies a message's words and says so politely", async () => {
    const writeText = vi.fn(async (_text: string) => {});
    vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText } });
    stubFetch(savedConversation());
    render(<ChatPage />);
    await screen.findByText("Hello! How was your day?");
    const first = roseBubbles()[0]!;
    expect(within(first).queryByText("Copied")).toBeNull();
    fireEvent.click(within(first).getByRole("button", { name: "Copy" }));
    await waitFor(() => expect(within(first).getByRole("status").textContent).toBe("Copied"));
    expect(writeText).toHaveBeenCalledWith("Hello! How was your day?");
    // Only the copied message says so.
    expect(screen.getAllByText("Copied")).toHaveLength(1);
  });

  it("says when copying failed", async () => {
    vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText: () => Promise.reject(new Error("denied")) } });
    stubFetch(savedConversation());
    render(<ChatPage />);
    await screen.findByText("Hi Rose.");
    fireEvent.click(within(youBubbles()[0]!).getByRole("button", { name: "Copy" }));
    await waitFor(() => expect(within(youBubbles()[0]!).getByRole("status").textContent).toBe("Couldn't copy"));
  });

  it("shows each message's time and a separator where the day changes; old messages without a time show none", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(2026, 11, 1, 18, 0));
    try {
      localStorage.setItem("rose.session_id", SESSION);
      stubFetch(
        json(200, {
          session_id: SESSION,
          summary: "",
          messages: [
            { id: "m0", role: "user", content: "From before times were kept." },
            { id: "m1", role: "user", content: "Autumn already.", created_at: local(11, 20, 8, 5) },
            { id: "m2", role: "assistant", content: "The leaves!", created_at: local(11, 20, 8, 6) },
            { id: "m3", role: "user", content: "Good night.", created_at: local(11, 30, 23, 50) },
            { id: "m4", role: "assistant", content: "Sleep well.", created_at: local(11, 30, 23, 51) },
            { id: "m5", role: "user", content: "Morning!", created_at: local(12, 1, 7, 30) },
          ],
        }),
      );
      render(<ChatPage />);
      await screen.findByText("Morning!");
      const separators = [...document.querySelectorAll(".chat-log h2")].map((h) => h.textContent);
      const autumn = new Date(2026, 10, 20).toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long" });
      expect(separators).toEqual([autumn, "Yesterday", "Today"]);
      // Each separator comes right before the first message of its day.
      expect(document.querySelector(".chat-log h2 + article")?.textContent).toContain("Autumn already.");

      const times = [...document.querySelectorAll(".chat-log time")];
      expect(times.map((t) => t.getAttribute("datetime"))).toEqual([
        local(11, 20, 8, 5),
        local(11, 20, 8, 6),
        local(11, 30, 23, 50),
        local(11, 30, 23, 51),
        local(12, 1, 7, 30),
      ]);
      expect(times[4]!.textContent).toBe(new Date(2026, 11, 1, 7, 30).toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" }));
      expect(youBubbles()[0]!.querySelector("time")).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("gives a message sent now today's time, under today's separator", async () => {
    const stream = sseStream();
    stubFetch(stream.response);
    render(<ChatPage />);
    type("Hello there.");
    expect([...document.querySelectorAll(".chat-log h2")].map((h) => h.textContent)).toEqual(["Today"]);
    expect(youBubbles()[0]!.querySelector("time")).toBeTruthy();
    await stream.send("done", { session_id: SESSION, reply: "Hi!", fallback: false });
    await stream.close();
    await waitFor(() => expect(roseBubbles()[0]!.querySelector("time")).toBeTruthy());
  });
});
