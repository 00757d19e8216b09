/** The result grid: one card per hit, with media suited to its modality, score and file name. */
import { authHeaders } from './token.ts';
import { displayName, mediaSrc, type Hit } from './api.ts';
import { falseColour } from './colormap.ts';
import { h, s, type Child } from './dom.ts';
import { icon } from './icons.ts';
import { KIND_ICON, KIND_LABEL, isPictureKind } from './kinds.ts';
import { parseChannels, sparkline } from './sparkline.ts';

export interface ResultActions {
  useAsQuery: (hit: Hit) => void;
}

function placeholder(hit: Hit, note?: string): HTMLElement {
  return h(
    'div',
    { class: 'placeholder' },
    icon(KIND_ICON[hit.modality] ?? 'spark', 36),
    note ? h('span', {}, note) : null,
  );
}

/** A decorative waveform, varied per item so a page of sounds does not look like one repeated tile. */
function waveform(hit: Hit): SVGSVGElement {
  let seed = 0;
  for (const ch of `${hit.id}${hit.path}`) seed = (seed * 31 + ch.charCodeAt(0)) >>> 0;
  const bars: SVGElement[] = [];
  for (let i = 0; i < 32; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const env = Math.sin((i / 31) * Math.PI) * 0.75 + 0.25;
    const height = 6 + ((seed >>> 16) / 65535) * 44 * env;
    bars.push(s('rect', { x: i * 7 + 2, y: 30 - height / 2, width: 4, height, rx: 2 }));
  }
  return s('svg', { class: 'waveform', viewBox: '0 0 226 60', 'aria-hidden': 'true' }, ...bars);
}

/** 75.4 → "1:15" (whole seconds, as media players count); under a second → "0:00.4", so it does not read as empty. */
export function clipLength(seconds: number): string {
  if (seconds < 1) return `0:00.${Math.min(9, Math.max(1, Math.round(seconds * 10)))}`;
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

async function loadImu(hit: Hit, box: HTMLElement): Promise<void> {
  try {
    const res = await fetch(mediaSrc(hit), { headers: authHeaders() });
    if (!res.ok) throw new Error(String(res.status));
    const channels = parseChannels((await res.text()).slice(0, 400_000));
    box.replaceChildren(
      channels.length ? sparkline(channels, `IMU channels of ${displayName(hit)}`) : placeholder(hit, 'IMU'),
    );
  } catch {
    box.replaceChildren(placeholder(hit, 'IMU'));
  }
}

/** 75.5 → "1:15.5". */
function clock(seconds: number): string {
  const m = Math.floor(seconds / 60),
    s = seconds - 60 * m;
  return `${m}:${s.toFixed(1).padStart(4, '0')}`;
}

/** A media fragment (#t=start,end): the player starts at the matching window and stops after it. */
function segmentFragment(hit: Hit): string | null {
  const seg = hit.segment;
  return seg ? `#t=${seg.start.toFixed(2)},${seg.end.toFixed(2)}` : null;
}

/** Seeks to the segment's start once the media is known, for browsers that ignore #t= fragments. */
function fromSegmentStart<M extends HTMLMediaElement>(hit: Hit, el: M): M {
  const seg = hit.segment;
  if (seg)
    el.addEventListener(
      'loadedmetadata',
      () => {
        if (Math.abs(el.currentTime - seg.start) > 0.25) el.currentTime = seg.start;
      },
      { once: true },
    );
  return el;
}

function media(hit: Hit): HTMLElement {
  const box = h('div', { class: `card-media k-${hit.modality}` });
  const src = mediaSrc(hit);
  const fragment = segmentFragment(hit);
  const name = displayName(hit);
  if (isPictureKind(hit.modality)) {
    const img = h('img', { src, alt: name, loading: 'lazy', decoding: 'async' });
    img.addEventListener('error', () => box.replaceChildren(placeholder(hit, 'No preview')));
    if (hit.modality !== 'vision') {
      const kind = hit.modality as 'depth' | 'thermal';
      img.addEventListener(
        'load',
        () => {
          const c = falseColour(img, kind);
          if (c) img.replaceWith(c);
        },
        { once: true },
      );
    }
    box.append(img);
  } else if (hit.modality === 'video') {
    // #t=0.1 makes browsers paint a real frame as the poster instead of a black first frame.
    box.append(
      fromSegmentStart(
        hit,
        h('video', {
          src: `${src}${fragment ?? '#t=0.1'}`,
          preload: 'metadata',
          controls: true,
          playsinline: true,
          muted: true,
          'aria-label': name,
        }) as HTMLVideoElement,
      ),
    );
  } else if (hit.modality === 'audio') {
    box.classList.add('has-player');
    // A card's player is too narrow for the browser to show the total time (it shows the position,
    // 0:00), so the clip's length is written on the card once its header ('metadata') has loaded.
    const audio = fromSegmentStart(
      hit,
      h('audio', {
        src: `${src}${fragment ?? ''}`,
        controls: true,
        preload: 'metadata',
        'aria-label': name,
      }) as HTMLAudioElement,
    );
    const length = h('span', { class: 'duration', 'data-testid': 'duration', hidden: true });
    audio.addEventListener('loadedmetadata', () => {
      if (!Number.isFinite(audio.duration)) return;
      length.textContent = clipLength(audio.duration);
      length.hidden = false;
    });
    box.append(waveform(hit), length, audio);
  } else if (hit.modality === 'imu' && /\.(csv|tsv)$/i.test(hit.path)) {
    box.append(placeholder(hit, 'IMU'));
    void loadImu(hit, box);
  } else if (hit.modality === 'text' && typeof hit.metadata.text === 'string') {
    box.append(h('blockquote', { class: 'text-hit' }, hit.metadata.text));
  } else {
    box.append(placeholder(hit, KIND_LABEL[hit.modality] ?? hit.modality));
  }
  return box;
}

function card(hit: Hit, rank: number, actions: ResultActions): HTMLElement {
  const name = displayName(hit);
  const pct = Math.max(0, Math.min(1, hit.score)) * 100;
  return h(
    'article',
    { class: 'card', 'data-modality': hit.modality, 'data-testid': 'result' },
    media(hit),
    h(
      'div',
      { class: 'card-body' },
      h('div', { class: 'card-title', title: hit.path }, name),
      h(
        'div',
        { class: 'card-meta' },
        h('span', { class: `kind-badge k-${hit.modality}` }, KIND_LABEL[hit.modality] ?? hit.modality),
        h('span', { class: 'rank' }, `#${rank}`),
        h('span', { class: 'score', title: 'cosine similarity', 'data-testid': 'score' }, hit.score.toFixed(3)),
        hit.segment
          ? h(
              'span',
              {
                class: 'segment-time',
                title: 'the part of the recording that matches best; playback starts there',
                'data-testid': 'segment',
              },
              `${clock(hit.segment.start)}–${clock(hit.segment.end)}`,
            )
          : null,
      ),
      h('div', { class: 'score-bar', 'aria-hidden': 'true' }, h('span', { style: `width:${pct.toFixed(1)}%` })),
      h(
        'button',
        { type: 'button', class: 'link-button', onclick: () => actions.useAsQuery(hit) },
        icon('similar', 14),
        'Use as query',
      ),
    ),
  );
}

export function renderResults(grid: HTMLElement, hits: readonly Hit[], actions: ResultActions): void {
  grid.replaceChildren(...hits.map((hit, i) => card(hit, i + 1, actions)));
}

export function renderNotice(
  grid: HTMLElement,
  kind: 'empty' | 'error' | 'welcome' | 'loading',
  title: string,
  detail: Child = null,
): void {
  const ic = kind === 'error' ? 'alert' : kind === 'welcome' ? 'spark' : 'search';
  grid.replaceChildren(
    h(
      'div',
      { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-testid': `notice-${kind}` },
      kind === 'loading' ? h('div', { class: 'spinner', 'aria-hidden': 'true' }) : icon(ic, 32),
      h('h2', {}, title),
      detail ? h('p', {}, detail) : null,
    ),
  );
}
