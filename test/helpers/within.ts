/**
 * Bounded waits for tests: every promise a test awaits from another process, a socket or a timer settles, or the
 * test fails saying what it waited for.
 */

/** Settles like `promise`, or rejects after `ms` milliseconds naming `what`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** {@link within}, in seconds. */
export function withinSeconds<T>(promise: Promise<T>, seconds: number, what: string): Promise<T> {
  return within(promise, seconds * 1000, what);
}
