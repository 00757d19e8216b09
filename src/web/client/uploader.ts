/**
 * Upload-and-index: one XHR per file (fetch has no upload progress), two in flight, each row showing
 * bytes sent, then "indexing" while the server embeds, then the outcome the server reported.
 */
import { errorFrom, type UploadResult } from './api.ts';
import { formatBytes, h } from './dom.ts';
import { icon } from './icons.ts';
import { KIND_LABEL } from './kinds.ts';
import { authHeaders } from './token.ts';

const CONCURRENCY = 2;

interface Row {
  el: HTMLElement;
  bar: HTMLProgressElement;
  status: HTMLElement;
}

function row(file: File): Row {
  const bar = h('progress', { max: 1, value: 0, 'aria-label': `Upload progress of ${file.name}` });
  const status = h('span', { class: 'upload-status' }, 'Waiting…');
  const el = h(
    'li',
    { class: 'upload-row', 'data-state': 'waiting', 'data-testid': 'upload-row' },
    h(
      'div',
      { class: 'upload-name' },
      h('span', { title: file.name }, file.name),
      h('small', {}, formatBytes(file.size)),
    ),
    bar,
    status,
  );
  return { el, bar, status };
}

function send(file: File, kind: string, r: Row): Promise<boolean> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    const form = new FormData();
    // The kind goes both as a field (before the file, so a streaming server sees it first) and as
    // the file field's name, which servers that read kinds from field names understand.
    if (kind) form.append('kind', kind);
    form.append(kind || 'file', file, file.name);
    const done = (ok: boolean, text: string): void => {
      r.el.dataset.state = ok ? 'done' : 'failed';
      r.bar.value = 1;
      r.status.replaceChildren(icon(ok ? 'check' : 'alert', 14), text);
      resolve(ok);
    };
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      r.bar.value = e.loaded / e.total;
      r.status.textContent = `${Math.round((e.loaded / e.total) * 100)}%`;
    };
    xhr.upload.onload = () => {
      r.el.dataset.state = 'indexing';
      r.bar.removeAttribute('value'); // indeterminate while the server embeds
      r.status.textContent = 'Indexing…';
    };
    xhr.onload = () => {
      if (xhr.status < 200 || xhr.status >= 300) return done(false, errorFrom(xhr.status, xhr.responseText).message);
      try {
        const body = JSON.parse(xhr.responseText) as UploadResult;
        const item = body.items?.[0];
        if (item)
          return done(true, `Indexed as ${KIND_LABEL[item.modality as keyof typeof KIND_LABEL] ?? item.modality}`);
        if (body.errors?.[0]) return done(false, body.errors[0].message);
        done(true, body.skipped ? 'Already indexed' : 'Nothing new to index');
      } catch {
        done(false, 'Unreadable server answer.');
      }
    };
    xhr.onerror = () => done(false, 'Network error.');
    xhr.open('POST', '/v1/items');
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    r.el.dataset.state = 'uploading';
    r.status.textContent = '0%';
    xhr.send(form);
  });
}

export interface UploadSummary {
  ok: number;
  failed: number;
}

export async function uploadAll(files: readonly File[], kind: string, list: HTMLElement): Promise<UploadSummary> {
  const rows = files.map((f) => row(f));
  list.prepend(...rows.map((r) => r.el));
  const summary: UploadSummary = { ok: 0, failed: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      if (await send(files[i], kind, rows[i])) summary.ok++;
      else summary.failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, worker));
  return summary;
}
