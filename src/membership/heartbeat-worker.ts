/**
 * Entry of the heartbeat worker thread: runs `runHeartbeat` with the
 * parent's workerData and forwards its reports; {kind:'stop'} stops it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runHeartbeat, type HeartbeatWorkerData } from './heartbeat-runner.js';

const port = parentPort;
if (port) {
  const stop = await runHeartbeat(workerData as HeartbeatWorkerData, (message) => port.postMessage(message));
  port.on('message', (message: { kind: string }) => {
    if (message.kind !== 'stop') return;
    stop?.();
    port.close();
  });
}
