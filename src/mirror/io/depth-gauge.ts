/**
 * Which way a file leg's next request goes: a request of a shallow stream
 * (about one in flight at a time: a database's commit, a single-threaded
 * copy) through io_uring, where the kernel runs it with no hand-over to a
 * thread of ours; requests of a deep stream through the leg's own I/O
 * threads, which run many at once.
 *
 * Measured on 2 cores (bench/mirror/cpu-per-request.sh): at queue depth 1,
 * 4k writes ran 9-10k IOPS through io_uring against 5.5k through the
 * threads (each thread hand-over is a wake-up, costly on a VM); at depth 2
 * they were alike, at 4 and 8 the threads equal or ahead; at depth 32,
 * io_uring ran them at 27-37k against 43-51k (buffered writes to one file
 * are serialized in io_uring's workers), and a stream that sent even one
 * request in a batch to io_uring kept its polling thread busy and lost a
 * quarter of its reads. So the choice follows the stream's depth, smoothed,
 * not the depth of the moment.
 *
 * Pure: callers pass the depth they see.
 */

/** Weight of the newest observation in the moving average. */
const NEWEST_WEIGHT = 1 / 8;
/**
 * Below this average of requests already in flight when a new one comes,
 * the stream is shallow. A queue-depth-1 client sees 0; at depth 2 the
 * average settles near 1 (where the two ways measured alike), and from depth
 * 4 up the threads were as fast or faster.
 */
const SHALLOW_BELOW = 0.5;

export class DepthGauge {
  private averageInFlight = 0;

  /**
   * Records that a request arrives while `inFlight` others are in flight,
   * and says whether the stream is shallow. Starts shallow.
   */
  arrive(inFlight: number): boolean {
    this.averageInFlight += (inFlight - this.averageInFlight) * NEWEST_WEIGHT;
    return this.averageInFlight < SHALLOW_BELOW;
  }
}
