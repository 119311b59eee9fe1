/**
 * Counts event-loop turns (setImmediate callbacks) while `work` runs: a long operation that
 * yields between its transactions or pages lets the count grow; one that blocks leaves it at 0.
 */
export async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let running = true;
  const tick = (): void => {
    turns++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    const result = await work();
    return { result, turns };
  } finally {
    running = false;
  }
}
