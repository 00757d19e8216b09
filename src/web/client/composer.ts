/**
 * The query chips: one per input, each with a weight slider (0–2) and a "minus" toggle, so image +
 * audio − text style arithmetic can be composed by hand.
 */
import { h, type Child } from './dom.ts';
import { icon } from './icons.ts';
import { KIND_ICON, KIND_LABEL } from './kinds.ts';
import type { QueryInput, QueryState } from './state.ts';
import type { QueryKind } from './api.ts';

const PICTURE_KINDS: QueryKind[] = ['vision', 'depth', 'thermal'];

function media(input: QueryInput): Child {
  if (input.preview && PICTURE_KINDS.includes(input.kind))
    return h('img', { src: input.preview, alt: '', loading: 'lazy' });
  if (input.preview && input.kind === 'video')
    return h('video', { src: input.preview, muted: true, preload: 'metadata', 'aria-hidden': 'true' });
  return icon(KIND_ICON[input.kind], 22);
}

/** A picture file could be a photo, a depth map or a thermal frame: let the user say which. */
function kindControl(input: QueryInput, state: QueryState): Child {
  const badge = h('span', { class: `kind-badge k-${input.kind}` }, KIND_LABEL[input.kind]);
  if (!input.file || !PICTURE_KINDS.includes(input.kind)) return badge;
  const select = h(
    'select',
    {
      class: `kind-select k-${input.kind}`,
      'aria-label': `Kind of ${input.label}`,
      onchange: (e: Event) => {
        input.kind = (e.target as HTMLSelectElement).value as QueryKind;
        state.emit('inputs');
      },
    },
    ...PICTURE_KINDS.map((k) => h('option', { value: k, selected: k === input.kind }, KIND_LABEL[k])),
  );
  return select;
}

function chip(input: QueryInput, state: QueryState): HTMLElement {
  const out = h('output', { class: 'weight-value' }, input.weight.toFixed(2));
  const slider = h('input', {
    type: 'range',
    min: 0,
    max: 2,
    step: 0.05,
    value: input.weight,
    'aria-label': `Weight of ${input.label}`,
    oninput: (e: Event) => {
      input.weight = Number((e.target as HTMLInputElement).value);
      out.textContent = input.weight.toFixed(2);
      state.emit('weights');
    },
  });
  const minus = h(
    'button',
    {
      type: 'button',
      class: 'minus-toggle',
      'aria-pressed': String(input.negate),
      title: 'Subtract this input from the query',
      'aria-label': `Subtract ${input.label}`,
      onclick: () => {
        input.negate = !input.negate;
        minus.setAttribute('aria-pressed', String(input.negate));
        li.classList.toggle('negated', input.negate);
        state.emit('weights');
      },
    },
    icon('minus', 16),
  );
  const li = h(
    'li',
    { class: `chip${input.negate ? ' negated' : ''}`, 'data-kind': input.kind, 'data-testid': 'chip' },
    h('div', { class: `chip-media k-${input.kind}` }, media(input)),
    h(
      'div',
      { class: 'chip-main' },
      h(
        'div',
        { class: 'chip-top' },
        kindControl(input, state),
        h('span', { class: 'chip-label', title: input.label }, input.label),
      ),
      h('label', { class: 'weight' }, slider, out),
    ),
    h(
      'div',
      { class: 'chip-actions' },
      minus,
      h(
        'button',
        {
          type: 'button',
          class: 'icon-button chip-remove',
          'aria-label': `Remove ${input.label}`,
          onclick: () => state.remove(input.key),
        },
        icon('close', 16),
      ),
    ),
  );
  return li;
}

export function renderChips(list: HTMLElement, state: QueryState): void {
  list.replaceChildren(...state.inputs.map((i) => chip(i, state)));
  list.hidden = state.inputs.length === 0;
}
