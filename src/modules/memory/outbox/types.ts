/** One message waiting to be analysed and, if worth it, remembered. */
export interface MemoryJob {
  userId: string;
  sessionId: string;
  message: string;
  /** Ids of the memories recalled for this message: the analysis dedupes against them. */
  recalledIds: string[];
}

export interface QueuedMemoryJob extends MemoryJob {
  id: number;
  attempts: number;
  /** Epoch milliseconds. */
  createdAt: number;
}

/**
 * The durable queue behind memory writes. A job is claimed (hidden from other passes, here or on other
 * instances) until a time the caller chooses, and stays queued until it is completed or forgotten, so
 * a crash or an outage delays a memory instead of losing it.
 */
export interface MemoryOutbox {
  /** Queues a job, already claimed by the caller until `claimedUntil`. */
  add(job: MemoryJob, now: number, claimedUntil: number): Promise<QueuedMemoryJob>;
  /** Claims up to `limit` jobs due at `now` until `claimedUntil`, oldest first. */
  claimDue(now: number, claimedUntil: number, limit: number): Promise<QueuedMemoryJob[]>;
  /** False once the job was completed or its user forgotten. */
  isQueued(id: number): Promise<boolean>;
  complete(id: number): Promise<void>;
  retryAt(id: number, attempts: number, at: number, error: string): Promise<void>;
  /** Drops every queued job of this user; returns how many. */
  forgetUser(userId: string): Promise<number>;
  pending(): Promise<number>;
}
