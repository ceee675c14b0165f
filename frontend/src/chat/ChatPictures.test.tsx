// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ChatPage } from "./ChatPage";

/** Pictures on the chat page, against a stubbed fetch (the browser's boundary) with real SSE streams. */

const SESSION = "6f1d2c1e-8a51-4f2b-9a0e-3c7d5b9e1a20";
const THEIRS = "0b4c6a0e-1f0e-4a55-9d1c-6f7a2b3c4d5e";
const ROSES = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

function sseStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c), cancel: () => {} });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8" } }),
    send: (event: string, data: unknown) => act(async () => controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`))),
  };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

function stubFetch(...responses: Response[]) {
  const calls: Array<{ url: string; body: unknown }> = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit = {}) => {
      calls.push({ url, body: init.body });
      const next = responses.shift();
      if (!next) throw new Error(`unexpected fetch ${url}`);
      return next;
    }),
  );
  return calls;
}

const picture = (name: string, type = "image/png") => new File([new Uint8Array([137, 80, 78, 71, 1, 2, 3])], name, { type });
const pick = (...files: File[]) => fireEvent.change(screen.getByTestId("picture-input"), { target: { files } });
const previews = () => within(screen.getByRole("list", { name: "Pictures to send" })).queryAllByRole("img");

let objectUrls = 0;
beforeEach(() => {
  localStorage.clear();
  objectUrls = 0;
  vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: () => `blob:preview-${++objectUrls}`, revokeObjectURL: () => {} }));
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("pictures in the chat", () => {
  it("previews picked pictures, lets one be removed, sends the rest as multipart, then shows the server's copies and Rose's picture", async () => {
    const stream = sseStream();
    const calls = stubFetch(stream.response);
    render(<ChatPage />);
    pick(picture("garden.png"), picture("cat.jpg", "image/jpeg"));
    expect(previews()).toHaveLength(2);
    fireEvent.click(screen.getByRole("button", { name: "Remove picture 1" }));
    expect(previews().map((img) => img.getAttribute("src"))).toEqual(["blob:preview-2"]);

    fireEvent.change(screen.getByLabelText("Your message to Rose"), { target: { value: "Look at her" } });
    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    await waitFor(() => expect(calls).toHaveLength(1));
    const form = calls[0]!.body as FormData;
    expect(form).toBeInstanceOf(FormData);
    expect(form.get("message")).toBe("Look at her");
    expect((form.getAll("images") as File[]).map((f) => f.name)).toEqual(["cat.jpg"]);
    // The composer is empty again; the sent message shows the local preview meanwhile.
    expect(screen.queryByRole("list", { name: "Pictures to send" })).toBeNull();
    expect(screen.getByRole("img", { name: "Picture 1 you shared" }).getAttribute("src")).toBe("blob:preview-2");

    await stream.send("session", { session_id: SESSION });
    await stream.send("token", { text: "She's lovely, and here is one for you." });
    await stream.send("done", {
      session_id: SESSION,
      reply: "She's lovely, and here is one for you.",
      fallback: false,
      attached_images: [THEIRS],
      images: [ROSES],
    });
    await waitFor(() => expect(screen.getByRole("img", { name: "Picture 1 you shared" }).getAttribute("src")).toBe(`/api/v1/images/${THEIRS}`));
    expect(screen.getByRole("img", { name: "A picture Rose made for you" }).getAttribute("src")).toBe(`/api/v1/images/${ROSES}`);
  });

  it("refuses HEIC photos and other files with a clear notice, and takes at most four pictures", () => {
    stubFetch();
    render(<ChatPage />);
    pick(picture("IMG_0001.HEIC", "image/heic"));
    expect(screen.getByRole("alert").textContent).toMatch(/HEIC photo.*export it as JPEG/);
    pick(picture("notes.txt", "text/plain"));
    expect(screen.getByRole("alert").textContent).toMatch(/isn't a picture Rose can open/);
    pick(...Array.from({ length: 5 }, (_, i) => picture(`p${i}.png`)));
    expect(previews()).toHaveLength(4);
    expect(screen.getByRole("alert").textContent).toMatch(/at most 4 pictures/);
    expect(screen.getByRole("button", { name: "At most 4 pictures per message" })).toHaveProperty("disabled", true);
  });

  it("takes a pasted picture, sends a picture without words, and says when Rose could not see it", async () => {
    const stream = sseStream();
    const calls = stubFetch(stream.response);
    render(<ChatPage />);
    const box = screen.getByLabelText("Your message to Rose");
    fireEvent.paste(box, { clipboardData: { files: [picture("pasted.png")], types: ["Files"] } });
    expect(previews()).toHaveLength(1);
    fireEvent.keyDown(box, { key: "Enter" });
    await waitFor(() => expect(calls).toHaveLength(1));
    expect((calls[0]!.body as FormData).get("message")).toBeNull();
    await stream.send("done", {
      session_id: SESSION,
      reply: "I can't see pictures yet.",
      fallback: false,
      attached_images: [THEIRS],
      images: [],
      images_seen: false,
    });
    expect(await screen.findByText("Rose can't see pictures yet, so she answered your words.")).toBeTruthy();
  });

  it("takes pictures dropped on the message box, showing where they will land while dragging", () => {
    stubFetch();
    render(<ChatPage />);
    const form = document.querySelector("form.composer")!;
    fireEvent.dragOver(form, { dataTransfer: { types: ["Files"], files: [] } });
    expect(form.classList.contains("composer-dropping")).toBe(true);
    fireEvent.drop(form, { dataTransfer: { types: ["Files"], files: [picture("dropped.webp", "image/webp")] } });
    expect(form.classList.contains("composer-dropping")).toBe(false);
    expect(previews()).toHaveLength(1);
    expect(screen.getByRole("button", { name: "Send" })).toHaveProperty("disabled", false);
  });

  it("shows the pictures of the saved conversation after a reload", async () => {
    localStorage.setItem("rose.session_id", SESSION);
    stubFetch(
      json(200, {
        summary: "",
        messages: [
          { id: "m1", role: "user", content: "", images: [THEIRS] },
          { id: "m2", role: "assistant", content: "What a view.", images: [ROSES] },
        ],
      }),
    );
    render(<ChatPage />);
    expect((await screen.findByRole("img", { name: "Picture 1 you shared" })).getAttribute("src")).toBe(`/api/v1/images/${THEIRS}`);
    expect(screen.getByRole("img", { name: "A picture Rose made for you" }).getAttribute("src")).toBe(`/api/v1/images/${ROSES}`);
  });
});
