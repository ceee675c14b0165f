// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiKeysDialog } from "./ApiKeysDialog";

/**
 * The API keys dialog against a small in-memory stand-in for Rose's /api/v1/me/api-keys, stubbed at
 * fetch (the browser's boundary): it answers as the server does, including its refusals.
 */

interface Key {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

let keys: Key[];
let calls: Array<{ method: string; url: string; body?: unknown }>;
const json = (status: number, body?: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

beforeEach(() => {
  keys = [{ id: "11111111-1111-4111-8111-111111111111", name: "SillyTavern", prefix: "rose_sk_AbCd", created_at: "2026-11-20T10:00:00Z", last_used_at: null }];
  calls = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const method = init.method ?? "GET";
      const body = init.body ? (JSON.parse(init.body as string) as { name: string }) : undefined;
      calls.push({ method, url, body });
      if (method === "GET" && url === "/api/v1/me/api-keys") return json(200, { api_keys: keys });
      if (method === "POST" && url === "/api/v1/me/api-keys") {
        if (body!.name.length > 100) return json(400, { error: { code: "bad_request", message: "name: must be at most 100 characters", request_id: "r" } });
        const key = {
          id: "22222222-2222-4222-8222-222222222222",
          name: body!.name,
          prefix: "rose_sk_XyZw",
          created_at: "2026-12-01T10:00:00Z",
          last_used_at: null,
        };
        keys = [key, ...keys];
        return json(201, { ...key, secret: "rose_sk_XyZwSECRETSECRETSECRETSECRETSECRETSECRET0" });
      }
      const revoked = /^\/api\/v1\/me\/api-keys\/(.+)$/.exec(url);
      if (method === "DELETE" && revoked) {
        const before = keys.length;
        keys = keys.filter((k) => k.id !== revoked[1]);
        return keys.length < before ? json(204) : json(404, { error: { code: "not_found", message: "API key not found", request_id: "r" } });
      }
      throw new Error(`unexpected ${method} ${url}`);
    }),
  );
  Object.defineProperty(navigator, "clipboard", { value: { writeText: vi.fn(async () => {}) }, configurable: true });
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("ApiKeysDialog", () => {
  it("lists the person's keys without secrets, with when each was last used", async () => {
    render(<ApiKeysDialog open onClose={() => {}} />);
    const list = await screen.findByRole("list", { name: "Your API keys" });
    await within(list).findByText("SillyTavern");
    expect(within(list).getByText(/rose_sk_AbCd…/)).toBeTruthy();
    expect(within(list).getByText(/never used/)).toBeTruthy();
    expect(screen.getByRole("dialog", { name: "API keys" }).textContent).toContain("/v1");
  });

  it("creates a key with a name and shows its secret once, with a copy button", async () => {
    render(<ApiKeysDialog open onClose={() => {}} />);
    await screen.findByText("SillyTavern");
    const create = screen.getByRole("button", { name: "Create key" });
    expect((create as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByLabelText("Name a new key"), { target: { value: "  Open WebUI  " } });
    fireEvent.click(create);

    const secret = await screen.findByLabelText<HTMLInputElement>("Your new API key");
    expect(secret.value).toBe("rose_sk_XyZwSECRETSECRETSECRETSECRETSECRETSECRET0");
    expect(calls.find((c) => c.method === "POST")!.body).toEqual({ name: "Open WebUI" });
    expect(within(screen.getByRole("list", { name: "Your API keys" })).getByText("Open WebUI")).toBeTruthy();

    fireEvent.click(screen.getByRole("button", { name: "Copy" }));
    await screen.findByRole("button", { name: "Copied" });
    expect(navigator.clipboard.writeText).toHaveBeenCalledWith("rose_sk_XyZwSECRETSECRETSECRETSECRETSECRETSECRET0");

    fireEvent.click(screen.getByRole("button", { name: "Done" }));
    expect(screen.queryByLabelText("Your new API key")).toBeNull();
    expect(document.body.textContent).not.toContain("SECRET");
  });

  it("shows the server's refusal of a bad name", async () => {
    render(<ApiKeysDialog open onClose={() => {}} />);
    await screen.findByText("SillyTavern");
    fireEvent.change(screen.getByLabelText("Name a new key"), { target: { value: "x".repeat(101) } });
    fireEvent.submit(screen.getByLabelText("Name a new key").closest("form")!);
    expect((await screen.findByRole("alert")).textContent).toContain("name: must be at most 100 characters");
    expect(screen.queryByLabelText("Your new API key")).toBeNull();
  });

  it("revokes a key only after confirming, and keeps it when the person changes their mind", async () => {
    render(<ApiKeysDialog open onClose={() => {}} />);
    await screen.findByText("SillyTavern");
    fireEvent.click(screen.getByRole("button", { name: "Revoke SillyTavern" }));
    fireEvent.click(screen.getByRole("button", { name: "Keep" }));
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    expect(screen.getByText("SillyTavern")).toBeTruthy();

    fireEvent.click(screen.getByRole("button", { name: "Revoke SillyTavern" }));
    const confirm = screen.getByRole("group", { name: "Revoke SillyTavern?" });
    expect(confirm.textContent).toContain("Apps using it will stop working.");
    fireEvent.click(within(confirm).getByRole("button", { name: "Revoke" }));
    await waitFor(() => expect(screen.queryByText("SillyTavern")).toBeNull());
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.url)).toEqual(["/api/v1/me/api-keys/11111111-1111-4111-8111-111111111111"]);
    expect(keys).toEqual([]);
  });

  it("closes on Escape", async () => {
    const onClose = vi.fn();
    render(<ApiKeysDialog open onClose={onClose} />);
    await screen.findByText("SillyTavern");
    fireEvent.keyDown(document, { key: "Escape" });
    expect(onClose).toHaveBeenCalled();
  });
});
