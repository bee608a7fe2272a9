/**
 * The bench's "service": a tiny HTTP server on every address of its node
 * (0.0.0.0), answering with the node's name, so the prober can tell which
 * node the VIP leads to. Run inside a node's namespace:
 *   node dist/bench/failover/responder.js NODE PORT
 */
import http from 'node:http';

const [node = '?', portText = '8080'] = process.argv.slice(2);
const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
  response.end(node);
});
server.listen(Number(portText), '0.0.0.0', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
