/** Node fires a delay above 2^31 − 1 ms (about 24.8 days) after 1 ms; longer waits are taken in steps. */
const LONGEST_DELAY_MS = 2 ** 31 - 1;

/** Runs `task` at `time` (ms since the epoch), however far away; returns how to cancel it. */
export function atTime(time: number, task: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const remaining = time - Date.now();
    timer = remaining > LONGEST_DELAY_MS ? setTimeout(arm, LONGEST_DELAY_MS) : setTimeout(task, Math.max(0, remaining));
  };
  arm();
  return () => clearTimeout(timer);
}
