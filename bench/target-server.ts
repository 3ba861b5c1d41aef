// A minimal outgoing-call target for the e2e benchmark: answers every request with small JSON.
import { createServer } from 'node:http';

let n = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`{"ok":true,"id":${++n}}`);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1');
