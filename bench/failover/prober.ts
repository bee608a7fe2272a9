/**
 * The bench's client: from its own namespace, an HTTP GET to the VIP every
 * `intervalMs` (a new TCP connection each, so it follows ARP and address
 * changes), each with a short timeout; one JSON line per answer on stdout:
 * {"t": epoch ms, "node": the answering node}. Failures print nothing.
 *   node dist/bench/failover/prober.js VIP PORT [INTERVAL_MS]
 */
import http from 'node:http';

const [vip = '', portText = '8080', intervalText = '20'] = process.argv.slice(2);
const timeoutMs = 150;

function probe(): void {
  const request = http.get({ host: vip, port: Number(portText), path: '/', agent: false, timeout: timeoutMs }, (response) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => { body += chunk; });
    response.on('end', () => process.stdout.write(`${JSON.stringify({ t: Date.now(), node: body })}\n`));
  });
  request.on('timeout', () => request.destroy());
  request.on('error', () => undefined);
}

// probes overlap: one that waits for its timeout does not delay the next
setInterval(probe, Number(intervalText));
process.on('SIGTERM', () => process.exit(0));
