/**
 * Keeps `promise` in `pending` until it settles, and returns it: what a backend's close() awaits
 * (every write settles once its commit is synced or failed) before closing.
 */
export function trackPending<T>(pending: Set<Promise<unknown>>, promise: Promise<T>): Promise<T> {
  pending.add(promise);
  const settled = (): void => void pending.delete(promise);
  promise.then(settled, settled);
  return promise;
}
