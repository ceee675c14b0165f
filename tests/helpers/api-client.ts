/**
 * A tiny HTTP client for tests that behaves like a browser towards Rose: it keeps the identity cookie
 * it is given and sends it back, and it can read Server-Sent Events.
 */
export interface SseEvent {
  event: string;
  data: unknown;
}

export class ApiClient {
  private cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  /** The same user (same cookies) at another address. */
  at(baseUrl: string): ApiClient {
    const moved = new ApiClient(baseUrl);
    moved.cookies = new Map(this.cookies);
    return moved;
  }

  /** A second client with no cookies: a different anonymous user. */
  stranger(): ApiClient {
    return new ApiClient(this.baseUrl);
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const init: RequestInit = { method, headers: { ...headers, ...this.cookieHeader() } };
    if (body instanceof FormData) {
      init.body = body; // fetch sets the multipart content type with its boundary
    } else if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const response = await fetch(`${this.baseUrl}${path}`, init);
    this.remember(response);
    return response;
  }

  async json<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T; headers: Headers }> {
    const response = await this.request(method, path, body, headers);
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
  }

  async startSession(): Promise<string> {
    const { status, body } = await this.json<{ session_id: string }>("POST", "/api/v1/session/start");
    if (status !== 201) throw new Error(`session/start answered ${status}`);
    return body.session_id;
  }

  /** Posts to an SSE endpoint and collects every event until the stream ends. */
  async stream(path: string, body: unknown): Promise<{ status: number; events: SseEvent[]; contentType: string | null }> {
    const response = await this.request("POST", path, body);
    const contentType = response.headers.get("content-type");
    if (!contentType?.startsWith("text/event-stream")) {
      return { status: response.status, events: [{ event: "http_error", data: JSON.parse(await response.text()) }], contentType };
    }
    return { status: response.status, events: parseSse(await response.text()), contentType };
  }

  /** The Cookie header this client sends (for tools that make their own requests as the same user). */
  get cookie(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
  }

  private remember(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(";");
      const index = pair!.indexOf("=");
      this.cookies.set(pair!.slice(0, index).trim(), pair!.slice(index + 1).trim());
    }
  }
}

export function parseSse(text: string): SseEvent[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim())
    .map((block) => {
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trim());
      }
      return { event, data: JSON.parse(data.join("\n")) };
    });
}

/** The same user (same cookies) talking to another server address, e.g. after a restart on a new port. */
export function sameUserAt(client: ApiClient, baseUrl: string): ApiClient {
  return client.at(baseUrl);
}
