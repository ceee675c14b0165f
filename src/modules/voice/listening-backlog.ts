/**
 * The call's audio received and not yet classified by its voice detector, oldest first, kept as the
 * moment each frame arrived: how far behind the server's listening is, in time.
 *
 * Counting waiting frames cannot tell a late client from a slow server. A phone on a weak network, or a
 * page whose main thread was busy for a few seconds, sends its held frames all at once, and hundreds wait
 * for a moment while the detector (far faster than real time) works through them. What matters is how long
 * the oldest of them has waited here: that grows only when the server itself cannot keep up.
 */
export class ListeningBacklog {
  private arrivals: number[] = [];
  private head = 0;

  /** A frame arrived (frames are classified in the order they arrive). */
  add(arrivedAt: number): void {
    this.arrivals.push(arrivedAt);
  }

  /** The oldest waiting frame has been classified. */
  classified(): void {
    if (this.head < this.arrivals.length) this.head++;
    // Drop the classified prefix now and then, not at every frame (shift() would copy the array each time).
    if (this.head >= 1024 && this.head * 2 >= this.arrivals.length) {
      this.arrivals = this.arrivals.slice(this.head);
      this.head = 0;
    }
  }

  get waiting(): number {
    return this.arrivals.length - this.head;
  }

  /** How long the oldest waiting frame has waited (0 when the detector has caught up). */
  lagMs(now: number): number {
    return this.waiting > 0 ? now - this.arrivals[this.head]! : 0;
  }
}
