/**
 * Indexing with segments end to end on real files (a WAV, an MP4 with sound, a silent MP4 made
 * from a synthetic timeline) with the shipped mini model: windows and their time ranges, the
 * best window for an event's own sound, re-cutting with another length, and the errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageBindError } from '../../core/errors.ts';
import { stack } from '../../core/tensor.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { preprocessWaveform } from '../../preprocess/audio/index.ts';
import { openStore } from '../../store/index.ts';
import { sampleTimeline, renderTimelineAudio } from '../../synth/world/timeline.ts';
import { writeTimelineVideo, writeTimelineWav } from '../../synth/world/timeline-files.ts';
import { indexPaths } from '../indexer.ts';
import { embedFileSegments } from './embed.ts';
import { searchSegmentsByVector } from './search.ts';

const dir = mkdtempSync(join(tmpdir(), 'imagebind-segments-test-'));
const tl = sampleTimeline(3, 0, { duration: 60, events: 2 });

test('index --segments: windows with time ranges per file, found by an event sound, re-cut on a new length', async () => {
  const media = join(dir, 'media');
  mkdirSync(media);
  const wav = join(media, 'room.wav');
  await writeTimelineWav(tl, wav);
  await writeTimelineVideo(tl, join(media, 'room.mp4'), { wav });
  await writeTimelineVideo(tl, join(media, 'silent.mp4'));
  const model = await ImageBind.load();
  const store = openStore(join(dir, 'index.db'), {
    space: { identity: model.identity, dim: model.manifest.config.out_embed_dim, modelName: 'mini' },
    ann: false,
  });
  try {
    const report = await indexPaths(model, store, [media], { segments: 10 });
    assert.deepEqual([report.found, report.added, report.failed.length], [3, 3, 0]);
    const windows = (path: string, kind: 'audio' | 'video', modality: string) =>
      store.segments
        .forItem(store.getByPath(join(media, path), kind)!.id)
        .filter((s) => s.modality === modality)
        .map((s) => [s.start, +s.end.toFixed(1)]);
    const tens = [0, 10, 20, 30, 40, 50].map((t) => [t, t + 10]);
    assert.deepEqual(windows('room.wav', 'audio', 'audio'), tens);
    assert.deepEqual(windows('room.mp4', 'video', 'video'), tens);
    assert.equal(windows('room.mp4', 'video', 'audio').length, 6, 'a video with sound gets sound windows too');
    assert.deepEqual(windows('silent.mp4', 'video', 'audio'), [], 'a silent video has no sound windows');
    assert.deepEqual(store.getByPath(join(media, 'silent.mp4'), 'video')!.metadata.segments, {
      seconds: 10,
      count: 6,
      duration: 60,
      audio: false,
    });
    // Each event's own sound finds a window that overlaps the event, in the WAV.
    for (const e of tl.events) {
      const sound = preprocessWaveform([renderTimelineAudio(tl, e.start, e.end)], 16000);
      const q = (await model.embedTensor('audio', stack([sound]))).data;
      const [best] = searchSegmentsByVector(store, q, { k: 1, within: wav });
      assert.ok(
        Math.min(best.end, e.end) > Math.max(best.start, e.start),
        `event ${e.start.toFixed(1)}–${e.end.toFixed(1)} s, best window ${best.start}–${best.end} s`,
      );
    }
    // Unchanged files are skipped; a new window length re-cuts them.
    const again = await indexPaths(model, store, [media], { segments: 10 });
    assert.deepEqual([again.added, again.skipped], [0, 3]);
    const recut = await indexPaths(model, store, [media], { segments: 25 });
    assert.equal(recut.added, 3);
    assert.deepEqual(windows('room.wav', 'audio', 'audio'), [
      [0, 25],
      [25, 50],
      [50, 60],
    ]);
  } finally {
    store.close();
    await model.close();
  }
});

test('segments: a file with no audio track indexed as audio fails alone; bad lengths and kinds are refused', async () => {
  const media = join(dir, 'forced');
  mkdirSync(media);
  copyFileSync(join(dir, 'media', 'silent.mp4'), join(media, 'silent.mp4'));
  copyFileSync(join(dir, 'media', 'room.wav'), join(media, 'room.wav'));
  const model = await ImageBind.load();
  const store = openStore(join(dir, 'forced.db'), {
    space: { identity: model.identity, dim: model.manifest.config.out_embed_dim, modelName: 'mini' },
    ann: false,
  });
  try {
    const report = await indexPaths(model, store, [media], { segments: 30, overrides: new Map([['.mp4', 'audio']]) });
    assert.equal(report.added, 1);
    assert.deepEqual(
      report.failed.map((f) => f.code),
      ['AUDIO_NO_TRACK'],
    );
    assert.match(report.failed[0].message, /silent\.mp4: has no audio track/);
    for (const seconds of [0, -2])
      await assert.rejects(
        indexPaths(model, store, [media], { segments: seconds }),
        (e: ImageBindError) => e.code === 'SEGMENTS_BAD_LENGTH',
      );
    await assert.rejects(
      embedFileSegments(model, join(media, 'room.wav'), 'vision', { seconds: 10 }),
      (e: ImageBindError) => e.code === 'SEGMENTS_NOT_TIMED' && /only audio and video/.test(e.message),
    );
    await assert.rejects(
      embedFileSegments(model, join(media, 'room.wav'), 'audio', { seconds: Number.NaN }),
      (e: ImageBindError) => e.code === 'SEGMENTS_BAD_LENGTH',
    );
  } finally {
    store.close();
    await model.close();
  }
});
