// Concurrent queries of one collection share one encoder call. A key with nothing running
// dispatches at the next turn of the event loop (or after waitMs, when set), collecting whatever
// arrived meanwhile; while a batch of a key runs, new items wait and go together as the next
// batch. So a lone query pays no wait, and under load batches grow by themselves.

export interface MicroBatcherOptions<I, O> {
  /** Longest an item waits for companions when its key is idle; 0 waits one event-loop turn. */
  waitMs: number;
  /** Items per run at most; more go into the next run. */
  maxItems: number;
  /** Items of one key in, one output per item in the same order out. */
  run(key: string, items: I[]): Promise<O[]>;
}

export interface MicroBatcher<I, O> {
  /** Outputs for these items, in order, computed in a batch with other submissions of the key. */
  submit(key: string, items: readonly I[]): Promise<O[]>;
}

interface Waiting<I, O> {
  items: readonly I[];
  resolve(outputs: O[]): void;
  reject(error: unknown): void;
}

interface KeyState<I, O> {
  waiting: Waiting<I, O>[];
  running: boolean;
  scheduled: boolean;
}

export function createMicroBatcher<I, O>(options: MicroBatcherOptions<I, O>): MicroBatcher<I, O> {
  const keys = new Map<string, KeyState<I, O>>();

  function schedule(key: string, state: KeyState<I, O>): void {
    if (state.scheduled || state.running || state.waiting.length === 0) return;
    state.scheduled = true;
    const go = () => {
      state.scheduled = false;
      void dispatch(key, state);
    };
    if (options.waitMs > 0) setTimeout(go, options.waitMs);
    else setImmediate(go);
  }

  async function dispatch(key: string, state: KeyState<I, O>): Promise<void> {
    // Whole submissions only, so one submission's outputs come from one run.
    const batch: Waiting<I, O>[] = [];
    let size = 0;
    while (state.waiting.length > 0 && (batch.length === 0 || size + state.waiting[0]!.items.length <= options.maxItems)) {
      const next = state.waiting.shift()!;
      batch.push(next);
      size += next.items.length;
    }
    state.running = true;
    try {
      const outputs = await options.run(key, batch.flatMap((w) => w.items));
      if (outputs.length !== size) throw new Error(`batch run returned ${outputs.length} outputs for ${size} items`);
      let at = 0;
      for (const w of batch) {
        w.resolve(outputs.slice(at, at + w.items.length));
        at += w.items.length;
      }
    } catch (error) {
      for (const w of batch) w.reject(error);
    } finally {
      state.running = false;
      if (state.waiting.length > 0) void dispatch(key, state);
      else keys.delete(key);
    }
  }

  return {
    submit(key, items) {
      if (items.length === 0) return Promise.resolve([]);
      let state = keys.get(key);
      if (!state) keys.set(key, (state = { waiting: [], running: false, scheduled: false }));
      const done = new Promise<O[]>((resolve, reject) => state.waiting.push({ items, resolve, reject }));
      schedule(key, state);
      return done;
    },
  };
}
