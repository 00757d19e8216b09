/**
 * Structure-blind mutations of a seed input, as fast-check arbitraries, so failures shrink to a
 * small list of edits. The edits favour what breaks parsers: header integers set to boundary
 * values (0, 1, 0x7f.., 0xff.., sizes near 2^31/2^32), bytes flipped, ranges deleted or
 * duplicated, inputs cut short.
 */
import fc from 'fast-check';

export type Mutation =
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'int'; at: number; width: 2 | 4; little: boolean; value: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'truncate'; at: number };

const INTERESTING = [
  0, 1, 2, 3, 7, 8, 15, 16, 31, 255, 256, 1000, 4096, 32767, 32768, 65535, 65536, 0x7fffffff, 0x80000000, 0xfffffffe,
  0xffffffff,
];

/** Positions are fractions of the input length (so one case fits any seed); header bytes are favoured. */
const position = fc.oneof(fc.integer({ min: 0, max: 64 }), fc.double({ min: 0, max: 1, noNaN: true }));

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('byte' as const), at: position, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('int' as const),
    at: position,
    width: fc.constantFrom(2 as const, 4 as const),
    little: fc.boolean(),
    value: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat()),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: position, length: fc.integer({ min: 1, max: 256 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
) as fc.Arbitrary<Mutation>;

function place(at: number, length: number): number {
  if (length === 0) return 0;
  return Number.isInteger(at) && at >= 1 ? Math.min(at, length - 1) : Math.floor(at * length) % length;
}

/** Applies the edits in order to a copy of `seed`. */
export function applyMutations(seed: Uint8Array, edits: readonly Mutation[]): Uint8Array {
  let b = Uint8Array.from(seed);
  for (const m of edits) {
    if (b.length === 0) break;
    const at = place(m.at, b.length);
    switch (m.kind) {
      case 'byte':
        b[at] = m.value;
        break;
      case 'int': {
        const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
        if (at + m.width > b.length) break;
        if (m.width === 2) v.setUint16(at, m.value & 0xffff, m.little);
        else v.setUint32(at, m.value >>> 0, m.little);
        break;
      }
      case 'delete':
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + m.length)]);
        break;
      case 'duplicate': {
        const piece = b.subarray(at, at + m.length);
        const out = new Uint8Array(b.length + piece.length);
        out.set(b.subarray(0, at + piece.length));
        out.set(piece, at + piece.length);
        out.set(b.subarray(at + piece.length), at + 2 * piece.length);
        b = out;
        break;
      }
      case 'truncate':
        b = b.slice(0, at);
        break;
    }
  }
  return b;
}

/** A seed index and a short list of edits. */
export function caseArb(seeds: number): fc.Arbitrary<{ seed: number; edits: Mutation[] }> {
  return fc.record({
    seed: fc.integer({ min: 0, max: Math.max(0, seeds - 1) }),
    edits: fc.array(mutationArb, { minLength: 1, maxLength: 6 }),
  });
}
