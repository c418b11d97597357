// A push-based async iterator for subscriptions. Unlike an async generator, return() takes effect
// even while a consumer is waiting for the next value, so a client that unsubscribes releases
// its listeners at once instead of at the next event.

export interface AsyncQueue<T> extends AsyncIterableIterator<T> {
  push(value: T): void;
  /** Ends the stream after the values already pushed; with an error, rejects the next read. */
  end(error?: unknown): void;
  readonly closed: boolean;
}

export function createAsyncQueue<T>(onClose: () => void = () => {}): AsyncQueue<T> {
  const buffer: T[] = [];
  const waiting: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }> = [];
  let ended = false;
  let failure: { error: unknown } | undefined;
  let cleaned = false;

  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    onClose();
  };
  const finishWaiters = () => {
    for (const w of waiting.splice(0)) {
      if (failure) w.reject(failure.error);
      else w.resolve({ value: undefined, done: true });
      failure = undefined;
    }
  };

  const queue: AsyncQueue<T> = {
    get closed() {
      return ended;
    },
    push(value) {
      if (ended) return;
      const waiter = waiting.shift();
      if (waiter) waiter.resolve({ value, done: false });
      else buffer.push(value);
    },
    end(error) {
      if (ended) return;
      ended = true;
      if (error !== undefined) failure = { error };
      cleanup();
      if (buffer.length === 0) finishWaiters();
    },
    next() {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift() as T, done: false });
      if (ended) {
        if (failure) {
          const { error } = failure;
          failure = undefined;
          return Promise.reject(error);
        }
        return Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    return() {
      ended = true;
      buffer.length = 0;
      failure = undefined;
      cleanup();
      finishWaiters();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return queue;
    },
  };
  return queue;
}
