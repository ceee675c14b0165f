import type { LiveEvent } from "../../modules/voice/live-call.js";

/** How long a reply's words may wait to go out together: far below what a reader of the transcript notices. */
export const TOKEN_COALESCE_MS = 30;

/**
 * Sends a call's events, joining the reply's `token` events that come within a few milliseconds into one.
 * A model streams hundreds of tokens a second, and each event is a WebSocket frame and a socket write:
 * twenty calls at once spent a tenth of the server's time writing single words. Any other event first
 * sends the words held so far, so the order the client sees never changes.
 */
export class TokenCoalescer {
  private held = "";
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly write: (event: LiveEvent) => void,
    private readonly waitMs = TOKEN_COALESCE_MS,
  ) {}

  send(event: LiveEvent): void {
    if (event.type === "token") {
      this.held += event.text;
      this.timer ??= setTimeout(() => this.flush(), this.waitMs);
      return;
    }
    this.flush();
    this.write(event);
  }

  /** Sends the words held, if any (before any other event, and when the call closes). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.held) return;
    const text = this.held;
    this.held = "";
    this.write({ type: "token", text });
  }
}
