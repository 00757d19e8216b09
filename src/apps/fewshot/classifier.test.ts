import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ImageBindError } from '../../core/errors.ts';
import { Rng } from '../../core/random.ts';
import { fitFewShot, predict, predictOne } from './classifier.ts';
import { FEWSHOT_METHODS, type LabeledVector } from './types.ts';

const DIM = 64,
  CLASSES = ['ant', 'bee', 'cat', 'dog'];

/** Gaussian clusters around random unit centres; noise norm ≈ 2 × the centre's, so they overlap. */
function clusters(seed: number, perClass: number): LabeledVector[] {
  const rc = new Rng(7);
  const cs = CLASSES.map(() => {
    const v = Array.from({ length: DIM }, () => rc.normal());
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  });
  const r = new Rng(seed);
  const out: LabeledVector[] = [];
  for (let i = 0; i < perClass; i++) {
    CLASSES.forEach((label, c) => out.push({ label, vector: Float32Array.from(cs[c], (x) => x + 0.25 * r.normal()) }));
  }
  return out;
}

const train = clusters(11, 5);
const queries = clusters(12, 50);

for (const method of FEWSHOT_METHODS) {
  test(`${method}: well above chance on overlapping clusters, probabilities sum to 1`, () => {
    const clf = fitFewShot(train, method, { k: 3 });
    assert.deepEqual(clf.labels, CLASSES);
    const preds = predict(
      clf,
      queries.map((q) => q.vector),
    );
    const acc = preds.filter((p, i) => p.label === queries[i].label).length / queries.length;
    console.log(`# ${method}: accuracy ${(acc * 100).toFixed(1)}% (chance 25%)`);
    assert.ok(acc >= 0.7, `accuracy ${acc}`);
    for (const p of preds) {
      assert.ok(Math.abs(p.probs.reduce((a, b) => a + b, 0) - 1) < 1e-9);
      assert.ok(p.probs.every((x) => x >= 0 && x <= 1));
      assert.equal(p.label, clf.labels[p.index]);
    }
  });

  test(`${method}: deterministic, and independent of the training order`, () => {
    const a = predict(
      fitFewShot(train, method),
      queries.slice(0, 20).map((q) => q.vector),
    );
    const b = predict(
      fitFewShot(train, method),
      queries.slice(0, 20).map((q) => q.vector),
    );
    assert.deepEqual(
      a.map((p) => Array.from(p.probs)),
      b.map((p) => Array.from(p.probs)),
    );
    const c = predict(
      fitFewShot([...train].reverse(), method),
      queries.slice(0, 20).map((q) => q.vector),
    );
    assert.deepEqual(
      a.map((p) => p.label),
      c.map((p) => p.label),
    );
  });

  test(`${method}: a training example classifies as its own label`, () => {
    const clf = fitFewShot(train, method, { k: 1 });
    const hits = train.filter((t) => predictOne(clf, t.vector).label === t.label).length;
    assert.ok(method === 'knn' ? hits === train.length : hits >= train.length * 0.9, `${hits}/${train.length}`);
  });
}

test('knn: distance-weighted votes, exact duplicates win outright', () => {
  const t: LabeledVector[] = [
    { label: 'a', vector: [1, 0, 0] },
    { label: 'b', vector: [0.9, 0.1, 0] },
    { label: 'b', vector: [0.9, 0, 0.1] },
  ];
  const clf = fitFewShot(t, 'knn', { k: 3 });
  assert.deepEqual(Array.from(predictOne(clf, [2, 0, 0]).probs), [1, 0]);
  const p = predictOne(clf, [0.95, 0.05, 0.05]).probs;
  assert.ok(p[1] > p[0] && p[0] > 0);
});

test('prototype: temperature sharpens without changing the ranking', () => {
  const soft = fitFewShot(train, 'prototype', { temperature: 1 });
  const sharp = fitFewShot(train, 'prototype', { temperature: 0.01 });
  const q = queries[0].vector;
  assert.equal(predictOne(soft, q).label, predictOne(sharp, q).label);
  assert.ok(Math.max(...predictOne(sharp, q).probs) > Math.max(...predictOne(soft, q).probs));
});

test('logreg: standardisation is optional and still fits', () => {
  const clf = fitFewShot(train, 'logreg', { standardize: true });
  const acc =
    predict(
      clf,
      queries.map((q) => q.vector),
    ).filter((p, i) => p.label === queries[i].label).length / queries.length;
  assert.ok(acc >= 0.7, `accuracy ${acc}`);
});

test('errors: empty set, one class, mismatched dimensions, other spaces, non-finite, bad options', () => {
  const code = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof ImageBindError);
      return e.code;
    }
    return 'no error';
  };
  assert.equal(
    code(() => fitFewShot([], 'knn')),
    'FEWSHOT_EMPTY',
  );
  assert.equal(
    code(() =>
      fitFewShot([
        { label: 'a', vector: [1, 0] },
        { label: 'a', vector: [0, 1] },
      ]),
    ),
    'FEWSHOT_ONE_CLASS',
  );
  assert.equal(
    code(() =>
      fitFewShot([
        { label: 'a', vector: [1, 0] },
        { label: 'b', vector: [0, 1, 0] },
      ]),
    ),
    'FEWSHOT_SPACE_MISMATCH',
  );
  assert.equal(
    code(() =>
      fitFewShot([
        { label: 'a', vector: [1, NaN] },
        { label: 'b', vector: [0, 1] },
      ]),
    ),
    'FEWSHOT_NOT_FINITE',
  );
  const clf = fitFewShot(train, 'prototype', { space: 'model-A' });
  assert.equal(
    code(() => predictOne(clf, new Float32Array(DIM + 1))),
    'FEWSHOT_SPACE_MISMATCH',
  );
  assert.equal(
    code(() => predictOne(clf, train[0].vector, 'model-B')),
    'FEWSHOT_SPACE_MISMATCH',
  );
  assert.equal(predictOne(clf, train[0].vector, 'model-A').label, train[0].label);
  assert.equal(
    code(() => fitFewShot(train, 'knn', { k: 0 })),
    'BAD_ARGUMENT',
  );
  assert.equal(
    code(() => fitFewShot(train, 'prototype', { temperature: 0 })),
    'BAD_ARGUMENT',
  );
  assert.equal(
    code(() => fitFewShot(train, 'svm' as never)),
    'BAD_ARGUMENT',
  );
});
