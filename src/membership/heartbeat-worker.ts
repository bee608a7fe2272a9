/**
 * Entry of the heartbeat worker thread: runs `runHeartbeat` with the
 * parent's workerData and forwards its reports; {kind:'stop'} stops it,
 * {kind:'cancel-wait-for-all'} lifts wait_for_all.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runHeartbeat, type HeartbeatWorkerData, type ParentToWorker } from './heartbeat-runner.js';

const port = parentPort;
if (port) {
  const control = await runHeartbeat(workerData as HeartbeatWorkerData, (message) => port.postMessage(message));
  port.on('message', (message: ParentToWorker) => {
    if (message.kind === 'cancel-wait-for-all') {
      control?.cancelWaitForAll();
      return;
    }
    if (message.kind !== 'stop') return;
    control?.stop();
    port.close();
  });
}
