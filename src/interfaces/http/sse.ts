import type { Response } from "express";

/** A Server-Sent Events channel on an Express response: named events, JSON data, flushed as written. */
export class SseChannel {
  private closed = false;

  constructor(private readonly res: Response) {
    res.status(200);
    res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
    res.setHeader("Cache-Control", "no-cache, no-transform");
    res.setHeader("Connection", "keep-alive");
    // Reverse proxies (nginx, Railway's edge) must not buffer the stream or tokens arrive in one lump.
    res.setHeader("X-Accel-Buffering", "no");
    res.flushHeaders();
    res.on("close", () => {
      this.closed = true;
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(event: string, data: unknown): void {
    if (this.closed) return;
    this.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.res.end();
  }
}
