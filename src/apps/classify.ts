/**
 * Zero-shot classification, as in the official README: softmax over the dot products of an
 * input's embedding with each label's text embedding, both as the model outputs them (so the
 * modalities' logit scales act as the softmax temperature, exactly like `torch.softmax(x @ t.T)`).
 */
import { MediaError } from '../core/errors.ts';
import { type EmbedBackend, type ItemError, embedInputs } from '../embed/embed.ts';
import type { FileKind } from '../preprocess/loaders.ts';

export interface ClassifyInput {
  readonly kind: FileKind;
  readonly input: string;
}

export interface Classification {
  readonly input: string;
  readonly kind: FileKind;
  readonly probs: Record<string, number>;
  readonly label: string;
}

export function softmax(logits: readonly number[]): number[] {
  const m = Math.max(...logits);
  const e = logits.map((x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

export async function classifyZeroShot(
  model: EmbedBackend,
  inputs: readonly ClassifyInput[],
  labels: readonly string[],
  template = 'a {}.',
): Promise<{ results: Classification[]; errors: ItemError[] }> {
  if (labels.length < 2)
    throw new MediaError('LABELS_REQUIRED', 'give at least two labels, e.g. --labels "dog,car,bird".');
  const prompts = labels.map((l) => (template.includes('{}') ? template.replaceAll('{}', l) : `${template} ${l}`));
  const text = await embedInputs(model, { text: prompts });
  const labelVecs = text.text!.map((v) => v!);
  const results: Classification[] = [];
  const errors: ItemError[] = [];
  const byKind = new Map<FileKind, ClassifyInput[]>();
  for (const i of inputs) byKind.set(i.kind, [...(byKind.get(i.kind) ?? []), i]);
  for (const [kind, group] of byKind) {
    const out = await embedInputs(model, { [kind]: group.map((g) => g.input) });
    errors.push(...out.errors.map((e) => ({ ...e, input: group[e.index].input })));
    (out[kind] ?? []).forEach((v, i) => {
      if (!v) return;
      const logits = labelVecs.map((t) => t.reduce((a, x, j) => a + x * v[j], 0));
      const p = softmax(logits);
      const best = p.indexOf(Math.max(...p));
      results.push({
        input: group[i].input,
        kind,
        probs: Object.fromEntries(labels.map((l, j) => [l, p[j]])),
        label: labels[best],
      });
    });
  }
  const order = new Map(inputs.map((x, i) => [x.input, i]));
  results.sort((a, b) => order.get(a.input)! - order.get(b.input)!);
  return { results, errors };
}
