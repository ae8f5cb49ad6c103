// The SSE reader the pages share (Sources/AppBaseWeb/Assets/kit/sse.js), under node:test
// (node 20 has fetch and web streams, so the module runs unchanged).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { SSEParser, openEventStream } from '../../Sources/AppBaseWeb/Assets/kit/sse.js';

test('whole events from pieces split anywhere, with CRLF, comments and multi-line data', () => {
  const text = ': heartbeat\r\nevent: snapshot\r\ndata: {"items":\r\ndata: []}\r\n\r\nevent: lifecycle\nid: 7\ndata: {"app":"a"}\n\n';
  for (let cut = 0; cut <= text.length; cut += 1) {
    const parser = new SSEParser();
    const events = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
    assert.deepEqual(events, [
      { event: 'snapshot', data: '{"items":\n[]}', id: '' },
      { event: 'lifecycle', data: '{"app":"a"}', id: '7' },
    ], `cut at ${cut}`);
  }
});

test('an event without data is not dispatched; an unnamed one is a message', () => {
  const parser = new SSEParser();
  assert.deepEqual(parser.push('event: nothing\n\ndata:x\n\n'), [{ event: 'message', data: 'x', id: '' }]);
});

test('a lone CR ends a line only once the next character shows it is not CRLF', () => {
  const parser = new SSEParser();
  assert.deepEqual(parser.push('data: a\r'), []);
  // The \n completes the CRLF of the data line (not a blank line); the next CRLF ends the event.
  assert.deepEqual(parser.push('\n'), []);
  assert.deepEqual(parser.push('\r\n'), [{ event: 'message', data: 'a', id: '' }]);
});

// openEventStream against a real loopback server: the first stream ends, the reader reconnects
// and reports it; a 401 stops it for good.

test('reconnects after the stream ends, sends the headers, and stops on 401', async () => {
  let requests = 0;
  const keys = [];
  const server = createServer((request, response) => {
    requests += 1;
    keys.push(request.headers['x-master-key']);
    if (requests === 3) { response.writeHead(401); response.end(); return; }
    response.writeHead(200, { 'Content-Type': 'text/event-stream' });
    response.end(`event: snapshot\ndata: {"n":${requests}}\n\n`); // ends the stream at once
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const statuses = [];
  const events = [];
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no 401 seen; statuses ${statuses}`)), 20000);
      openEventStream(`http://127.0.0.1:${port}/events`, {
        headers: { 'X-Master-Key': 'k' },
        onEvent: (event) => events.push(event.data),
        onStatus: (status) => statuses.push(status),
        onUnauthorized: () => { clearTimeout(timer); resolve(); },
      });
    });
  } finally {
    server.close();
  }
  assert.deepEqual(events, ['{"n":1}', '{"n":2}']);
  assert.deepEqual(statuses, ['connecting', 'live', 'reconnecting', 'live', 'reconnecting']);
  assert.deepEqual(keys, ['k', 'k', 'k']);
});
