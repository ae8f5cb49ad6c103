// The SSE reader the pages share (Sources/AppBaseWeb/Assets/kit/sse.js), under node:test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SSEParser } from '../../Sources/AppBaseWeb/Assets/kit/sse.js';

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
