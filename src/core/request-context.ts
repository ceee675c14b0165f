import { AsyncLocalStorage } from "node:async_hooks";

/** Per-request facts that every log line inside the request should carry without threading them by hand. */
export interface RequestContext {
  requestId: string;
  sessionId?: string;
  userId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Adds facts learnt later in the request (the session id is only known after the body is parsed). */
export function annotateContext(extra: Partial<RequestContext>): void {
  const context = storage.getStore();
  if (context) Object.assign(context, extra);
}
