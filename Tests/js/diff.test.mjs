// The dashboard's "review before saving" diff (Sources/AppBaseWeb/Assets/dashboard/diff.js), under node:test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineDiff } from '../../Sources/AppBaseWeb/Assets/dashboard/diff.js';

const render = (parts) => parts.map((p) => `${p.kind === 'added' ? '+' : p.kind === 'removed' ? '-' : ' '}${p.line}`);

test('a changed member shows as one removed and one added line, the rest unchanged', () => {
  const before = JSON.stringify({ id: 'a', title: 'x', status: 'open' }, null, 2);
  const after = JSON.stringify({ id: 'a', title: 'x', status: 'done' }, null, 2);
  assert.deepEqual(render(lineDiff(before, after)), [
    ' {', '   "id": "a",', '   "title": "x",', '-  "status": "open"', '+  "status": "done"', ' }',
  ]);
});

test('applying the diff gives back both texts', () => {
  const before = 'a\nb\nc\nd\ne';
  const after = 'a\nc\nx\nd\ne\nf';
  const parts = lineDiff(before, after);
  assert.equal(parts.filter((p) => p.kind !== 'added').map((p) => p.line).join('\n'), before);
  assert.equal(parts.filter((p) => p.kind !== 'removed').map((p) => p.line).join('\n'), after);
  assert.equal(parts.filter((p) => p.kind === 'same').length, 4);
});

test('identical texts are all unchanged; huge ones fall back to replace-all without freezing', () => {
  assert.ok(lineDiff('a\nb', 'a\nb').every((p) => p.kind === 'same'));
  const big = Array.from({ length: 3000 }, (_, i) => `line ${i}`).join('\n');
  const parts = lineDiff(big, `${big}\nmore`);
  assert.equal(parts.length, 6001);
});
