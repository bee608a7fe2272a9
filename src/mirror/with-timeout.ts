/** A deadline on a promise, for leg operations that may hang in a dead array. */
import { TimeoutError } from '../errors.js';

/**
 * Settles as `promise` does, or rejects with a TimeoutError naming `what`
 * once `timeoutMs` have passed first. The promise itself runs on: a request
 * stuck in a device cannot be cancelled.
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} took longer than ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
