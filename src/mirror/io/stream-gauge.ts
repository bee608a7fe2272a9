/**
 * Which way a file leg's next request goes: a request of a stream that is
 * both shallow (about one in flight at a time: a database's commits, a
 * single-threaded copy) and busy (requests back to back, so the client
 * waits on our latency) through io_uring, where the kernel runs it with no
 * hand-over to a thread of ours; every other request through the leg's own
 * I/O threads.
 *
 * Measured on 2 cores (bench/mirror/cpu-per-request.sh): at queue depth 1,
 * 4k writes ran 9-10k IOPS through io_uring against 5.5k through the
 * threads (each thread hand-over is a wake-up, costly on a VM); at depth 2
 * they were alike, at 4 and 8 the threads equal or ahead; at depth 32,
 * io_uring ran them at 27-37k against 43-51k (buffered writes to one file
 * are serialized in io_uring's workers), and a stream that sent even one
 * request per batch to io_uring kept its polling thread busy and lost a
 * quarter of its reads. So the choice follows the stream's depth, smoothed,
 * not the depth of the moment.
 *
 * Busy, because libuv's ring polls: after a request, a kernel thread of the
 * engine spins for 10 ms. A client writing 200 times a second kept it
 * spinning for good, and the engine used 5.5 s of CPU in 5 s against 0.9 s
 * with the threads, to save 80 us on requests 5 ms apart. From about 2000
 * requests a second, a queue-depth-1 client is mostly waiting on us, and
 * the core buys it twice the rate.
 *
 * Pure: callers pass the depth they see and the time.
 */

/** Weight of the newest observation in the moving averages. */
const NEWEST_WEIGHT = 1 / 8;
/**
 * Below this average of requests already in flight when a new one comes,
 * the stream is shallow. A queue-depth-1 client sees 0; at depth 2 the
 * average settles near 1.
 */
const SHALLOW_BELOW = 0.5;
/** Below this average time between requests (2000 a second), the stream is busy. */
const BUSY_BELOW_GAP_MS = 0.5;
/** The gap a new gauge starts from: a stream proves itself busy first. */
const INITIAL_GAP_MS = 1000;

export class StreamGauge {
  private averageInFlight = 0;
  private averageGapMs = INITIAL_GAP_MS;
  private lastArrivalMs: number | undefined;

  /**
   * Records that a request arrives at `nowMs` (any monotonic clock) while
   * `inFlight` others are in flight, and says whether the stream is shallow
   * and busy, i.e. whether the request should go through io_uring.
   */
  arrive(inFlight: number, nowMs: number): boolean {
    this.averageInFlight += (inFlight - this.averageInFlight) * NEWEST_WEIGHT;
    if (this.lastArrivalMs !== undefined) this.averageGapMs += (Math.max(0, nowMs - this.lastArrivalMs) - this.averageGapMs) * NEWEST_WEIGHT;
    this.lastArrivalMs = nowMs;
    return this.averageInFlight < SHALLOW_BELOW && this.averageGapMs < BUSY_BELOW_GAP_MS;
  }
}
