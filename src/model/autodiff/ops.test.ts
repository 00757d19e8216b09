/** Finite-difference checks of every backward rule, one tiny graph per case. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attr } from '../graph.ts';
import { gradientGraph } from './gradient.ts';
import { assertGradients, opCase } from '../../../test/helpers/autodiff-ops.ts';

const awayFromZero = (x: number) => (x >= 0 ? x + 0.3 : x - 0.3);
const positive = (x: number) => Math.abs(x) + 0.5;

const cases: Record<string, () => ReturnType<typeof opCase>> = {
  'Gemm transB=1 with bias': () =>
    opCase(
      [
        { name: 'x', shape: [3, 4] },
        { name: 'w', shape: [5, 4] },
        { name: 'b', shape: [5] },
      ],
      (g, v) => g.op('Gemm', [v.x, v.w, v.b], { transB: attr.i(1) }),
    ),
  'Gemm transB=1 without bias': () =>
    opCase(
      [
        { name: 'x', shape: [3, 4] },
        { name: 'w', shape: [5, 4] },
      ],
      (g, v) => g.op('Gemm', [v.x, v.w], { transB: attr.i(1) }),
    ),
  'Gemm transB=0': () =>
    opCase(
      [
        { name: 'x', shape: [3, 4] },
        { name: 'w', shape: [4, 5] },
      ],
      (g, v) => g.op('Gemm', [v.x, v.w]),
    ),
  'MatMul batched': () =>
    opCase(
      [
        { name: 'a', shape: [2, 3, 4, 5] },
        { name: 'b', shape: [2, 3, 5, 2] },
      ],
      (g, v) => g.op('MatMul', [v.a, v.b]),
    ),
  'MatMul broadcast rank': () =>
    opCase(
      [
        { name: 'a', shape: [2, 3, 4, 5] },
        { name: 'b', shape: [5, 2] },
      ],
      (g, v) => g.op('MatMul', [v.a, v.b]),
    ),
  'MatMul broadcast unit dims': () =>
    opCase(
      [
        { name: 'a', shape: [1, 3, 4, 5] },
        { name: 'b', shape: [2, 1, 5, 2] },
      ],
      (g, v) => g.op('MatMul', [v.a, v.b]),
    ),
  'Add broadcast': () =>
    opCase(
      [
        { name: 'a', shape: [2, 3, 4] },
        { name: 'b', shape: [4] },
      ],
      (g, v) => g.op('Add', [v.a, v.b]),
    ),
  'Add unit dims': () =>
    opCase(
      [
        { name: 'a', shape: [2, 3, 4] },
        { name: 'b', shape: [1, 3, 1] },
      ],
      (g, v) => g.op('Add', [v.a, v.b]),
    ),
  'Add same value twice (accumulation)': () =>
    opCase([{ name: 'a', shape: [2, 3] }], (g, v) => g.op('Mul', [g.op('Add', [v.a, v.a]), v.a])),
  'Sub broadcast': () =>
    opCase(
      [
        { name: 'a', shape: [2, 3] },
        { name: 'b', shape: [2, 1] },
      ],
      (g, v) => g.op('Sub', [v.a, v.b]),
    ),
  'Mul broadcast scalar': () =>
    opCase(
      [
        { name: 'a', shape: [2, 3] },
        { name: 'b', shape: [] },
      ],
      (g, v) => g.op('Mul', [v.a, v.b]),
    ),
  'Div broadcast': () =>
    opCase(
      [
        { name: 'a', shape: [2, 3] },
        { name: 'b', shape: [2, 1], map: positive },
      ],
      (g, v) => g.op('Div', [v.a, v.b]),
    ),
  Erf: () => opCase([{ name: 'x', shape: [3, 4] }], (g, v) => g.op('Erf', [v.x])),
  Exp: () => opCase([{ name: 'x', shape: [3, 4] }], (g, v) => g.op('Exp', [v.x])),
  Log: () => opCase([{ name: 'x', shape: [3, 4], map: positive }], (g, v) => g.op('Log', [v.x])),
  Sqrt: () => opCase([{ name: 'x', shape: [3, 4], map: positive }], (g, v) => g.op('Sqrt', [v.x])),
  Neg: () => opCase([{ name: 'x', shape: [3, 4] }], (g, v) => g.op('Neg', [v.x])),
  Identity: () => opCase([{ name: 'x', shape: [3, 4] }], (g, v) => g.op('Identity', [v.x])),
  'Max with a constant': () =>
    opCase([{ name: 'x', shape: [3, 4], map: awayFromZero }], (g, v) => g.op('Max', [v.x, g.constF32('c', [0], [])])),
  'Min with a constant': () =>
    opCase([{ name: 'x', shape: [3, 4], map: awayFromZero }], (g, v) => g.op('Min', [v.x, g.constF32('c', [0], [])])),
  'Max of two tensors': () =>
    opCase(
      [
        { name: 'a', shape: [3, 4] },
        { name: 'b', shape: [3, 1] },
      ],
      (g, v) => g.op('Max', [v.a, v.b]),
    ),
  LayerNormalization: () =>
    opCase(
      [
        { name: 'x', shape: [2, 3, 6] },
        { name: 'w', shape: [6] },
        { name: 'b', shape: [6] },
      ],
      (g, v) => g.op('LayerNormalization', [v.x, v.w, v.b], { axis: attr.i(-1), epsilon: attr.f(1e-6) }),
    ),
  'Softmax axis -1': () =>
    opCase([{ name: 'x', shape: [2, 3, 5] }], (g, v) => g.op('Softmax', [v.x], { axis: attr.i(-1) })),
  'LogSoftmax axis -1': () =>
    opCase([{ name: 'x', shape: [3, 5] }], (g, v) => g.op('LogSoftmax', [v.x], { axis: attr.i(-1) })),
  Reshape: () => opCase([{ name: 'x', shape: [2, 3, 4] }], (g, v) => g.op('Reshape', [v.x, g.constI64('s', [-1, 4])])),
  Transpose: () =>
    opCase([{ name: 'x', shape: [2, 3, 4, 5] }], (g, v) => g.op('Transpose', [v.x], { perm: attr.ints([2, 0, 3, 1]) })),
  'Concat axis 1': () =>
    opCase(
      [
        { name: 'a', shape: [2, 1, 4] },
        { name: 'b', shape: [2, 3, 4] },
      ],
      (g, v) => g.op('Concat', [v.a, v.b], { axis: attr.i(1) }),
    ),
  'Expand with a runtime shape': () =>
    opCase(
      [
        { name: 'x', shape: [1, 1, 4] },
        { name: 'ref', shape: [3, 2], wrt: false },
      ],
      (g, v) => {
        const b = g.op('Shape', [v.ref], { start: attr.i(0), end: attr.i(1) });
        return g.op('Expand', [v.x, g.op('Concat', [b, g.constI64('t', [5, 4])], { axis: attr.i(0) })]);
      },
    ),
  'Gather axis 0 (embedding, repeated ids)': () =>
    opCase(
      [
        { name: 't', shape: [6, 3] },
        { name: 'ids', shape: [2, 4], int: [1, 5, 1, 0, 2, 2, 2, 5] },
      ],
      (g, v) => g.op('Gather', [v.t, v.ids], { axis: attr.i(0) }),
    ),
  'Gather axis 0 scalar index': () =>
    opCase([{ name: 'x', shape: [3, 2, 4] }], (g, v) =>
      g.op('Gather', [v.x, g.constI64('i', [1], [])], { axis: attr.i(0) }),
    ),
  'Gather axis 1 scalar index': () =>
    opCase([{ name: 'x', shape: [2, 5, 3] }], (g, v) =>
      g.op('Gather', [v.x, g.constI64('i', [0], [])], { axis: attr.i(1) }),
    ),
  'Gather axis 1 index vector': () =>
    opCase([{ name: 'x', shape: [2, 5, 3] }], (g, v) =>
      g.op('Gather', [v.x, g.constI64('i', [4, 1, 4])], { axis: attr.i(1) }),
    ),
  'Squeeze / Unsqueeze': () =>
    opCase([{ name: 'x', shape: [2, 1, 3] }], (g, v) =>
      g.op('Unsqueeze', [g.op('Squeeze', [v.x, g.constI64('a', [1])]), g.constI64('b', [0])]),
    ),
  'ReduceL2 keepdims': () =>
    opCase([{ name: 'x', shape: [3, 4] }], (g, v) =>
      g.op('ReduceL2', [v.x], { axes: attr.ints([-1]), keepdims: attr.i(1) }),
    ),
  'ReduceL2 no keepdims': () =>
    opCase([{ name: 'x', shape: [3, 4] }], (g, v) =>
      g.op('ReduceL2', [v.x], { axes: attr.ints([0]), keepdims: attr.i(0) }),
    ),
  'ReduceSum axes input': () =>
    opCase([{ name: 'x', shape: [2, 3, 4] }], (g, v) =>
      g.op('ReduceSum', [v.x, g.constI64('a', [0, 2])], { keepdims: attr.i(0) }),
    ),
  'ReduceMean attr axes': () =>
    opCase([{ name: 'x', shape: [2, 3, 4] }], (g, v) =>
      g.op('ReduceMean', [v.x], { axes: attr.ints([1]), keepdims: attr.i(1) }),
    ),
  'Conv2d stride = kernel (weight), cropped input': () =>
    opCase(
      [
        { name: 'x', shape: [2, 2, 9, 10], wrt: false },
        { name: 'w', shape: [3, 2, 4, 4] },
      ],
      (g, v) => g.op('Conv', [v.x, v.w], { kernel_shape: attr.ints([4, 4]), strides: attr.ints([4, 4]) }),
    ),
  'Conv3d stride = kernel (weight)': () =>
    opCase(
      [
        { name: 'x', shape: [2, 3, 4, 8, 8], wrt: false },
        { name: 'w', shape: [5, 3, 2, 4, 4] },
      ],
      (g, v) => g.op('Conv', [v.x, v.w], { kernel_shape: attr.ints([2, 4, 4]), strides: attr.ints([2, 4, 4]) }),
    ),
};

for (const [name, make] of Object.entries(cases)) {
  test(`gradient: ${name}`, async (t) => {
    t.diagnostic(
      `worst relative error ${(await assertGradients(make(), { samples: 8 })).worstRelError.toExponential(2)}`,
    );
  });
}

test('gradient: an op without a rule on the path is a clear error naming it', () => {
  const c = opCase([{ name: 'x', shape: [3] }], (g, v) => g.op('Tanh', [v.x]));
  assert.throws(() => gradientGraph(c.graph, { loss: c.loss, wrt: c.wrt }), /no gradient rule for Tanh/);
});

test('gradient: Conv w.r.t. its input is refused', () => {
  const c = opCase(
    [
      { name: 'x', shape: [1, 1, 4, 4] },
      { name: 'w', shape: [1, 1, 2, 2], wrt: false },
    ],
    (g, v) => g.op('Conv', [v.x, v.w], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }),
  );
  assert.throws(() => gradientGraph(c.graph, { loss: c.loss, wrt: ['x'] }), /Conv .*input is not supported/);
});

test('gradient: a weight off the loss path gets a zero gradient', async () => {
  const c = opCase(
    [
      { name: 'x', shape: [3] },
      { name: 'unused', shape: [2] },
    ],
    (_g, v) => v.x,
  );
  const r = await assertGradients(c);
  assert.ok(r.entries.filter((e) => e.name === 'unused').every((e) => e.analytic === 0));
});
