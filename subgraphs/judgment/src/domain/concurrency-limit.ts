/** Runs a task when a slot is free. */
export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

/** At most `slots` tasks run at once; the others wait their turn, first come first served. */
export function concurrencyLimit(slots: number): Limit {
  if (!(Number.isInteger(slots) && slots >= 1)) throw new RangeError(`a concurrency limit needs 1 slot or more, got ${slots}`);
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (running >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    // A released slot is handed straight to the next in line, so `running` counts it still.
    else running++;
    try {
      return await task();
    } finally {
      if (waiting.length) waiting.shift()!();
      else running--;
    }
  };
}
