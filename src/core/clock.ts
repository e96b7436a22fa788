/** Injected time, so batching, retries and timeouts can be driven by tests. */
export interface Clock {
  /** Milliseconds with sub-millisecond precision, monotonic. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `callback` once after `ms`, unless the returned timer is cleared first. */
  setTimer(ms: number, callback: () => void): Timer;
}

/** A pending setTimer call; clearing it after it fired, or twice, does nothing. */
export interface Timer {
  clear(): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  setTimer: (ms, callback) => {
    const timer = setTimeout(callback, ms);
    return { clear: () => clearTimeout(timer) };
  },
};
