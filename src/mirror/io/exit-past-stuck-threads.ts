/**
 * Ending a process while a leg I/O thread may be blocked in a dead array.
 * Node's exit (process.exit, or the event loop running dry) joins every
 * worker thread, and a thread blocked in a system call on an array that no
 * longer answers does not come back to be joined: the process would hang on
 * its way out for as long as the array does. Seen: an engine that had
 * stopped cleanly (legs flushed, the live one marked clean and released)
 * stayed alive with one array hung, until the Mirror agent's stop timed out,
 * and `tandem mirror release` hung the same way. Such a process ends by
 * SIGKILL to itself instead: the kernel ends every thread, the blocked one
 * included (unless it sleeps uninterruptibly in the device, which holds any
 * process's exit; then the node is fenced).
 */
import { logger } from '../../log.js';
import { fileLegOpensInProgress } from '../file-device.js';
import { legIoRequestsRunning } from './leg-io-queue.js';

const log = logger('mirror.io');

/**
 * Returns when the process can end the ordinary way (no leg I/O thread is
 * running a request, no file leg is being opened). Otherwise logs why and
 * ends the process by SIGKILL at once, so its exit status is "killed", not
 * `exitCode`: a caller must learn the outcome from what the process wrote
 * before (its output and log).
 */
export function exitPastStuckThreads(exitCode: number): void {
  const running = legIoRequestsRunning();
  const opening = fileLegOpensInProgress();
  if (running + opening === 0) return;
  log.warn({ exitCode, requestsBlocked: running, opensBlocked: opening }, 'a leg I/O thread is blocked in a device that does not answer, and Node cannot exit while it is: ending the process by SIGKILL (the outcome is what it wrote above)');
  process.kill(process.pid, 'SIGKILL');
}
