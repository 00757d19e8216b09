/**
 * The official ImageBind README's example in TypeScript: three captions, three images and three
 * sounds, and the softmax similarity matrices between them.
 *
 *   npx imagebind convert imagebind_huge.pth --out models/huge --vocab bpe_simple_vocab_16e6.txt.gz
 *   npx tsx examples/official-readme.ts --model models/huge --assets path/to/ImageBind/.assets
 *
 * With the official checkpoint it prints the official README's expected output (see README.md).
 */
import { join } from 'node:path';
import { ImageBind } from '../src/index.ts';
import { softmax } from '../src/apps/classify.ts';

const args = process.argv.slice(2);
const flag = (n: string): string | undefined => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : undefined;
};
const assets = flag('--assets') ?? '.assets';
const model = await ImageBind.load(flag('--model'), { vocab: flag('--vocab') });

const textList = ['A dog.', 'A car', 'A bird'];
const names = ['dog', 'car', 'bird'];
const out = await model.embed({
  text: textList,
  vision: names.map((n) => join(assets, `${n}_image.jpg`)),
  audio: names.map((n) => join(assets, `${n}_audio.wav`)),
});
await model.close();
if (out.errors.length > 0) {
  for (const e of out.errors) console.error(`error [${e.code}]: ${e.message}`);
  process.exit(2);
}

/** softmax(a @ bᵀ, dim=-1), as `torch.softmax(embeddings[A] @ embeddings[B].T, dim=-1)`. */
function similarity(a: (Float32Array | null)[], b: (Float32Array | null)[]): number[][] {
  return a.map((x) => softmax(b.map((y) => y!.reduce((s, v, j) => s + v * x![j], 0))));
}

function show(label: string, m: number[][]): void {
  const fmt = (v: number) => (v >= 1e-3 ? v.toFixed(4) : v.toExponential(4));
  console.log(`${label}:\n[${m.map((r) => `[${r.map(fmt).join(', ')}]`).join(',\n ')}]\n`);
}

show('Vision x Text', similarity(out.vision!, out.text!));
show('Audio x Text', similarity(out.audio!, out.text!));
show('Vision x Audio', similarity(out.vision!, out.audio!));
