/**
 * The "Generate image" action: the composed query (the same inputs as the search, e.g. a recorded
 * or dropped sound) goes to POST /v1/generate, whose streamed progress fills a bar, and the PNG
 * appears in the generation panel with a link to save it and a button for another seed.
 */
import { ApiError, errorFrom } from './api.ts';
import { h } from './dom.ts';
import { asJsonRequest, asMultipartRequest, needsMultipart } from './search-request.ts';
import type { QueryInput } from './state.ts';
import { authHeaders } from './token.ts';

export interface GenerateView {
  button: HTMLButtonElement;
  panel: HTMLElement;
  inputs: () => QueryInput[];
  onUnauthorized: () => void;
}

interface Settings {
  seed: number;
  steps?: number;
}

/** The request body: the search's JSON or multipart form plus the generation settings. */
async function requestInit(inputs: QueryInput[], s: Settings): Promise<RequestInit> {
  const p = { inputs, modalities: [], k: 1 };
  if (needsMultipart(inputs)) {
    const init = asMultipartRequest(p);
    const form = init.body as FormData;
    form.append('seed', String(s.seed));
    if (s.steps) form.append('steps', String(s.steps));
    return init;
  }
  const { init } = await asJsonRequest(p);
  const body = { ...(JSON.parse(String(init.body)) as object), seed: s.seed, ...(s.steps ? { steps: s.steps } : {}) };
  return { ...init, body: JSON.stringify(body) };
}

/** Reads server-sent events from a fetch body, calling `on(event, data)` for each. */
async function readEvents(res: Response, on: (event: string, data: unknown) => void): Promise<void> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (value) buf += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data !== undefined) on(event, JSON.parse(data));
    }
    if (done) return;
  }
}

export function setupGenerate(v: GenerateView): void {
  let seed = 0;
  let busy = false;

  const show = (...children: (Node | string)[]) => {
    v.panel.hidden = false;
    v.panel.replaceChildren(h('h2', { class: 'gen-title' }, 'Generated image'), ...children);
  };

  async function generate(newSeed: boolean): Promise<void> {
    if (busy) return;
    const inputs = v.inputs().filter((i) => i.weight !== 0);
    if (inputs.length === 0) {
      show(
        h(
          'p',
          { class: 'inline-msg', role: 'alert' },
          'Add an input first: record or drop a sound, an image, or type a description.',
        ),
      );
      return;
    }
    if (newSeed) seed = (seed + 1) >>> 0;
    busy = true;
    v.button.disabled = true;
    const bar = h('progress', { class: 'gen-progress', max: 1, value: 0, 'aria-label': 'Generation progress' });
    const status = h('p', { class: 'gen-status', role: 'status', 'aria-live': 'polite' }, 'Starting…');
    show(bar, status);
    const t0 = performance.now();
    try {
      const init = await requestInit(inputs, { seed });
      const res = await fetch('/v1/generate', {
        ...init,
        headers: {
          ...authHeaders(),
          ...(init.headers as Record<string, string> | undefined),
          accept: 'text/event-stream',
        },
      });
      if (!res.ok) throw errorFrom(res.status, await res.text());
      let png: string | null = null;
      await readEvents(res, (event, data) => {
        const d = data as { done?: number; total?: number; png?: string; code?: string; message?: string };
        if (event === 'progress' && d.total) {
          bar.max = d.total;
          bar.value = d.done ?? 0;
          status.textContent = `Step ${d.done} of ${d.total}`;
        } else if (event === 'image' && d.png) png = d.png;
        else if (event === 'error') throw new ApiError(400, d.code ?? 'ERROR', d.message ?? 'generation failed');
      });
      if (!png) throw new ApiError(0, 'NO_IMAGE', 'The server closed the stream without an image.');
      const src = `data:image/png;base64,${png}`;
      const secs = ((performance.now() - t0) / 1000).toFixed(1);
      const again = h('button', { type: 'button', class: 'button' }, 'Another seed');
      again.addEventListener('click', () => void generate(true));
      show(
        h('img', {
          class: 'gen-image',
          src,
          alt: `Image generated from ${inputs.map((i) => i.label).join(' + ')}`,
          'data-testid': 'generated',
        }),
        h('p', { class: 'gen-status' }, `Seed ${seed} · ${secs} s`),
        h(
          'div',
          { class: 'gen-actions' },
          h('a', { class: 'button', href: src, download: `generated-${seed}.png` }, 'Save PNG'),
          again,
        ),
      );
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) v.onUnauthorized();
      const code = e instanceof ApiError ? ` (${e.code})` : '';
      show(h('p', { class: 'inline-msg', role: 'alert' }, `Generation failed: ${(e as Error).message}${code}`));
    } finally {
      busy = false;
      v.button.disabled = false;
    }
  }

  v.button.addEventListener('click', () => void generate(false));
}
