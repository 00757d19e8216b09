/** The header's model line and per-modality counts, and the modality filter pills (which show the same counts). */
import { KINDS, countsOf, type Counts, type Info, type Kind } from './api.ts';
import { h } from './dom.ts';
import { icon } from './icons.ts';
import { KIND_ICON, KIND_LABEL } from './kinds.ts';
import type { QueryState } from './state.ts';

export function renderInfo(info: Info, modelLine: HTMLElement, counts: HTMLElement): void {
  const c = countsOf(info);
  const total = KINDS.reduce((n, k) => n + (c[k] ?? 0), 0);
  modelLine.textContent = `${info.model.name} · ${info.model.dim}-d · ${total.toLocaleString()} items`;
  modelLine.title = `embedding space ${info.model.identity}`;
  counts.replaceChildren(
    ...KINDS.filter((k) => (c[k] ?? 0) > 0).map((k) =>
      h(
        'li',
        { class: `count k-${k}`, title: `${c[k]} ${KIND_LABEL[k].toLowerCase()} items`, 'data-kind': k },
        icon(KIND_ICON[k], 14),
        h('span', { class: 'count-n', 'data-testid': `count-${k}` }, String(c[k] ?? 0)),
        h('span', { class: 'sr-only' }, ` ${KIND_LABEL[k]}`),
      ),
    ),
  );
}

export function renderOffline(modelLine: HTMLElement, message: string): void {
  modelLine.textContent = message;
  modelLine.classList.add('offline');
}

export function renderFilters(box: HTMLElement, state: QueryState, counts: Counts): void {
  const pill = (k: Kind): HTMLElement => {
    const input = h('input', {
      type: 'checkbox',
      value: k,
      checked: state.modalities.has(k),
      'data-testid': `filter-${k}`,
      onchange: (e: Event) => {
        if ((e.target as HTMLInputElement).checked) state.modalities.add(k);
        else state.modalities.delete(k);
        state.emit('filters');
      },
    });
    return h(
      'label',
      { class: `pill k-${k}` },
      input,
      h('span', {}, icon(KIND_ICON[k], 14), KIND_LABEL[k], h('small', {}, String(counts[k] ?? 0))),
    );
  };
  box.replaceChildren(...KINDS.map(pill));
}
