/** The queue's addressing and wire formats: URLs, job ids, vectors, failure reasons. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageBindError, MediaError } from '../core/errors.ts';
import { parseQueueUrl } from './address.ts';
import { decodeVector, encodeVector, failureOf, failureReason, jobId } from './protocol.ts';

test('--queue URLs: host, port, name, db and credentials; bad ones name the flag and the fix', () => {
  const a = parseQueueUrl('redis://:s3cret@10.0.0.5:6380/photos-2026?db=3');
  assert.deepEqual(
    { host: a.host, port: a.port, name: a.name, db: a.db, password: a.password },
    { host: '10.0.0.5', port: 6380, name: 'photos-2026', db: 3, password: 's3cret' },
  );
  assert.equal(a.display, 'redis://10.0.0.5:6380/photos-2026?db=3', 'no password in messages');
  assert.equal(parseQueueUrl('redis://localhost/q').port, 6379);
  for (const [url, why] of [
    ['http://127.0.0.1:6379/q', /must start with redis:\/\//],
    ['redis://127.0.0.1:6379', /needs a queue name/],
    ['redis://127.0.0.1:6379/a:b', /needs a queue name/],
    ['redis://127.0.0.1:6379/q?db=99', /db= must be/],
    ['not a url', /is not a URL/],
  ] as const)
    assert.throws(
      () => parseQueueUrl(url),
      (e: ImageBindError) => e.code === 'BAD_QUEUE_URL' && why.test(e.message) && e.message.startsWith('--queue'),
      url,
    );
});

test('job ids, vectors and failure reasons survive the trip through Redis', () => {
  assert.equal(jobId('vision', 'ab12'), 'vision-ab12');
  const v = Float32Array.from([0.5, -1.25, 3e-8, 7]);
  assert.deepEqual(decodeVector(encodeVector(v), 4, 'job'), v);
  assert.throws(() => decodeVector(encodeVector(v), 8, 'job x'), /job x: the worker returned 4 numbers, not 8/);
  const reason = failureReason(new MediaError('IMAGE_DECODE_FAILED', '/a/b.png: not an image'));
  assert.deepEqual(failureOf(reason), { code: 'IMAGE_DECODE_FAILED', message: '/a/b.png: not an image' });
  assert.deepEqual(failureOf(failureReason(new Error('boom'))), { code: 'WORKER_FAILED', message: 'boom' });
  assert.deepEqual(failureOf('job stalled more than allowable limit'), {
    code: 'WORKER_FAILED',
    message: 'job stalled more than allowable limit',
  });
});
