import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { CLASSES, NUM_CLASSES } from './classes.ts';
import { World, WORLD_MODALITIES, type RawByModality, type WorldModality } from './world.ts';

function digest(m: WorldModality, raw: RawByModality[WorldModality]): string {
  const h = createHash('sha256');
  const add = (a: ArrayBufferView | string): void => {
    h.update(typeof a === 'string' ? a : new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  };
  if (m === 'image') add((raw as RawByModality['image']).data);
  else if (m === 'video') for (const f of raw as RawByModality['video']) add(f.data);
  else add(raw as Float32Array | Uint8Array | string);
  return h.digest('hex');
}

describe('World', () => {
  it('is a pure function of (seed, index) for every modality, independent of call order', () => {
    const a = new World(42),
      b = new World(42);
    const forward = [3, 4].map((i) => WORLD_MODALITIES.map((m) => digest(m, a.render(i, m))));
    const backward = [4, 3]
      .map((i) =>
        [...WORLD_MODALITIES]
          .reverse()
          .map((m) => digest(m, b.render(i, m)))
          .reverse(),
      )
      .reverse();
    assert.deepEqual(forward, backward);
    assert.deepEqual(JSON.stringify(a.scene(3)), JSON.stringify(b.scene(3)));
    const s = a.sample(3);
    assert.equal(digest('audio', s.audio), forward[0][WORLD_MODALITIES.indexOf('audio')]);
  });

  it('differs between seeds and between indices', () => {
    const a = new World(1),
      b = new World(2);
    for (const m of WORLD_MODALITIES.filter((x) => x !== 'text')) {
      assert.notEqual(digest(m, a.render(5, m)), digest(m, b.render(5, m)), m);
      assert.notEqual(digest(m, a.render(5, m)), digest(m, a.render(6, m)), m);
    }
  });

  it('deals classes in balanced blocks and names the primary class in the caption', () => {
    const w = new World(9);
    const counts = new Array<number>(NUM_CLASSES).fill(0);
    for (let i = 0; i < NUM_CLASSES * 4; i++) counts[w.classOf(i)]++;
    assert.deepEqual(counts, new Array<number>(NUM_CLASSES).fill(4));
    for (let i = 0; i < 64; i++) {
      const sc = w.scene(i),
        c = CLASSES[w.classOf(i)];
      assert.equal(sc.objects[sc.objects.length - 1].classId, c.id);
      const text = w.render(i, 'text');
      assert.ok(
        c.caption.nouns.some((n) => text.includes(n)),
        `${c.name}: ${text}`,
      );
      assert.ok(!sc.objects.slice(0, -1).some((o) => o.classId === c.id));
    }
    assert.ok(NUM_CLASSES >= 16);
  });

  it('has disjoint, class-balanced splits', () => {
    const w = new World(3);
    const [tr, va, te] = (['train', 'val', 'test'] as const).map((n) => w.split(n));
    assert.ok(tr.start + tr.size <= va.start && va.start + va.size <= te.start);
    for (const s of [tr, va, te]) assert.equal(s.start % NUM_CLASSES, 0);
    assert.deepEqual(va.indices(2, 1), [va.start + 1, va.start + 2]);
    assert.throws(() => va.index(va.size));
  });

  it('renders official raw formats with sane ranges', () => {
    const w = new World(5);
    for (let i = 0; i < 16; i++) {
      const s = w.sample(i);
      assert.equal(s.className, CLASSES[s.classId].name);
      assert.deepEqual([s.image.width, s.image.height, s.image.data.length], [224, 224, 224 * 224 * 3]);
      assert.equal(s.video.length, 2);
      assert.ok(s.video.every((f) => f.data.length === 224 * 224 * 3));
      assert.ok(s.audio instanceof Float32Array && s.audio.length === 32000);
      let peak = 0,
        energy = 0;
      for (const v of s.audio) {
        peak = Math.max(peak, Math.abs(v));
        energy += v * v;
      }
      assert.ok(peak <= 1 && peak > 0.05 && energy > 0, `audio peak ${peak}`);
      assert.ok(s.depth instanceof Float32Array && s.depth.length === 224 * 224);
      for (const d of s.depth) assert.ok(d > 0.04 && d <= 65, `depth ${d}`);
      assert.ok(s.thermal instanceof Uint8Array && s.thermal.length === 224 * 224);
      assert.ok(s.imu instanceof Float32Array && s.imu.length === 6 * 2000);
      let accMag = 0;
      for (let t = 0; t < 2000; t++) accMag += Math.hypot(s.imu[t], s.imu[2000 + t], s.imu[4000 + t]) / 2000;
      assert.ok(accMag > 7 && accMag < 40, `mean |acc| ${accMag} should be near g`);
      assert.ok(s.imu.every(Number.isFinite));
      assert.ok(s.caption.length > 5);
    }
  });

  it('moves the object between the two video frames', () => {
    const w = new World(8);
    let moved = 0;
    for (let i = 0; i < 16; i++) {
      const [a, b] = w.render(i, 'video');
      let diff = 0;
      for (let k = 0; k < a.data.length; k++) diff += Math.abs(a.data[k] - b.data[k]);
      if (diff / a.data.length > 4) moved++;
    }
    assert.ok(moved >= 4, `${moved} of 16 videos show visible motion`);
  });
});
