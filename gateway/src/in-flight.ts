/**
 * Joins calls with the same key while the first is in flight: one piece of work, every caller
 * its result. The key must hold everything the result depends on; nothing is kept once it settles.
 */
export function inFlight<T>() {
  const pending = new Map<string, Promise<T>>();
  return {
    run(key: string, work: () => Promise<T>): { result: Promise<T>; joined: boolean } {
      const running = pending.get(key);
      if (running) return { result: running, joined: true };
      const result = work().finally(() => pending.delete(key));
      pending.set(key, result);
      return { result, joined: false };
    },
    get size() {
      return pending.size;
    },
  };
}
